"""Simulated devices for the demo and the tests: a camera that plays an actor, a virtual passport reader.

``ActorCamera`` renders frames of an actor on demand: the synthetic subject (a photo animated by mesh
warping), a printed copy of a photo moved by hand (``PrintAttack``), or a recorded clip. When the
workflow draws a challenge, the demo tells the actor to act it out (``act``), as a customer would follow
the prompts; a recording cannot, which is what the replay test relies on.

Two clocks: ``realtime=True`` renders at ``fps`` on its own thread with ``time.monotonic()`` timestamps, as
a real camera does (the window); ``realtime=False`` renders the next frame when the consumer asks for it, on
a virtual clock of ``index / fps`` (headless tests: deterministic, no frame is dropped however slow the
machine).

The screen-flash challenge lights the face with the kiosk's screen: the workflow tells the simulated camera
what the screen shows (``illuminate``) and the synthetic subject's face reflects it (5% of the colour, the
strength measured to pass on real clips). A recorded clip shows its own light and does not; nor does the
simulated printed photo, which keeps the simulation on the side of caution.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hardware.emrtd.password import AccessKey
from hardware.emrtd.virtual.chip import LinkModel
from hardware.errors import HardwareError
from inference.synthetic import NEUTRAL, Keyframe, screen_light, state_at

# The demo passport's MRZ: a current (unexpired) specimen document. Typed on the document screen.
DEMO_MRZ = ("D23145890", "900101", "341231")
# Screen light reflected by the simulated face, and the display + camera delay before the camera sees it.
SCREEN_LIGHT_STRENGTH = 0.05
SCREEN_LATENCY_S = 0.05
# A 424 kbit/s link with 5 ms of chip time per APDU: a modern passport on a good reader.
DEMO_LINK = LinkModel(latency_s=0.005, bitrate_bps=424_000, sleep=True)


@dataclass(frozen=True)
class CameraFrame:
    """A frame (see ``kiosk.workflow.ports.Frame``)."""

    image: np.ndarray
    t: float
    index: int


class ActorCamera:
    """A camera showing ``actor`` (anything with ``render(SubjectState)``); ``act`` plays challenge steps.

    :param follower: turns steps into keyframes (``SyntheticSubject.follow``); the print attacker uses the
        subject's keyframes too, imitating the moves with the photo.
    """

    def __init__(self, actor: Any, follower: Any = None, *, fps: float = 30.0, realtime: bool = False) -> None:
        # ``actor`` may be a Future of (actor, follower): built from the face models, which load in the
        # background; it is resolved on the camera's own thread (or the analysis thread), never the GUI's.
        self._cast = actor if follower is None else None
        self.actor = None if follower is None else actor
        self.follower = follower
        self.fps = fps
        self.realtime = realtime
        self._script: list[Keyframe] = []
        self._script_t0 = 0.0
        self._index = -1
        self._latest: CameraFrame | None = None
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._running = False
        self._light: tuple[Any, float] | None = None  # (FlashSequence, start on this camera's clock)
        self._document: np.ndarray | None = None  # a document page held up in front of the actor

    def _resolve(self) -> None:
        if self.actor is None and self._cast is not None:
            self.actor, self.follower = self._cast.result()

    def act(self, steps: Sequence[Any]) -> None:
        """Start acting out ``steps`` now (a still lead-in first, as a person reads the first prompt)."""
        self._resolve()
        with self._cond:
            self._script = self.follower.follow(list(steps))
            self._script_t0 = self._now()

    def rest(self) -> None:
        """Stand still, facing the camera (and the screen's colours are gone, the document put away)."""
        with self._cond:
            self._script = []
            self._light = None
            self._document = None

    def hold_document(self, page: np.ndarray | None) -> None:
        """Hold ``page`` (a BGR document page) up to the camera, filling most of the frame; None puts it away."""
        with self._cond:
            self._document = page

    def illuminate(self, sequence: Any, t0: float) -> None:
        """The kiosk screen shows ``sequence`` (an ``inference.flash.FlashSequence``) from ``t0`` (this camera's
        clock): the actor's face reflects it, if the actor is a face that can (``project``)."""
        with self._cond:
            self._light = (sequence, t0)

    def clock(self) -> float:
        """This camera's clock now: the time stamp its next frame will carry."""
        with self._cond:
            return self._now()

    def _now(self) -> float:
        return time.monotonic() if self.realtime else (self._index + 1) / self.fps

    def image_at(self, t: float) -> np.ndarray:
        """The actor's image at camera time ``t`` (rendered now; a subclass may serve it pre-rendered)."""
        self._resolve()
        with self._cond:
            state = state_at(self._script, t - self._script_t0, NEUTRAL)[0] if self._script else NEUTRAL
        return self.actor.render(state)

    def _lit(self, image: np.ndarray, t: float) -> np.ndarray:
        with self._cond:
            light, script, t_script = self._light, self._script, self._script_t0
        project = getattr(self.actor, "project", None)
        if light is None or project is None:
            return image
        rgb = light[0].colour_at(t - light[1] - SCREEN_LATENCY_S)
        if rgb is None:
            return image
        state = state_at(script, t - t_script, NEUTRAL)[0] if script else NEUTRAL
        return screen_light(image, project(state), rgb, strength=SCREEN_LIGHT_STRENGTH)

    def _held(self, image: np.ndarray, t: float) -> np.ndarray:
        """The held page over the actor: 88% of the frame's width, tilted a little and swaying as a hand does."""
        import cv2

        with self._cond:
            page = self._document
        if page is None:
            return image
        h, w = image.shape[:2]
        ph, pw = page.shape[:2]
        scale = 0.88 * w / pw
        angle = 2.0 * np.sin(t * 1.3)
        centre = (w / 2 + 6 * np.sin(t * 0.9), h / 2 + 4 * np.cos(t * 1.1))
        m = cv2.getRotationMatrix2D((pw / 2, ph / 2), angle, scale)
        m[:, 2] += np.array(centre) - np.array([pw / 2, ph / 2])
        warped = cv2.warpAffine(page, m, (w, h), flags=cv2.INTER_AREA, borderValue=(0, 0, 0))
        mask = cv2.warpAffine(np.full((ph, pw), 255, np.uint8), m, (w, h), flags=cv2.INTER_NEAREST)
        out = image.copy()
        out[mask > 0] = warped[mask > 0]
        return out

    def _render(self) -> CameraFrame:
        with self._cond:
            t = self._now()
        image = self._held(self._lit(self.image_at(t), t), t)
        with self._cond:
            self._index += 1
            self._latest = CameraFrame(image, t, self._index)
            self._cond.notify_all()
            return self._latest

    def start(self) -> None:
        """Start (realtime: the render thread)."""
        if self._running:
            return
        self._running = True
        if self.realtime:
            self._thread = threading.Thread(target=self._loop, name="actor-camera", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        period = 1.0 / self.fps
        next_t = time.monotonic()
        while self._running:
            self._render()
            next_t += period
            delay = next_t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:  # behind: skip frames rather than queue them
                next_t = time.monotonic()

    def stop(self) -> None:
        """Stop rendering."""
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        with self._cond:
            self._cond.notify_all()

    def latest(self) -> CameraFrame | None:
        """The newest frame (rendered now in pull mode, if none yet)."""
        if not self.realtime and self._latest is None:
            return self._render()
        return self._latest

    def wait_next(self, after_index: int, timeout: float) -> CameraFrame | None:
        """The next frame after ``after_index`` (pull mode renders it; realtime waits for the thread)."""
        if not self.realtime:
            return self._render() if self._running else None
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._running and (self._latest is None or self._latest.index <= after_index):
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
            return self._latest if self._running else None


class ClipCamera:
    """A camera replaying a recorded clip (looped), paced like ``ActorCamera``; it cannot follow prompts."""

    def __init__(self, path: Path, *, fps: float = 30.0, realtime: bool = False) -> None:
        from kiosk.verify import video_frames

        self.frames = [f for f, _ in video_frames(Path(path))]
        self.inner = ActorCamera(self, self, fps=fps, realtime=realtime)
        self._n = 0

    def follow(self, steps: list[Any]) -> list[Keyframe]:
        """A recording does not react to prompts."""
        return []

    def render(self, state: Any) -> np.ndarray:
        """The clip's next frame."""
        image = self.frames[self._n % len(self.frames)]
        self._n += 1
        return image

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class VirtualReader:
    """A reader with the demo's virtual passport on it, made fresh for every read (a chip powers up anew)."""

    description = "virtual reader (demo passport, TEST PKI)"

    def __init__(self, photo_rgb: np.ndarray, mrz: tuple[str, str, str] = DEMO_MRZ,
                 link: LinkModel | None = DEMO_LINK) -> None:
        from hardware.emrtd.virtual.passport import make_virtual_passport

        self.passport = make_virtual_passport(AccessKey.from_mrz(*mrz), face=photo_rgb, link=link)
        self.present = True

    @property
    def csca_certificate(self) -> bytes:
        """The TEST CSCA that signed the demo passport (trusted by the demo only)."""
        return self.passport.csca_certificate

    def connect(self, timeout: float) -> Any:
        """The chip, reset as after a fresh power-up; ``HardwareError`` when the document was lifted."""
        if not self.present:
            raise HardwareError("no document on the reader")
        self.passport.chip.reset()
        return self.passport.chip

