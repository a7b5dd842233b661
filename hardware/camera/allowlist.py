"""Injection defence: may the kiosk capture from this camera?

A camera-injection attack feeds a prepared video (a deepfake, a replay) to the kiosk as if it came
from the camera. The common tools are virtual cameras: v4l2loopback (OBS, DroidCam and most others)
and akvcam on Linux, DirectShow/Media Foundation filters on Windows. This module refuses them and
anything not on the site's allow-list, and says why in a ``CameraDecision`` that goes to the evidence.

Linux rule (``check_camera``), every condition required:
1. VIDIOC_QUERYCAP answered (a node we cannot ask is refused: fail closed);
2. its driver is not a known virtual driver (``v4l2 loopback``, ``akvcam``, ``vivid``...);
3. it is a capture node;
4. the driver is a real capture driver (``uvcvideo`` by default), both in QUERYCAP and in sysfs;
5. it hangs under a USB device in sysfs and its bus_info starts with ``usb-`` (the two must agree);
6. the USB vendor:product (and the serial, where the entry names one) is on the allow-list.
Names (``card``, sysfs ``name``, USB ``product``) are never used: anyone can set them.

Windows rule (``check_windows_device_path``): accept only a device path (symbolic link) that starts
with ``\\\\?\\usb#vid_XXXX&pid_YYYY`` for an allow-listed pair. OBS Virtual Camera and similar
DirectShow filters have no such path.

What this does not stop: a USB device that imitates an allowed camera (a USB gadget or capture
dongle reporting the allowed ids and serial), a modified kernel or driver on a compromised kiosk,
or a screen or print held in front of the real camera (that is liveness's job).
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from pathlib import Path

from hardware.camera.config import VIRTUAL_DRIVERS, AllowedCamera, CameraPolicyConfig
from hardware.camera.devices import CameraDevice, QueryCapFn, enumerate_cameras
from hardware.camera.v4l2 import query_capabilities


class DecisionCode(enum.Enum):
    """Why a camera was allowed or refused (stable strings for the evidence and the operator)."""

    ALLOWED = "CAMERA_ALLOWED"
    VIRTUAL_DRIVER = "CAMERA_VIRTUAL_DRIVER"
    NOT_CAPTURE = "CAMERA_NOT_CAPTURE_NODE"
    DRIVER_NOT_ALLOWED = "CAMERA_DRIVER_NOT_ALLOWED"
    NOT_USB = "CAMERA_NOT_USB"
    BUS_MISMATCH = "CAMERA_BUS_MISMATCH"
    NOT_ON_ALLOW_LIST = "CAMERA_NOT_ON_ALLOW_LIST"
    SERIAL_MISMATCH = "CAMERA_SERIAL_MISMATCH"
    UNREADABLE = "CAMERA_UNREADABLE"


@dataclass(frozen=True)
class CameraDecision:
    """The allow-list verdict for one camera.

    :param allowed: whether capture may proceed (``enforced=False`` still records refusals).
    :param code: the reason code.
    :param message: plain words for the operator, naming what to change.
    :param facts: what the decision was based on (driver, bus_info, ids, serial, node); no images.
    :param enforced: whether the policy enforces refusals.
    """

    allowed: bool
    code: DecisionCode
    message: str
    facts: dict[str, str] = field(default_factory=dict)
    enforced: bool = True

    @property
    def refused(self) -> bool:
        """True when the camera failed the checks (whether or not the policy enforces it)."""
        return self.code is not DecisionCode.ALLOWED

    def to_evidence(self) -> dict[str, object]:
        """A JSON-ready record for the session evidence."""
        return {"allowed": self.allowed, "code": self.code.value, "message": self.message,
                "enforced": self.enforced, "facts": dict(self.facts)}


def _facts(device: CameraDevice) -> dict[str, str]:
    facts = {"node": device.node, "driver": device.driver, "bus_info": device.bus_info,
             "kernel_driver": device.kernel_driver or ""}
    if device.usb is not None:
        facts["usb_id"] = device.usb.vid_pid
        facts["usb_port"] = device.usb.port
        if device.usb.serial:
            facts["serial"] = device.usb.serial
    return facts


def _match(vid: str, pid: str, serial: str | None,
           allowed: tuple[AllowedCamera, ...]) -> tuple[DecisionCode, AllowedCamera | None]:
    models = [a for a in allowed if a.vendor_id == vid and a.product_id == pid]
    if not models:
        return DecisionCode.NOT_ON_ALLOW_LIST, None
    for entry in models:
        if entry.serial is None or entry.serial == serial:
            return DecisionCode.ALLOWED, entry
    return DecisionCode.SERIAL_MISMATCH, None


def _decide(code: DecisionCode, message: str, facts: dict[str, str], policy: CameraPolicyConfig) -> CameraDecision:
    allowed = code is DecisionCode.ALLOWED or not policy.enforce
    return CameraDecision(allowed, code, message, facts, policy.enforce)


def check_camera(device: CameraDevice, policy: CameraPolicyConfig) -> CameraDecision:
    """Apply the Linux rule (module docstring) to one enumerated device."""
    facts = _facts(device)
    cap = device.querycap
    if cap is None:
        return _decide(DecisionCode.UNREADABLE,
                       f"cannot ask {device.node} what it is ({device.querycap_error or 'no answer'}): refused",
                       facts, policy)
    driver = cap.driver.strip().lower()
    if driver in VIRTUAL_DRIVERS or (device.kernel_driver or "").lower() in VIRTUAL_DRIVERS \
            or cap.bus_info.lower().startswith("platform:v4l2loopback"):
        return _decide(DecisionCode.VIRTUAL_DRIVER,
                       f"{device.node} is a virtual camera (driver {cap.driver!r}): remove the virtual-camera "
                       "software and use the kiosk's USB camera", facts, policy)
    if not cap.can_capture:
        return _decide(DecisionCode.NOT_CAPTURE, f"{device.node} is not a video capture node", facts, policy)
    drivers = {d.lower() for d in policy.capture_drivers}
    if driver not in drivers or (device.kernel_driver is not None and device.kernel_driver.lower() not in drivers):
        return _decide(DecisionCode.DRIVER_NOT_ALLOWED,
                       f"{device.node} uses driver {cap.driver!r} (sysfs: {device.kernel_driver or 'none'}), not "
                       f"one of the capture drivers allowed ({', '.join(policy.capture_drivers)})", facts, policy)
    usb_bus = cap.bus_info.startswith("usb-")
    if policy.require_usb and device.usb is None and not usb_bus:
        return _decide(DecisionCode.NOT_USB,
                       f"{device.node} is not a USB camera (bus {cap.bus_info or 'unknown'}, no USB parent)",
                       facts, policy)
    if policy.require_usb and (device.usb is None) == usb_bus:
        return _decide(DecisionCode.BUS_MISMATCH,
                       f"{device.node}: the driver's bus ({cap.bus_info or 'unknown'}) and the device tree "
                       f"({'USB' if device.usb else 'no USB parent'}) disagree: refused", facts, policy)
    if device.usb is None:
        return _decide(DecisionCode.NOT_ON_ALLOW_LIST,
                       f"{device.node} has no USB identity to check against the allow-list", facts, policy)
    code, entry = _match(device.usb.vendor_id, device.usb.product_id, device.usb.serial, policy.allowed)
    if code is DecisionCode.NOT_ON_ALLOW_LIST:
        return _decide(code, f"camera {device.usb.vid_pid} is not on the allow-list: add vendor_id "
                             f"'{device.usb.vendor_id}' product_id '{device.usb.product_id}' to the camera policy "
                             "if this is the kiosk's camera", facts, policy)
    if code is DecisionCode.SERIAL_MISMATCH:
        return _decide(code, f"camera {device.usb.vid_pid} is an allowed model but not the allowed unit "
                             f"(serial {device.usb.serial or 'none'})", facts, policy)
    label = f" ({entry.label})" if entry is not None and entry.label else ""
    return _decide(DecisionCode.ALLOWED, f"camera {device.usb.vid_pid}{label} allowed", facts, policy)


def survey_cameras(policy: CameraPolicyConfig, sysfs_root: str | Path = "/sys", dev_root: str | Path = "/dev",
                   querycap: QueryCapFn = query_capabilities) -> list[tuple[CameraDevice, CameraDecision]]:
    """Every V4L2 node with the decision ``policy`` gives it (for an operator's device listing)."""
    return [(d, check_camera(d, policy)) for d in enumerate_cameras(sysfs_root, dev_root, querycap)]


_WIN_USB_PATH = re.compile(r"^\\\\\?\\usb#vid_([0-9a-f]{4})&pid_([0-9a-f]{4})(&mi_[0-9a-f]{2})?#([^#]+)#", re.I)


def check_windows_device_path(path: str, policy: CameraPolicyConfig) -> CameraDecision:
    """Apply the Windows rule to a DirectShow / Media Foundation device path (symbolic link).

    A USB camera's path reads ``\\\\?\\usb#vid_046d&pid_085b&mi_00#7&2b8f5e4&0&0000#{...}\\global``.
    The segment after the ids is the serial only for a device without ``&mi_`` (one interface) whose
    instance id has no ``&``; an entry that names a serial is refused when it cannot be read there.
    Anything else (``root#``, ``swd#``, a DirectShow filter moniker such as OBS Virtual Camera's, an
    empty path) is refused.
    """
    facts = {"device_path": path}
    m = _WIN_USB_PATH.match(path or "")
    if m is None:
        return _decide(DecisionCode.NOT_USB,
                       "the camera has no USB device path (a virtual camera or software filter): refused",
                       facts, policy)
    vid, pid, interface, instance = m.group(1).lower(), m.group(2).lower(), m.group(3), m.group(4)
    serial = instance if not interface and "&" not in instance else None
    facts["usb_id"] = f"{vid}:{pid}"
    if serial:
        facts["serial"] = serial
    code, entry = _match(vid, pid, serial, policy.allowed)
    if code is DecisionCode.NOT_ON_ALLOW_LIST:
        return _decide(code, f"camera {vid}:{pid} is not on the allow-list", facts, policy)
    if code is DecisionCode.SERIAL_MISMATCH:
        return _decide(code, f"camera {vid}:{pid} is an allowed model but its serial "
                             f"{'cannot be read from its device path' if serial is None else 'differs'}",
                       facts, policy)
    label = f" ({entry.label})" if entry is not None and entry.label else ""
    return _decide(DecisionCode.ALLOWED, f"camera {vid}:{pid}{label} allowed", facts, policy)
