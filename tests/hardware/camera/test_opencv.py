"""OpenCvCamera's open path on fake sysfs trees: the allow-list runs before OpenCV touches a node."""
from __future__ import annotations

import time

from fake_sysfs import LOOPBACK, UVC_CAPTURE, FakeCamera, FakeSystem

from hardware.camera.allowlist import CameraDecision, DecisionCode
from hardware.camera.config import AllowedCamera, CameraConfig, CameraPolicyConfig
from hardware.camera.opencv import OpenCvCamera
from hardware.camera.source import HealthState

POLICY = CameraPolicyConfig(allowed=(AllowedCamera(vendor_id="046d", product_id="082d"),))


def _wait(predicate, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.01)
    return predicate()


def _camera(fake: FakeSystem, device: int | str, decisions: list[CameraDecision]) -> OpenCvCamera:
    config = CameraConfig(device=device, policy=POLICY, reconnect_interval_s=0.05)
    return OpenCvCamera(config, sysfs_root=fake.sysfs, dev_root=fake.dev, on_decision=decisions.append,
                        querycap=fake.querycap)


def test_virtual_camera_is_refused_before_opening(fake_system: FakeSystem) -> None:
    fake_system.add(FakeCamera(0, "HD Pro Webcam C920", LOOPBACK))
    decisions: list[CameraDecision] = []
    cam = _camera(fake_system, 0, decisions)
    cam.start()
    try:
        assert _wait(lambda: cam.health().state is HealthState.DISCONNECTED)
        assert "virtual camera" in cam.health().message
        assert cam.refusal is not None and cam.refusal.decision.code is DecisionCode.VIRTUAL_DRIVER
        assert [d.code for d in decisions] == [DecisionCode.VIRTUAL_DRIVER]  # refused once, not retried
    finally:
        cam.stop()


def test_allowed_camera_that_cannot_open_keeps_retrying(fake_system: FakeSystem) -> None:
    # The node is a plain file here, so OpenCV cannot open it: the thread reports and retries.
    fake_system.add(FakeCamera(0, "C920", UVC_CAPTURE, ("046d", "082d", "S1")))
    decisions: list[CameraDecision] = []
    cam = _camera(fake_system, "usb:046d:082d", decisions)
    cam.start()
    try:
        assert _wait(lambda: len(decisions) >= 2)
        assert all(d.code is DecisionCode.ALLOWED for d in decisions)
        assert cam.health().state is HealthState.RECONNECTING
        assert "could not be opened" in cam.health().message
    finally:
        cam.stop()


def test_unplugged_camera_is_named_with_what_is_present(fake_system: FakeSystem) -> None:
    fake_system.add(FakeCamera(0, "C920", UVC_CAPTURE, ("046d", "082d", "S1")))
    fake_system.unplug(0)
    decisions: list[CameraDecision] = []
    cam = _camera(fake_system, "usb:046d:082d:S1", decisions)
    cam.start()
    try:
        assert _wait(lambda: cam.health().state is HealthState.RECONNECTING)
        assert "not connected" in cam.health().message and decisions == []
    finally:
        cam.stop()


def test_opencv_read_path_delivers_bgr_frames_and_reports_a_lost_stream(tmp_path) -> None:
    # OpenCV's reader on a recorded clip stands in for the camera node: same read() contract.
    import threading

    import cv2
    import numpy as np

    from hardware.camera.capture import CaptureThread
    from hardware.camera.opencv import _OpenCvDevice

    clip = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 30, (64, 48))
    rng = np.random.default_rng(1)
    for _ in range(5):
        writer.write(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8))
    writer.release()
    opens: list[int] = []

    def opener(stop: threading.Event) -> _OpenCvDevice:
        opens.append(1)
        return _OpenCvDevice(cv2.VideoCapture(str(clip)), 30.0)

    src = CaptureThread("clip", opener, reconnect_interval_s=0.05)
    src.start()
    try:
        frame = src.wait_next(-1, timeout=20)
        assert frame is not None and frame.image.shape == (48, 64, 3) and frame.image.dtype == np.uint8
        # At the end of the clip read() fails, which the loop treats as a lost device and re-opens.
        assert _wait(lambda: len(opens) >= 2)
        assert src.health().reconnects >= 1
    finally:
        src.stop()

    class Grey:
        def read(self):  # type: ignore[no-untyped-def]
            return True, np.zeros((4, 6), np.uint8)

        def release(self) -> None:
            pass

    assert _OpenCvDevice(Grey(), 30.0).read().shape == (4, 6, 3)  # type: ignore[arg-type, union-attr]

