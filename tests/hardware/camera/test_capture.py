"""The capture thread through replay sources: latest frame, wait_next, health, recovery, replay inputs.

Every wait has a generous timeout and no assertion depends on how fast this machine is.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from hardware.camera.capture import CaptureThread
from hardware.camera.errors import CameraError, CameraRefusedError, ReplayError
from hardware.camera.replay import ReplaySource
from hardware.camera.source import FrameSource, HealthState

WAIT = 20.0  # seconds: generous, only reached when something is broken


def noise_frames(count: int | None = None, size: tuple[int, int] = (120, 160), seed: int = 0) -> Iterator[np.ndarray]:
    """Distinct frames, like a real sensor's (noise differs every frame)."""
    rng = np.random.default_rng(seed)
    i = 0
    while count is None or i < count:
        yield rng.integers(0, 256, (*size, 3), dtype=np.uint8)
        i += 1


def wait_until(predicate, timeout: float = WAIT) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@pytest.fixture
def running():  # type: ignore[no-untyped-def]
    sources: list[CaptureThread] = []

    def start(source: CaptureThread) -> CaptureThread:
        sources.append(source)
        source.start()
        return source

    yield start
    for s in sources:
        s.stop()


def test_replay_is_a_frame_source_and_delivers_fresh_frames(running) -> None:
    src = ReplaySource(lambda: noise_frames(), fps=60, name="cam-a")
    assert isinstance(src, FrameSource)
    assert src.latest() is None and src.health().state is HealthState.STOPPED
    running(src)
    frames = []
    last = -1
    while len(frames) < 10:
        frame = src.wait_next(last, timeout=WAIT)
        assert frame is not None
        frames.append(frame)
        last = frame.index
    assert [f.index for f in frames] == sorted({f.index for f in frames})
    assert all(a.t <= b.t for a, b in zip(frames, frames[1:]))
    assert all(f.camera_id == "cam-a" and f.image.shape == (120, 160, 3) for f in frames)
    with pytest.raises(ValueError):
        frames[0].image[0, 0, 0] = 1  # shared by every consumer: read-only
    assert src.latest() is not None and src.latest().index >= last  # type: ignore[union-attr]
    assert wait_until(lambda: src.health().ok)


def test_a_slow_consumer_skips_frames_instead_of_queueing(running) -> None:
    src = running(ReplaySource(lambda: noise_frames(), fps=60))
    first = src.wait_next(-1, timeout=WAIT)
    assert first is not None
    # The consumer is busy while the camera delivers at least five more frames.
    assert wait_until(lambda: src.health().frames >= first.index + 6)
    nxt = src.wait_next(first.index, timeout=WAIT)
    assert nxt is not None and nxt.index >= first.index + 5  # the newest, not the next in line


def test_wait_next_times_out_and_stop_wakes_waiters() -> None:
    src = ReplaySource(lambda: noise_frames(), fps=30)
    assert src.wait_next(-1, timeout=0.05) is None  # not started: nothing comes
    src.start()
    got: list[object] = []
    first = src.wait_next(-1, timeout=WAIT)
    assert first is not None
    waiter = threading.Thread(target=lambda: got.append(src.wait_next(10**9, timeout=WAIT)))
    waiter.start()
    src.stop()
    waiter.join(WAIT)
    assert not waiter.is_alive() and got == [None]
    assert src.health().state is HealthState.STOPPED


def test_frozen_picture_is_detected(running) -> None:
    still = np.full((60, 80, 3), 128, np.uint8)
    src = running(ReplaySource(lambda: (still for _ in range(10**6)), fps=60, frozen_after_s=0.2))
    assert wait_until(lambda: src.health().state is HealthState.FROZEN)
    assert "frozen" in src.health().message


def test_frozen_state_clears_when_the_picture_moves(running) -> None:
    moving = threading.Event()
    still = np.full((60, 80, 3), 128, np.uint8)
    noise = noise_frames()

    def frames() -> Iterator[np.ndarray]:
        while True:
            yield next(noise) if moving.is_set() else still

    src = running(ReplaySource(frames, fps=60, frozen_after_s=0.2))
    assert wait_until(lambda: src.health().state is HealthState.FROZEN)
    moving.set()
    assert wait_until(lambda: src.health().state is HealthState.OK)


def test_dropped_frames_are_counted_from_gaps_in_the_cadence(running) -> None:
    # 10 frames, then the camera skips 2 s of frames, then 10 more (timestamps as a camera gives them).
    def frames() -> Iterator[tuple[np.ndarray, float]]:
        noise = noise_frames()
        for i in range(10):
            yield next(noise), i / 30
        for i in range(10):
            yield next(noise), 2.0 + (10 + i) / 30

    src = running(ReplaySource(frames, fps=30))
    assert wait_until(lambda: src.health().state is HealthState.STOPPED)
    health = src.health()
    assert health.frames == 20
    # About 60 frames are missing; delivery can only be later than due, never earlier, so at least
    # this many are counted however loaded the machine is.
    assert health.dropped >= 40, health


def test_no_frames_from_an_open_device_is_reported() -> None:
    class Silent:
        nominal_fps = 30.0

        def __init__(self, stop: threading.Event) -> None:
            self._stop = stop

        def read(self) -> None:
            self._stop.wait()  # a driver that never delivers
            return None

        def close(self) -> None:
            pass

    src = CaptureThread("silent", Silent, no_frames_after_s=0.2)
    src.start()
    try:
        assert wait_until(lambda: src.health().state is HealthState.NO_FRAMES)
        assert "sends no picture" in src.health().message
    finally:
        src.stop()


def test_unplug_and_replug_recovers(running) -> None:
    src = running(ReplaySource(lambda: noise_frames(), fps=30, reconnect_interval_s=0.05))
    first = src.wait_next(-1, timeout=WAIT)
    assert first is not None
    src.unplug()
    assert wait_until(lambda: src.health().state is HealthState.RECONNECTING)
    assert "reconnect" in src.health().message
    before = src.health().frames
    src.replug()
    frame = src.wait_next(before - 1, timeout=WAIT)
    assert frame is not None and frame.index >= before
    assert wait_until(lambda: src.health().ok)
    assert src.health().reconnects == 1


def test_absent_at_start_then_plugged_in(running) -> None:
    src = ReplaySource(lambda: noise_frames(), fps=30, reconnect_interval_s=0.05)
    src.unplug()
    running(src)
    assert wait_until(lambda: src.health().state is HealthState.RECONNECTING)
    assert "not available yet" in src.health().message
    src.replug()
    assert src.wait_next(-1, timeout=WAIT) is not None
    assert src.health().reconnects == 0


def test_refused_camera_is_not_retried() -> None:
    calls = []

    def opener(stop: threading.Event):  # type: ignore[no-untyped-def]
        calls.append(1)
        raise CameraRefusedError("decision", "virtual camera: refused")

    src = CaptureThread("virtual", opener, reconnect_interval_s=0.01)
    src.start()
    try:
        assert wait_until(lambda: src.health().state is HealthState.DISCONNECTED)
        time.sleep(0.1)
        assert calls == [1] and src.refusal is not None and src.refusal.decision == "decision"
        assert src.wait_next(-1, timeout=0.1) is None
    finally:
        src.stop()
    assert src.health().state is HealthState.DISCONNECTED  # stop() keeps the refusal visible


def test_a_failing_read_is_a_lost_device() -> None:
    opened = []

    class Broken:
        nominal_fps = 30.0

        def read(self):  # type: ignore[no-untyped-def]
            raise CameraError("driver error")

        def close(self) -> None:
            pass

    def opener(stop: threading.Event) -> Broken:
        opened.append(1)
        return Broken()

    src = CaptureThread("broken", opener, reconnect_interval_s=0.01)
    src.start()
    try:
        assert wait_until(lambda: len(opened) >= 3)  # it keeps trying to recover
    finally:
        src.stop()


def test_replay_of_timestamped_items_and_end_of_stream(running) -> None:
    items = [(np.full((8, 8, 3), i, np.uint8), i * 0.01) for i in range(5)]
    src = running(ReplaySource(items, fps=None))
    seen: list[int] = []
    last = -1
    while True:
        frame = src.wait_next(last, timeout=WAIT)
        if frame is None:
            break
        seen.append(int(frame.image[0, 0, 0]))
        last = frame.index
    assert seen[-1] == 4 and seen == sorted(seen)
    assert src.health().state is HealthState.STOPPED and "ended" in src.health().message


def test_looping_replay_restarts(running) -> None:
    src = running(ReplaySource(lambda: noise_frames(3), fps=120, loop=True))
    assert wait_until(lambda: src.health().frames >= 9)
    assert src.health().state is not HealthState.STOPPED


def test_replay_from_folder_and_video(tmp_path, running) -> None:
    images = list(noise_frames(3, size=(32, 48)))
    for i, image in enumerate(images):
        cv2.imwrite(str(tmp_path / f"f{i:02d}.png"), image)
    (tmp_path / "notes.txt").write_text("ignored")
    src = running(ReplaySource.from_folder(tmp_path, fps=60))
    got = []
    last = -1
    while (frame := src.wait_next(last, timeout=WAIT)) is not None:
        got.append(frame.image)
        last = frame.index
    assert len(got) <= 3 and np.array_equal(got[-1], images[-1])

    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 25, (48, 32))
    for image in images * 3:
        writer.write(image)
    writer.release()
    vsrc = ReplaySource.from_video(video)
    assert vsrc.fps == pytest.approx(25) and vsrc.camera_id == "clip.avi"
    running(vsrc)
    assert wait_until(lambda: vsrc.health().state is HealthState.STOPPED)
    assert vsrc.health().frames == 9


def test_replay_inputs_that_cannot_be_read(tmp_path) -> None:
    with pytest.raises(ReplayError, match="holds no images"):
        ReplaySource.from_folder(tmp_path)
    with pytest.raises(ReplayError, match="does not exist"):
        ReplaySource.from_folder(tmp_path / "missing")
    (tmp_path / "bad.avi").write_bytes(b"not a video")
    with pytest.raises(ReplayError, match="cannot open the video"):
        ReplaySource.from_video(tmp_path / "bad.avi")


def test_looping_replay_keeps_its_cadence_across_the_seam() -> None:
    from hardware.camera.replay import _ReplayDevice

    src = ReplaySource(lambda: noise_frames(3), fps=1.0, loop=True)
    stop = threading.Event()
    stop.set()  # the device's pacing waits return at once: only the schedule is looked at
    device = _ReplayDevice(src, stop)
    dues = []
    for _ in range(7):
        assert device.read() is not None
        dues.append(device._last_due)
    steps = np.diff(np.array(dues, dtype=float))
    assert np.allclose(steps, 1.0), steps  # a restart at the seam would give a 0 s step


def test_an_undecodable_image_stops_the_replay_with_its_reason(tmp_path, running) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((8, 8, 3), np.uint8))
    (tmp_path / "b.png").write_bytes(b"not a png")
    src = running(ReplaySource.from_folder(tmp_path, fps=60, reconnect_interval_s=0.01))
    assert wait_until(lambda: src.health().state is HealthState.DISCONNECTED)
    assert "cannot decode the image 'b.png'" in src.health().message
