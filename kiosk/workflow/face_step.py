"""The face step: feed camera frames to a ``FaceSession`` and report guidance and challenge state per frame.

Runs on the analysis worker thread, never the GUI's. It takes whichever frame is newest when it is ready
(``wait_next``), so a slow machine analyses fewer frames but never falls behind the camera. A camera
that delivers nothing for ``stall_s`` is restarted once (watchdog); if it stays silent the step raises
``CameraStalled`` and the workflow asks for staff.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from inference.challenge_steps import ChallengeConfig, ChallengeStep, draw_steps
from inference.flash import FlashChecker, FlashConfig, FlashResult, FlashSequence

from kiosk.face_session import FaceEngine, FaceSession, same_face
from kiosk.workflow.events import FaceUpdate
from kiosk.workflow.ports import FrameSource

# Actions the engine checks without the head turning or nodding (issue 26: customers who cannot move their head).
# Gaze is not measured by the engine, so "look at a target" is not among them; nose_to_target needs the head.
HEAD_FREE_ACTIONS = ("blink", "move_closer")

AUDIT_JPEG_QUALITY = 85
MAX_KEPT_FRAMES = 1800  # one minute at 30 frames/s: a bound on memory whatever the customer does


class CameraStalled(Exception):
    """The camera delivered no frame, even after a restart."""


class Cancelled(Exception):
    """The session was cancelled while the face step ran."""


class FlashDeclined(Exception):
    """The customer declined the screen flash while it was running."""


def head_free_steps(config: ChallengeConfig) -> tuple[ChallengeStep, ...] | None:
    """A random challenge of the configured actions that need no head movement (``secrets``); None when the
    site's challenge allows none of them (the customer then gets the assisted path)."""
    actions = tuple(a for a in config.actions if a in HEAD_FREE_ACTIONS)
    if not actions:
        return None
    return draw_steps(config.model_copy(update={"actions": actions, "allow_repeats": True}))


def scale_step_time(session: FaceSession, base_s: float, factor: float) -> None:
    """Give each challenge step ``factor`` times ``base_s`` (the customer asked for more time). Only the
    time-out changes: the motion limits (speed, gaps, holds) are per frame and stay as calibrated."""
    engine = session.challenge
    wanted = base_s * factor
    if engine.config.step_timeout_s != wanted:
        engine.config = engine.config.model_copy(update={"step_timeout_s": wanted})


@dataclass
class FaceCapture:
    """A finished capture: the session (to ``finish``), its steps and the JPEG of every frame kept."""

    session: FaceSession
    steps: tuple[ChallengeStep, ...]
    jpegs: dict[int, bytes]

    def audit_jpegs(self, indices: tuple[int, ...], limit: int = 12) -> list[bytes]:
        """The kept frames at ``indices`` (the frames that prove each challenge step), at most ``limit``."""
        return [self.jpegs[i] for i in indices[:limit] if i in self.jpegs]


def _update(a: Any, session: FaceSession, index: int) -> FaceUpdate:
    w, h = a.frame_size
    box = None
    if a.face is not None:
        x, y, bw, bh = a.face.box
        box = (x / w, y / h, bw / w, bh / h)
    ch = session.challenge
    step = ch.current
    return FaceUpdate(frame_index=index, box=box, faces=a.faces_count, hint=a.hints[0] if a.hints else None,
                      good=bool(a.good), step=step.action if step else None, step_index=ch.step_index,
                      steps_total=len(ch.steps), step_progress=float(ch.progress),
                      seconds_left=ch.seconds_left(a.timestamp), target=step.target if step else None)


def capture_face(engine: FaceEngine, camera: FrameSource, *, emit: Callable[[Any], None],
                 on_ready: Callable[[], None], stop: threading.Event, stall_s: float = 3.0,
                 steps: tuple[ChallengeStep, ...] | None = None,
                 on_steps: Callable[[tuple[ChallengeStep, ...]], None] | None = None,
                 time_factor: Callable[[], float] | None = None,
                 redraw: Callable[[], tuple[ChallengeStep, ...] | None] | None = None) -> FaceCapture:
    """Run the live session until the challenge passes or fails; ``on_ready`` once a steady face is seen.

    ``time_factor()`` (read every frame) scales each step's time limit; ``redraw()`` returns new steps once
    when the customer switched to a challenge without head movement: the challenge starts again with them
    (a fresh baseline, no frame of the old challenge kept).

    :raises Cancelled: ``stop`` was set. :raises CameraStalled: no frames even after a restart.
    """
    base_step_s = engine.challenge.step_timeout_s
    steps = steps or draw_steps(engine.challenge)
    if on_steps is not None:
        on_steps(steps)
    session: FaceSession | None = None
    jpegs: dict[int, bytes] = {}
    last = -1
    restarted = False
    silent_since = time.monotonic()
    ready = False
    while session is None or not session.done:
        if stop.is_set():
            raise Cancelled()
        frame = camera.wait_next(last, 0.25)
        if frame is None:
            if time.monotonic() - silent_since < stall_s:
                continue
            if restarted:
                raise CameraStalled(f"no camera frame for {stall_s:.0f} s after a restart")
            camera.stop()  # watchdog: one restart, then give up and ask for staff
            camera.start()
            restarted = True
            silent_since = time.monotonic()
            continue
        silent_since = time.monotonic()
        last = frame.index
        new_steps = redraw() if redraw is not None else None
        if new_steps is not None:
            steps, session, jpegs = new_steps, None, {}
            if on_steps is not None:
                on_steps(steps)
        if session is None:
            session = FaceSession(engine, list(steps), frame_size=(frame.image.shape[1], frame.image.shape[0]))
        if time_factor is not None:
            scale_step_time(session, base_step_s, time_factor())
        n = session.frames_seen  # the index push() gives this frame
        a = session.push(frame.image, frame.t)
        if len(jpegs) < MAX_KEPT_FRAMES:
            ok, buf = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, AUDIT_JPEG_QUALITY])
            if ok:
                jpegs[n] = buf.tobytes()
        if not ready and (session.challenge.current is not None or session.done):
            ready = True
            on_ready()
        emit(_update(a, session, n))
    return FaceCapture(session, tuple(steps), jpegs)


def watch_flash(session: FaceSession, camera: FrameSource, sequence: FlashSequence, t0: float, *,
                stop: threading.Event, stall_s: float = 3.0, config: FlashConfig | None = None,
                declined: threading.Event | None = None, portrait: Any = None,
                same_face_threshold: float = 0.0) -> FlashResult:
    """Watch the face while the screen shows ``sequence`` from ``t0`` (the camera's clock); the verdict.

    Only frames with exactly one face are sampled; too few of them fail the check (fail closed). A face in the
    middle of the colours that is not ``portrait``'s (an embedding; cosine under ``same_face_threshold``) fails
    it too (``kiosk.face_session.same_face``): a stand-in cannot answer the colours for a puppet.
    :raises Cancelled: ``stop`` was set. :raises CameraStalled: no frame for ``stall_s``.
    :raises FlashDeclined: ``declined`` was set (the customer turned the flash off while it ran).
    """
    checker = FlashChecker(sequence, t0, config)
    end = t0 + sequence.total_s + checker.config.max_lag_s
    # Frames whose clock never reaches the end (a camera on another clock) must not hold the kiosk: after
    # four times the sequence in real time, judge what was seen (too few frames fails the check).
    give_up = time.monotonic() + 4 * (end - t0) + stall_s
    last = -1
    silent_since = time.monotonic()
    middle: np.ndarray | None = None  # a one-face frame from the middle of the colours

    def verdict() -> FlashResult:
        return same_face(session.engine, checker.result(), middle, portrait, same_face_threshold)

    while True:
        if stop.is_set():
            raise Cancelled()
        if declined is not None and declined.is_set():
            raise FlashDeclined()
        if time.monotonic() > give_up:
            return verdict()
        frame = camera.wait_next(last, 0.25)
        if frame is None:
            if time.monotonic() - silent_since >= stall_s:
                raise CameraStalled(f"no camera frame for {stall_s:.0f} s during the screen-flash challenge")
            continue
        silent_since = time.monotonic()
        last = frame.index
        if frame.t > end:
            return verdict()
        if frame.t < t0:
            continue
        a = session.engine.pipeline.process(frame.image, frame.t)
        if a.landmarks is not None and a.faces_count == 1:
            checker.observe(frame.t, frame.image, a.landmarks.points)
            if middle is None and frame.t >= t0 + sequence.total_s / 2:
                middle = frame.image.copy()  # a camera may reuse its buffer: keep this frame, not a later one


def flash_not_shown(sequence: FlashSequence, config: FlashConfig | None = None) -> FlashResult:
    """The verdict when the screen never reported showing the sequence: failed."""
    cfg = config or FlashConfig()
    return FlashResult(False, "NOT_SHOWN", None, None, None, 0, cfg.min_correlation, sequence)


def jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    """A BGR image as JPEG bytes (for the stored evidence)."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("image could not be encoded")
    return buf.tobytes()
