"""Typed errors of the camera layer.

Messages are written for the operator or the person at the kiosk and never carry image data.
"""
from __future__ import annotations

from hardware.errors import HardwareError


class CameraError(HardwareError):
    """A camera could not be used (absent, refused, failed to deliver frames)."""


class CameraNotFoundError(CameraError):
    """No camera matches the configured device, or it went away and did not come back."""


class CameraRefusedError(CameraError):
    """The camera is not allowed (not on the allow-list, or not a real capture device).

    ``decision`` is the ``CameraDecision`` with the reason code that refused it, for the evidence.
    """

    def __init__(self, decision: object, message: str) -> None:
        self.decision = decision
        super().__init__(message)


class ReplayError(CameraError):
    """A replay source (video file, image folder) cannot be read."""
