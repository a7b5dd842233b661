"""Camera settings: which device, how to capture, health limits, and the injection allow-list.

Pure pydantic v2 models (``extra="forbid"`` so a typo fails loudly, a description on every field).
Loading the file is the caller's job (``kiosk/config.py``); nothing here does I/O.
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_HEX4 = re.compile(r"^[0-9a-f]{4}$")

# Kernel drivers of virtual V4L2 devices (what VIDIOC_QUERYCAP reports in ``driver``). A device with
# one of these is refused with its own reason code whatever the allow-list says.
VIRTUAL_DRIVERS = ("v4l2 loopback", "v4l2loopback", "akvcam", "vivid", "vimc", "vicodec")


class AllowedCamera(BaseModel):
    """One camera model (and optionally one unit) the kiosk may capture from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vendor_id: str = Field(description="USB vendor id, 4 hex digits (e.g. '046d' for Logitech).")
    product_id: str = Field(description="USB product id, 4 hex digits (e.g. '085b').")
    serial: str | None = Field(
        default=None,
        description="USB serial number of the one unit allowed; None allows every unit of this model. "
                    "Cameras without a serial cannot match an entry that names one.",
    )
    label: str = Field(default="", description="A note for people (model name); never used to decide.")

    @field_validator("vendor_id", "product_id")
    @classmethod
    def _hex4(cls, value: str) -> str:
        value = value.strip().lower().removeprefix("0x")
        if not _HEX4.match(value):
            raise ValueError("must be 4 hexadecimal digits, as lsusb shows them (e.g. 046d)")
        return value


class CameraPolicyConfig(BaseModel):
    """The injection defence: which capture devices are trusted (see README, "Devices")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enforce: bool = Field(
        default=True,
        description="Refuse every camera that fails the checks. False only records the decision "
                    "(for bench set-up); a production kiosk keeps True.",
    )
    allowed: tuple[AllowedCamera, ...] = Field(
        default=(),
        description="Cameras allowed by USB vendor:product (and serial). Empty refuses every camera, so a "
                    "fresh kiosk fails closed until the operator lists its camera.",
    )
    capture_drivers: tuple[str, ...] = Field(
        default=("uvcvideo",),
        description="Kernel drivers accepted as real capture hardware (VIDIOC_QUERYCAP driver and the "
                    "sysfs driver of the USB interface). uvcvideo covers USB webcams.",
    )
    require_usb: bool = Field(
        default=True,
        description="Require a USB parent in sysfs and a 'usb-' bus_info. Virtual cameras have neither.",
    )


class CameraConfig(BaseModel):
    """How one camera is opened and watched."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    device: int | str = Field(
        default=0,
        description="Which camera: an index (0 = /dev/video0), a device path (/dev/video2, "
                    "/dev/v4l/by-id/...), or 'usb:VID:PID[:SERIAL]', which survives a replug onto "
                    "another port or node number.",
    )
    width: int = Field(default=640, ge=16, le=8192, description="Requested frame width in pixels.")
    height: int = Field(default=480, ge=16, le=8192, description="Requested frame height in pixels.")
    fps: float = Field(default=30.0, gt=0, le=240, description="Requested frame rate.")
    pixel_format: Literal["MJPG", "YUYV", "auto"] = Field(
        default="MJPG",
        description="Pixel format to ask for. MJPG reaches 30 fps at 720p and above over USB 2 where YUYV "
                    "cannot; a camera that does not offer it keeps its own format (logged).",
    )
    frozen_after_s: float = Field(
        default=1.0, gt=0, description="Identical frames for this long mark the camera 'frozen'.")
    no_frames_after_s: float = Field(
        default=2.0, gt=0, description="No frame for this long (device open) marks the camera 'no frames'.")
    reconnect_interval_s: float = Field(
        default=0.5, gt=0, le=30, description="Pause between attempts to re-open a camera that went away.")
    policy: CameraPolicyConfig = Field(
        default_factory=CameraPolicyConfig, description="Allow-list and virtual-camera refusal.")

    @model_validator(mode="after")
    def _device_form(self) -> CameraConfig:
        if isinstance(self.device, int):
            if self.device < 0:
                raise ValueError("device index must be 0 or more")
        elif self.device.startswith("usb:"):
            parts = self.device.split(":")
            if len(parts) not in (3, 4) or not all(_HEX4.match(p.lower()) for p in parts[1:3]):
                raise ValueError("a USB device is written usb:VID:PID or usb:VID:PID:SERIAL (hex ids, e.g. usb:046d:085b)")
        return self
