"""Camera enumeration on Linux: every V4L2 node with its name, driver, bus and USB identity.

Reads ``/sys/class/video4linux/videoN`` (the name, the parent device and its kernel driver, and the
USB device above it with ``idVendor``, ``idProduct``, ``serial``) and asks each node VIDIOC_QUERYCAP
(driver, card, bus_info, capabilities). Both roots are parameters so the allow-list logic is tested
on fake sysfs trees and recorded QUERYCAP answers.

``cv2-enumerate-cameras`` (MIT) was evaluated for this and not used: on Linux it reads the same sysfs
files but reports neither the driver, the bus_info nor the serial, does not tell capture nodes from
metadata nodes, fails on a USB parent without ``idVendor``, and its sysfs root is fixed.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hardware.camera.errors import CameraError, CameraNotFoundError
from hardware.camera.v4l2 import QueryCap, query_capabilities

QueryCapFn = Callable[[str], QueryCap]


@dataclass(frozen=True)
class UsbIdentity:
    """What the USB device above a camera node says about itself (all of it can be forged by a gadget)."""

    vendor_id: str
    product_id: str
    serial: str | None
    manufacturer: str | None
    product: str | None
    port: str  # sysfs name of the USB device, e.g. "1-2" (bus 1, port 2)

    @property
    def vid_pid(self) -> str:
        """``vvvv:pppp`` as lsusb prints it."""
        return f"{self.vendor_id}:{self.product_id}"


@dataclass(frozen=True)
class CameraDevice:
    """One V4L2 node as found in sysfs and by VIDIOC_QUERYCAP."""

    node: str
    index: int
    name: str
    sysfs_path: str
    kernel_driver: str | None
    usb: UsbIdentity | None
    querycap: QueryCap | None
    querycap_error: str | None = None

    @property
    def driver(self) -> str:
        """The driver name VIDIOC_QUERYCAP reports (else the sysfs driver, else empty)."""
        if self.querycap is not None:
            return self.querycap.driver
        return self.kernel_driver or ""

    @property
    def bus_info(self) -> str:
        """VIDIOC_QUERYCAP bus_info (``usb-...``, ``platform:...``), empty when unknown."""
        return self.querycap.bus_info if self.querycap is not None else ""

    @property
    def can_capture(self) -> bool:
        """True when the node delivers video (metadata nodes of UVC cameras do not)."""
        return self.querycap is not None and self.querycap.can_capture

    def describe(self) -> str:
        """One line for an operator listing."""
        ids = self.usb.vid_pid if self.usb else "no USB parent"
        serial = f" serial {self.usb.serial}" if self.usb and self.usb.serial else ""
        kind = "capture" if self.can_capture else ("metadata/other" if self.querycap else "unreadable")
        return (f"{self.node}: {self.name!r} driver={self.driver or '?'} bus={self.bus_info or '?'} "
                f"{ids}{serial} ({kind})")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return None


def _usb_parent(start: Path, stop: Path) -> Path | None:
    """The nearest directory at or above ``start`` (inside ``stop``) that is a USB device."""
    current = start
    while current != stop and stop in current.parents:
        if (current / "idVendor").is_file() and (current / "idProduct").is_file():
            return current
        current = current.parent
    return None


def _usb_identity(usb_dir: Path) -> UsbIdentity | None:
    vid, pid = _read(usb_dir / "idVendor"), _read(usb_dir / "idProduct")
    if not vid or not pid:
        return None
    return UsbIdentity(vid.lower(), pid.lower(), _read(usb_dir / "serial") or None,
                       _read(usb_dir / "manufacturer"), _read(usb_dir / "product"), usb_dir.name)


def describe_node(entry: Path, sysfs_root: Path, dev_root: Path, querycap: QueryCapFn) -> CameraDevice:
    """Build the ``CameraDevice`` for one ``/sys/class/video4linux/videoN`` entry."""
    index = int(entry.name[len("video"):])
    real = Path(os.path.realpath(entry))
    node = str(dev_root / entry.name)
    name = _read(entry / "name") or entry.name
    kernel_driver = None
    usb = None
    device_link = entry / "device"
    if device_link.exists():
        parent = Path(os.path.realpath(device_link))
        driver_link = parent / "driver"
        if driver_link.exists():
            kernel_driver = Path(os.path.realpath(driver_link)).name
        usb_dir = _usb_parent(parent, Path(os.path.realpath(sysfs_root)) / "devices")
        if usb_dir is not None:
            usb = _usb_identity(usb_dir)
    cap, error = None, None
    try:
        cap = querycap(node)
    except CameraError as exc:
        error = str(exc)
    return CameraDevice(node, index, name, str(real), kernel_driver, usb, cap, error)


def enumerate_cameras(sysfs_root: str | Path = "/sys", dev_root: str | Path = "/dev",
                      querycap: QueryCapFn = query_capabilities) -> list[CameraDevice]:
    """Every V4L2 video node, in node-number order (empty when there are none).

    Includes virtual and metadata nodes: the caller (``check_camera``) decides what may be used.
    """
    sysfs_root, dev_root = Path(sysfs_root), Path(dev_root)
    class_dir = sysfs_root / "class" / "video4linux"
    if not class_dir.is_dir():
        return []
    entries = [e for e in class_dir.iterdir() if re.fullmatch(r"video\d+", e.name)]
    entries.sort(key=lambda e: int(e.name[len("video"):]))
    return [describe_node(e, sysfs_root, dev_root, querycap) for e in entries]


def resolve_device(spec: int | str, devices: list[CameraDevice]) -> CameraDevice:
    """The device ``spec`` names: an index, a node path (symlinks such as /dev/v4l/by-id followed) or
    ``usb:VID:PID[:SERIAL]`` (the first capture node of that USB camera).

    Raises ``CameraNotFoundError`` with the cameras that are present.
    """
    present = ", ".join(d.describe() for d in devices) or "none"
    if isinstance(spec, int) or spec.isdigit():
        wanted = int(spec)
        for d in devices:
            if d.index == wanted:
                return d
    elif spec.startswith("usb:"):
        parts = spec.split(":")
        vid, pid = parts[1].lower(), parts[2].lower()
        serial = parts[3] if len(parts) > 3 else None
        for d in devices:
            if d.usb and d.usb.vendor_id == vid and d.usb.product_id == pid and d.can_capture \
                    and (serial is None or d.usb.serial == serial):
                return d
    else:
        real = os.path.realpath(spec)
        for d in devices:
            if d.node == spec or os.path.realpath(d.node) == real:
                return d
    raise CameraNotFoundError(f"camera {spec!r} is not connected (cameras present: {present})")
