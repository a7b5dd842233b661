"""The capture thread shared by every source: open, read, publish, detect trouble, recover.

A source supplies an ``opener`` (returns an open ``Device`` or raises ``CameraError``); this module
runs the loop around it. On a lost device it closes it, reports ``reconnecting`` and tries to open it
again every ``reconnect_interval_s`` until it succeeds or ``stop()`` is called. A refused camera
(``CameraRefusedError``) is not retried: retrying cannot make a virtual camera real.

Health is computed when asked, from timestamps, so a read that blocks inside a driver still shows up
as ``no_frames`` within ``no_frames_after_s``.
"""
from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

import numpy as np

from hardware.camera.errors import CameraError, CameraRefusedError, ReplayError
from hardware.camera.source import Frame, FrameSlot, Health, HealthState

log = logging.getLogger(__name__)


class EndOfStream(Exception):
    """Raised by a finite replay's ``read`` when it has no more frames (not a failure)."""


class Device(Protocol):
    """An opened camera (or replay) as the capture loop sees it."""

    nominal_fps: float | None

    def read(self) -> np.ndarray | None:
        """Block until the next BGR image; ``None`` when the device is lost; ``EndOfStream`` when finished."""
        ...

    def close(self) -> None:
        """Release the device."""
        ...


Opener = Callable[[threading.Event], Device]


def _same_picture(a: np.ndarray, b: np.ndarray) -> bool:
    # A real sensor's noise changes every frame; a stuck driver re-sends one buffer. A sparse
    # sample is enough to tell them apart and costs microseconds.
    if a.shape != b.shape:
        return False
    return bool(np.array_equal(a[::7, ::7], b[::7, ::7]))


class CaptureThread:
    """A ``FrameSource`` running ``opener``'s device on its own thread (see the module docstring).

    :param camera_id: stamped on every frame.
    :param opener: opens the device; raises ``CameraError`` when it is absent (retried) or
        ``CameraRefusedError`` when it must not be used (not retried).
    :param expected_fps: frame rate used for dropped-frame counting when the device does not say.
    :param frozen_after_s: identical frames for this long give ``FROZEN``.
    :param no_frames_after_s: no frame for this long gives ``NO_FRAMES``.
    :param reconnect_interval_s: pause between re-open attempts.
    """

    def __init__(self, camera_id: str, opener: Opener, *, expected_fps: float | None = None,
                 frozen_after_s: float = 1.0, no_frames_after_s: float = 2.0,
                 reconnect_interval_s: float = 0.5) -> None:
        self._camera_id = camera_id
        self._opener = opener
        self._expected_fps = expected_fps
        self._frozen_after_s = frozen_after_s
        self._no_frames_after_s = no_frames_after_s
        self._reconnect_interval_s = reconnect_interval_s
        self._slot = FrameSlot()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = HealthState.STOPPED
        self._message = "the camera has not been started"
        self._opened_t: float | None = None
        self._frames = 0
        self._dropped = 0
        self._reconnects = 0
        self._last_t: float | None = None
        self._same_since: float | None = None
        self._recent: collections.deque[float] = collections.deque(maxlen=64)
        self._refusal: CameraRefusedError | None = None

    @property
    def camera_id(self) -> str:
        """The id stamped on every frame."""
        return self._camera_id

    @property
    def refusal(self) -> CameraRefusedError | None:
        """The refusal that stopped the source (its ``decision`` goes to the evidence), if any."""
        return self._refusal

    def start(self) -> None:
        """Start the capture thread (idempotent while running)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._slot.reopen()
        self._set(HealthState.STARTING, "opening the camera")
        self._thread = threading.Thread(target=self._run, name=f"camera-{self._camera_id}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread, release the device and wake every ``wait_next`` (idempotent)."""
        self._stop.set()
        self._slot.close()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():  # a driver call that does not return; the thread is a daemon
                log.warning("camera thread %s did not stop within %s s", self._camera_id, timeout)
        with self._lock:
            if self._state is not HealthState.DISCONNECTED:
                self._state, self._message = HealthState.STOPPED, "the camera is stopped"

    def latest(self) -> Frame | None:
        """The newest frame (``None`` before the first); never blocks."""
        return self._slot.latest()

    def wait_next(self, after_index: int = -1, timeout: float | None = None) -> Frame | None:
        """The newest frame with an index above ``after_index``; ``None`` on timeout or stop."""
        return self._slot.wait_next(after_index, timeout)

    def health(self) -> Health:
        """The current state with a message for the operator (computed now, from timestamps)."""
        now = time.monotonic()
        with self._lock:
            state, message = self._state, self._message
            if state is HealthState.OK:
                if self._last_t is None:
                    started = self._opened_t if self._opened_t is not None else now
                    if now - started > self._no_frames_after_s:
                        state, message = HealthState.NO_FRAMES, (
                            "the camera is connected but sends no picture: unplug it and plug it back in")
                    else:
                        state, message = HealthState.STARTING, "waiting for the first picture"
                elif now - self._last_t > self._no_frames_after_s:
                    state, message = HealthState.NO_FRAMES, (
                        f"no picture from the camera for {now - self._last_t:.1f} s: check its cable")
                elif self._same_since is not None and self._last_t - self._same_since >= self._frozen_after_s:
                    state, message = HealthState.FROZEN, (
                        "the camera picture is frozen (identical frames): unplug it and plug it back in")
            fps = 0.0
            recent = [t for t in self._recent if now - t <= 1.5]
            if len(recent) >= 2 and recent[-1] > recent[0]:
                fps = (len(recent) - 1) / (recent[-1] - recent[0])
            return Health(state, message, self._frames, self._dropped, self._reconnects, fps, self._last_t)

    def _set(self, state: HealthState, message: str) -> None:
        with self._lock:
            self._state, self._message = state, message

    def _run(self) -> None:
        had_device = False
        while not self._stop.is_set():
            try:
                device = self._opener(self._stop)
            except CameraRefusedError as exc:
                self._refusal = exc
                self._set(HealthState.DISCONNECTED, str(exc))
                log.warning("camera %s refused: %s", self._camera_id, exc)
                break
            except CameraError as exc:
                if had_device:
                    self._set(HealthState.RECONNECTING, f"camera lost, trying to reconnect: {exc}")
                else:
                    self._set(HealthState.RECONNECTING, f"camera not available yet: {exc}")
                self._stop.wait(self._reconnect_interval_s)
                continue
            with self._lock:
                if had_device:
                    self._reconnects += 1
                had_device = True
                self._state, self._message = HealthState.OK, "camera streaming"
                self._opened_t = time.monotonic()
                self._last_t, self._same_since = None, None
            try:
                finished = self._stream(device)
            except ReplayError as exc:  # a broken recording does not heal by re-opening it
                self._set(HealthState.DISCONNECTED, str(exc))
                log.warning("replay %s stopped: %s", self._camera_id, exc)
                break
            finally:
                try:
                    device.close()
                except Exception as exc:  # a device that vanished may fail to close; it is gone anyway
                    log.debug("closing camera %s failed: %s", self._camera_id, exc)
            if finished:
                self._set(HealthState.STOPPED, "the replay has ended")
                break
            if not self._stop.is_set():
                self._set(HealthState.RECONNECTING, "the camera went away (unplugged?): trying to reconnect")
                log.info("camera %s lost; reconnecting", self._camera_id)
        self._slot.close()

    def _stream(self, device: Device) -> bool:
        """Read until the device is lost (False) or a replay ends (True) or stop is asked (False)."""
        fps = device.nominal_fps or self._expected_fps
        previous: np.ndarray | None = None
        while not self._stop.is_set():
            try:
                image = device.read()
            except EndOfStream:
                return True
            except ReplayError:
                raise
            except Exception as exc:  # any driver/decoder failure means this device handle is dead
                log.warning("camera %s read failed: %s", self._camera_id, exc)
                return False
            if image is None:
                return False
            if self._stop.is_set():
                return False
            t = time.monotonic()
            image.flags.writeable = False  # shared by every consumer: nobody may draw on it
            with self._lock:
                if self._last_t is not None and fps:
                    gap = round((t - self._last_t) * fps) - 1
                    if gap > 0 and t - self._last_t > 1.5 / fps:
                        self._dropped += gap
                if previous is not None and _same_picture(previous, image):
                    if self._same_since is None:
                        self._same_since = self._last_t
                else:
                    self._same_since = None
                index = self._frames
                self._frames += 1
                self._last_t = t
                self._recent.append(t)
            previous = image
            self._slot.publish(Frame(image, t, index, self._camera_id))
        return False
