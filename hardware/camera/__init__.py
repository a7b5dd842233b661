"""Cameras: capture on its own thread, replay sources, enumeration and the injection allow-list.

``FrameSource`` (``source.py``) is the seam the kiosk consumes; ``OpenCvCamera`` and ``ReplaySource``
implement it. ``enumerate_cameras`` lists the V4L2 devices with their driver, bus and USB identity,
and ``check_camera`` decides whether one may be used (``allowlist.py``).
"""
from __future__ import annotations

from hardware.camera.allowlist import (
    CameraDecision,
    DecisionCode,
    check_camera,
    check_windows_device_path,
    survey_cameras,
)
from hardware.camera.config import AllowedCamera, CameraConfig, CameraPolicyConfig
from hardware.camera.devices import CameraDevice, enumerate_cameras
from hardware.camera.errors import CameraError, CameraNotFoundError, CameraRefusedError, ReplayError
from hardware.camera.opencv import OpenCvCamera
from hardware.camera.replay import ReplaySource
from hardware.camera.source import Frame, FrameSource, Health, HealthState

__all__ = [
    "AllowedCamera", "CameraConfig", "CameraDecision", "CameraDevice", "CameraError", "CameraNotFoundError",
    "CameraPolicyConfig", "CameraRefusedError", "DecisionCode", "Frame", "FrameSource", "Health", "HealthState",
    "OpenCvCamera", "ReplayError", "ReplaySource", "check_camera", "check_windows_device_path", "enumerate_cameras",
    "survey_cameras",
]
