"""Fake sysfs trees and recorded VIDIOC_QUERYCAP answers for the camera allow-list tests.

The layouts copy what the kernel creates:

* a UVC camera: ``/sys/class/video4linux/videoN`` -> ``../../devices/pci0000:00/0000:00:14.0/usb1/1-2/
  1-2:1.0/video4linux/videoN``, whose ``device`` link points at the USB interface ``1-2:1.0`` (driver
  link to ``bus/usb/drivers/uvcvideo``) under the USB device ``1-2`` (``idVendor``, ``idProduct``,
  ``serial``...);
* a v4l2loopback or akvcam node: ``../../devices/virtual/video4linux/videoN`` with no ``device`` link.

The QUERYCAP answers are the 104-byte ``struct v4l2_capability`` such drivers return (values from
uvcvideo on kernel 6.1 and v4l2loopback 0.12), packed with the kernel's layout.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hardware.camera.errors import CameraError
from hardware.camera.v4l2 import QueryCap, pack_querycap, parse_querycap

KERNEL_6_1 = (6 << 16) | (1 << 8)
# uvcvideo: VIDEO_CAPTURE | EXT_PIX_FORMAT | STREAMING | META_CAPTURE | DEVICE_CAPS on the device.
UVC_CAPTURE = QueryCap("uvcvideo", "HD Pro Webcam C920", "usb-0000:00:14.0-2", KERNEL_6_1, 0x84A00001, 0x04200001)
UVC_METADATA = QueryCap("uvcvideo", "HD Pro Webcam C920", "usb-0000:00:14.0-2", KERNEL_6_1, 0x84A00001, 0x04A00000)
LOOPBACK = QueryCap("v4l2 loopback", "OBS Virtual Camera", "platform:v4l2loopback-000", KERNEL_6_1,
                    0x85200001, 0x05200001)
AKVCAM = QueryCap("akvcam", "Virtual Camera", "akvcam:0", KERNEL_6_1, 0x84200001, 0x04200001)


@dataclass
class FakeCamera:
    """One node to create: ``usb`` ids (vid, pid, serial) or ``None`` for a virtual node."""

    index: int
    name: str
    querycap: QueryCap | None
    usb: tuple[str, str, str | None] | None = None
    kernel_driver: str | None = "uvcvideo"
    port: str = "1-2"
    interface: str = "1.0"


class FakeSystem:
    """A sysfs root and a /dev root under a temporary folder, with recorded QUERYCAP answers."""

    def __init__(self, root: Path) -> None:
        self.sysfs = root / "sys"
        self.dev = root / "dev"
        (self.sysfs / "class" / "video4linux").mkdir(parents=True)
        (self.sysfs / "bus" / "usb" / "drivers").mkdir(parents=True)
        (self.sysfs / "devices" / "virtual" / "video4linux").mkdir(parents=True)
        self.dev.mkdir()
        self.answers: dict[str, bytes] = {}

    def add(self, cam: FakeCamera) -> str:
        """Create the sysfs entries and the /dev node of ``cam``; return its node path."""
        video = f"video{cam.index}"
        if cam.usb is not None:
            usb_dev = self.sysfs / "devices" / "pci0000:00" / "0000:00:14.0" / "usb1" / cam.port
            iface = usb_dev / f"{cam.port}:{cam.interface}"
            node_dir = iface / "video4linux" / video
            node_dir.mkdir(parents=True)
            vid, pid, serial = cam.usb
            (usb_dev / "idVendor").write_text(vid + "\n")
            (usb_dev / "idProduct").write_text(pid + "\n")
            (usb_dev / "product").write_text(cam.name + "\n")
            if serial is not None:
                (usb_dev / "serial").write_text(serial + "\n")
            os.symlink(os.path.relpath(iface, node_dir), node_dir / "device")
            if cam.kernel_driver:
                drv = self.sysfs / "bus" / "usb" / "drivers" / cam.kernel_driver
                drv.mkdir(exist_ok=True)
                if not (iface / "driver").exists():  # video0 and video1 of one camera share the interface
                    os.symlink(os.path.relpath(drv, iface), iface / "driver")
        else:
            node_dir = self.sysfs / "devices" / "virtual" / "video4linux" / video
            node_dir.mkdir(parents=True)
        (node_dir / "name").write_text(cam.name + "\n")
        link = self.sysfs / "class" / "video4linux" / video
        os.symlink(os.path.relpath(node_dir, link.parent), link)
        node = self.dev / video
        node.write_bytes(b"")
        if cam.querycap is not None:
            self.answers[str(node)] = pack_querycap(cam.querycap)
        return str(node)

    def unplug(self, index: int) -> None:
        """Remove the class entry and node of ``videoN`` (as the kernel does on unplug)."""
        (self.sysfs / "class" / "video4linux" / f"video{index}").unlink()
        (self.dev / f"video{index}").unlink()

    def querycap(self, node: str) -> QueryCap:
        """The recorded answer for ``node``, decoded as the real call decodes the kernel's bytes."""
        if node not in self.answers:
            raise CameraError(f"VIDIOC_QUERYCAP on {node} failed: Inappropriate ioctl for device")
        return parse_querycap(self.answers[node])
