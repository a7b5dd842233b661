"""Replay sources behind the ``FrameSource`` interface: a video file, a folder of images, or any frames.

For the demo, the tests and benchmarks. Frames are paced like a camera: at the file's frame rate, at
``fps``, or by the timestamps that come with them (``(image, t)`` pairs, e.g. a synthetic subject's
timeline), and stamped with ``time.monotonic()`` when delivered, as a camera's are.

``unplug()`` and ``replug()`` make the source behave like a camera pulled out and put back: reads
fail and opening fails until it is back, so the capture thread's recovery runs exactly as for
hardware.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

from hardware.camera.capture import CaptureThread, Device, EndOfStream
from hardware.camera.errors import CameraNotFoundError, ReplayError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")

Item = np.ndarray | tuple[np.ndarray, float]
FrameFactory = Callable[[], Iterable[Item]]


class _ReplayDevice:
    """One pass (or endless loop) over a frame iterable, paced to a schedule."""

    def __init__(self, source: ReplaySource, stop: threading.Event) -> None:
        self._source = source
        self._stop = stop
        self.nominal_fps: float | None = source.fps
        self._iter: Iterator[Item] = iter(source._factory())
        self._t0_src: float | None = None
        self._t0: float | None = None
        self._count = 0
        self._last_due: float | None = None

    def _next_item(self) -> Item:
        try:
            return next(self._iter)
        except StopIteration:
            if not self._source.loop:
                raise EndOfStream from None
            self._iter = iter(self._source._factory())
            # Keep the cadence across the seam: the first frame of the next pass is due one period
            # after the last frame of this one.
            self._t0_src = None
            self._t0 = self._last_due + 1.0 / (self._source.fps or 30.0) if self._last_due is not None else None
            self._count = 0
            try:
                return next(self._iter)
            except StopIteration:
                raise EndOfStream from None

    def read(self) -> np.ndarray | None:
        if self._source.unplugged:
            return None
        item = self._next_item()
        if isinstance(item, tuple):
            image, t_src = item
        else:
            image, t_src = item, None
        if t_src is None:
            t_src = self._count / (self._source.fps or 30.0)
        self._count += 1
        now = time.monotonic()
        if self._t0 is None:
            self._t0 = now
        if self._t0_src is None:
            self._t0_src = t_src
        due = self._t0 + (t_src - self._t0_src)
        self._last_due = due
        if due > now:
            self._stop.wait(due - now)
        elif now - due > 0.25:
            # Far behind (a loaded machine): restart the schedule rather than burst to catch up, as a
            # camera would simply have delivered later frames.
            self._t0, self._t0_src = now, t_src
        if self._source.unplugged:
            return None
        # The producer may reuse its buffer; the frame must own its pixels.
        return np.array(image, dtype=np.uint8, copy=True)

    def close(self) -> None:
        closer = getattr(self._iter, "close", None)
        if callable(closer):
            closer()


class ReplaySource(CaptureThread):
    """A ``FrameSource`` fed from a frame factory instead of a device.

    :param frames: a callable returning a fresh iterable of BGR images or ``(image, t)`` pairs (called
        again on every loop and after every replug), or a single iterable (then ``loop`` has no effect
        once it is exhausted).
    :param fps: pacing when items carry no timestamp; also the nominal rate for dropped-frame counts.
    :param loop: start again at the end instead of finishing (health then reads ``stopped``).
    :param name: the ``camera_id`` stamped on frames.
    """

    def __init__(self, frames: FrameFactory | Iterable[Item], *, fps: float | None = 30.0, loop: bool = False,
                 name: str = "replay", frozen_after_s: float = 1.0, no_frames_after_s: float = 2.0,
                 reconnect_interval_s: float = 0.2) -> None:
        if callable(frames):
            self._factory: FrameFactory = frames
        else:
            once = iter(frames)
            self._factory = lambda: once
        self.fps = fps
        self.loop = loop
        self._unplugged = threading.Event()
        super().__init__(name, self._open, expected_fps=fps, frozen_after_s=frozen_after_s,
                         no_frames_after_s=no_frames_after_s, reconnect_interval_s=reconnect_interval_s)

    @property
    def unplugged(self) -> bool:
        """True between ``unplug()`` and ``replug()``."""
        return self._unplugged.is_set()

    def unplug(self) -> None:
        """Behave like a camera pulled out: reads fail and re-opening fails until ``replug()``."""
        self._unplugged.set()

    def replug(self) -> None:
        """Behave like the camera plugged back in."""
        self._unplugged.clear()

    def _open(self, stop: threading.Event) -> Device:
        if self._unplugged.is_set():
            raise CameraNotFoundError(f"replay {self.camera_id!r} is unplugged")
        return _ReplayDevice(self, stop)

    @classmethod
    def from_video(cls, path: str | Path, *, fps: float | None = None, loop: bool = False,
                   name: str | None = None, **kwargs: float) -> ReplaySource:
        """Replay a video file at its own frame rate (or ``fps``). Raises ``ReplayError`` if unreadable."""
        path = Path(path)
        probe = cv2.VideoCapture(str(path))
        try:
            if not probe.isOpened():
                raise ReplayError(f"cannot open the video {path.name!r}: missing file or unknown format")
            native = float(probe.get(cv2.CAP_PROP_FPS) or 0.0)
        finally:
            probe.release()

        def frames() -> Iterator[np.ndarray]:
            cap = cv2.VideoCapture(str(path))
            try:
                while True:
                    ok, image = cap.read()
                    if not ok:
                        return
                    yield image
            finally:
                cap.release()

        rate = fps or (native if 0 < native <= 240 else 30.0)
        return cls(frames, fps=rate, loop=loop, name=name or path.name, **kwargs)

    @classmethod
    def from_folder(cls, folder: str | Path, *, fps: float = 30.0, loop: bool = False,
                    name: str | None = None, **kwargs: float) -> ReplaySource:
        """Replay the images of ``folder`` in name order. Raises ``ReplayError`` when it holds none."""
        folder = Path(folder)
        if not folder.is_dir():
            raise ReplayError(f"the replay folder {folder.name!r} does not exist")
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not paths:
            raise ReplayError(f"the replay folder {folder.name!r} holds no images ({', '.join(IMAGE_SUFFIXES)})")

        def frames() -> Iterator[np.ndarray]:
            for p in paths:
                image = cv2.imread(str(p), cv2.IMREAD_COLOR)
                if image is None:
                    raise ReplayError(f"cannot decode the image {p.name!r}")
                yield image

        return cls(frames, fps=fps, loop=loop, name=name or folder.name, **kwargs)
