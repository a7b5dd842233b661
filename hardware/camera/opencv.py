"""A real camera through OpenCV (``opencv-python-headless``; the GUI build's Qt plugins clash with PySide6).

On Linux every (re)open enumerates the V4L2 nodes, resolves the configured device (by index, path or
USB identity, so a replug onto another node is found again), applies the injection allow-list, and
only then opens the node with the V4L2 backend. Pixel format is set before the size and rate, as
V4L2 drivers pick the modes a format offers; what the driver granted is read back and logged.

OpenCV's V4L2 backend blocks in ``read()`` for up to 10 s on a silent device
(``OPENCV_VIDEOIO_V4L_SELECT_TIMEOUT``); health reports ``no_frames`` from timestamps meanwhile.
"""
from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from hardware.camera.allowlist import CameraDecision, check_camera
from hardware.camera.capture import CaptureThread, Device
from hardware.camera.config import CameraConfig
from hardware.camera.devices import CameraDevice, QueryCapFn, enumerate_cameras, resolve_device
from hardware.camera.errors import CameraNotFoundError, CameraRefusedError
from hardware.camera.v4l2 import query_capabilities

log = logging.getLogger(__name__)


def _fourcc_text(value: float) -> str:
    code = int(value)
    return "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4)).strip("\0") or "?"


class _OpenCvDevice:
    def __init__(self, cap: cv2.VideoCapture, nominal_fps: float | None) -> None:
        self._cap = cap
        self.nominal_fps = nominal_fps

    def read(self) -> np.ndarray | None:
        ok, image = self._cap.read()
        if not ok or image is None:
            return None
        if image.ndim == 2:  # some drivers hand out grey frames; the seam promises BGR
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        return image

    def close(self) -> None:
        self._cap.release()


class OpenCvCamera(CaptureThread):
    """A ``FrameSource`` over a physical camera, refused unless the allow-list accepts it (Linux).

    :param config: device, mode, health limits and policy.
    :param sysfs_root: root of sysfs (a parameter for tests).
    :param dev_root: root of the device nodes (a parameter for tests).
    :param on_decision: called with every allow-list decision (each open and re-open), for the evidence.
    :param querycap: the VIDIOC_QUERYCAP call (a parameter for tests with recorded answers).
    """

    def __init__(self, config: CameraConfig, *, sysfs_root: str | Path = "/sys", dev_root: str | Path = "/dev",
                 on_decision: Callable[[CameraDecision], None] | None = None,
                 querycap: QueryCapFn = query_capabilities) -> None:
        self.config = config
        self._sysfs_root = sysfs_root
        self._dev_root = dev_root
        self._on_decision = on_decision
        self._querycap = querycap
        self.decision: CameraDecision | None = None
        self.granted: dict[str, object] = {}
        super().__init__(str(config.device), self._open, expected_fps=config.fps,
                         frozen_after_s=config.frozen_after_s, no_frames_after_s=config.no_frames_after_s,
                         reconnect_interval_s=config.reconnect_interval_s)

    def _check(self) -> CameraDevice:
        devices = enumerate_cameras(self._sysfs_root, self._dev_root, self._querycap)
        device = resolve_device(self.config.device, devices)
        decision = check_camera(device, self.config.policy)
        self.decision = decision
        if self._on_decision is not None:
            self._on_decision(decision)
        if decision.refused:
            log.warning("camera decision %s: %s", decision.code.value, decision.message)
        if not decision.allowed:
            raise CameraRefusedError(decision, decision.message)
        return device

    def _open(self, stop: threading.Event) -> Device:
        if sys.platform.startswith("linux"):
            device = self._check()
            cap = cv2.VideoCapture(device.node, cv2.CAP_V4L2)
        else:
            # Elsewhere the device-path rule (check_windows_device_path) needs the platform's device
            # list, which the kiosk supplies; OpenCV itself only takes an index here.
            spec = self.config.device
            if not isinstance(spec, int) and not spec.isdigit():
                raise CameraRefusedError(None, f"camera {spec!r}: only an index is supported on this platform")
            cap = cv2.VideoCapture(int(spec))
        if not cap.isOpened():
            cap.release()
            raise CameraNotFoundError(f"camera {self.config.device!r} could not be opened (busy or unplugged)")
        cfg = self.config
        if cfg.pixel_format != "auto":
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*cfg.pixel_format))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, cfg.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, cfg.height)
        cap.set(cv2.CAP_PROP_FPS, cfg.fps)
        # The driver's buffer queue stays at OpenCV's default: this thread drains it as frames come, so
        # frames only wait there when decoding falls behind, and one buffer would make the driver drop
        # every frame that arrives while we decode.
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.granted = {"width": int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), "height": int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                        "fps": fps, "pixel_format": _fourcc_text(cap.get(cv2.CAP_PROP_FOURCC))}
        if cfg.pixel_format != "auto" and self.granted["pixel_format"] != cfg.pixel_format:
            log.info("camera does not offer %s; using %s", cfg.pixel_format, self.granted["pixel_format"])
        log.info("camera opened: %s", self.granted)
        return _OpenCvDevice(cap, fps if 0 < fps <= 240 else cfg.fps)
