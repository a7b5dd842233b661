"""The camera seam: ``FrameSource``, the ``Frame`` it hands out, its ``Health``, and the latest-frame slot.

Consumers never share a queue with the capture thread. The thread overwrites one slot with the newest
frame; a Qt preview reads ``latest()`` on its own timer (25-30 times a second), and an analysis worker
calls ``wait_next(after_index)`` to get the newest frame after the one it finished, so frames it
cannot keep up with are skipped, never queued. Memory stays constant however slow a consumer is.
"""
from __future__ import annotations

import enum
import threading
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Frame:
    """One captured image.

    :param image: BGR ``uint8`` array (height x width x 3), owned by this frame: never written to
        again by the capture thread.
    :param t: ``time.monotonic()`` seconds when the capture thread received the frame.
    :param index: 0, 1, 2... per source, counting delivered frames (gaps seen by a consumer are
        frames it skipped).
    :param camera_id: which source produced it (device path, serial or replay name).
    """

    image: np.ndarray = field(repr=False)
    t: float
    index: int
    camera_id: str


class HealthState(enum.Enum):
    """What the capture thread currently knows about its device."""

    STARTING = "starting"          # opening the device, no frame yet
    OK = "ok"                      # frames arrive and change
    FROZEN = "frozen"              # frames arrive but are identical (stuck driver, paused stream)
    NO_FRAMES = "no_frames"        # the device is open but delivers nothing
    DISCONNECTED = "disconnected"  # the device is gone or refused; not retrying (stopped or refused)
    RECONNECTING = "reconnecting"  # the device went away; the thread is trying to open it again
    STOPPED = "stopped"            # stop() was called or never started


@dataclass(frozen=True)
class Health:
    """A snapshot of a source's state with a message a person can act on.

    :param state: the state.
    :param message: plain words for the operator ("camera unplugged: plug it back in").
    :param frames: frames delivered since ``start()``.
    :param dropped: frames the camera should have delivered but did not (gaps in its cadence),
        estimated from the timestamps and the expected frame rate.
    :param reconnects: successful re-opens after a loss.
    :param fps: delivered frames per second over the last second or so (0.0 before two frames).
    :param last_frame_t: monotonic time of the newest frame, ``None`` before the first.
    """

    state: HealthState
    message: str
    frames: int = 0
    dropped: int = 0
    reconnects: int = 0
    fps: float = 0.0
    last_frame_t: float | None = None

    @property
    def ok(self) -> bool:
        """True when frames arrive and change."""
        return self.state is HealthState.OK


@runtime_checkable
class FrameSource(Protocol):
    """A camera or a replay: frames on a background thread, the newest always available."""

    @property
    def camera_id(self) -> str:
        """The id stamped on every frame."""
        ...

    def start(self) -> None:
        """Start the capture thread (returns at once; frames follow)."""
        ...

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the capture thread and release the device (idempotent)."""
        ...

    def latest(self) -> Frame | None:
        """The newest frame, or ``None`` before the first; never blocks."""
        ...

    def wait_next(self, after_index: int = -1, timeout: float | None = None) -> Frame | None:
        """Block until a frame newer than ``after_index`` exists; return the newest (``None`` on timeout or stop)."""
        ...

    def health(self) -> Health:
        """The current state, with a message for the operator."""
        ...


class FrameSlot:
    """The one-frame mailbox between a capture thread and any number of readers.

    ``publish`` replaces the frame and wakes every waiter; readers get the newest frame only.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._closed = False

    def publish(self, frame: Frame) -> None:
        """Make ``frame`` the newest one and wake the waiters."""
        with self._cond:
            self._frame = frame
            self._cond.notify_all()

    def latest(self) -> Frame | None:
        """The newest frame (``None`` before the first)."""
        with self._cond:
            return self._frame

    def wait_next(self, after_index: int = -1, timeout: float | None = None) -> Frame | None:
        """The newest frame whose index is above ``after_index``; ``None`` on timeout or close."""
        with self._cond:
            ready = self._cond.wait_for(
                lambda: self._closed or (self._frame is not None and self._frame.index > after_index), timeout)
            if not ready or self._frame is None or self._frame.index <= after_index:
                return None
            return self._frame

    def close(self) -> None:
        """Wake every waiter with ``None`` (the source stopped); ``latest`` keeps the last frame."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def reopen(self) -> None:
        """Accept waiters again after a restart."""
        with self._cond:
            self._closed = False
