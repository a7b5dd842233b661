"""The demo: simulated devices and a simulated customer who reacts to the kiosk's events.

``build_demo`` makes the devices: the virtual passport on a virtual reader (TEST PKI, trusted for the demo
only) and a camera showing an actor made from the same photo. ``Autoplay`` plays the customer: it types
the demo MRZ on the document screen and, when the challenge is drawn, acts it out (the synthetic subject
follows the prompts; a printed photo imitates them; a replayed recording of an earlier session follows
the challenge it was recorded for, not this one). The window's autoplay demo and ``kiosk run --headless``
both use it, so the demo runs the product's own code path from attract to result.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from inference.challenge_steps import draw_steps

from kiosk.face_session import FaceEngine
from kiosk.workflow.controller import Devices, KioskWorkflow
from kiosk.workflow.demo_devices import DEMO_LINK, DEMO_MRZ, ActorCamera, ClipCamera, VirtualReader
from kiosk.workflow.events import ChallengeDrawn, FlashRequested, StateChanged
from kiosk.workflow.machine import State

Actor = Literal["customer", "print", "replay", "puppet"]


class TabletPuppet:
    """The synthetic subject shown on a phone or tablet held up to the camera (a live puppet, e.g. made by
    face reenactment from any photo of the victim): it follows the challenge, and the camera sees it
    through one screen (``inference.pad.synth.ScreenReplay``: gamma, gamut, pixel-grid moire, glare,
    bezel), held close so the screen fills most of the frame. The attacker aims: nose targets are mapped
    into the screen's picture, so the shown nose lands where the kiosk asks. It has no ``project``, so the
    kiosk's screen flash does not light it: a screen shows its own content, not the light falling on it."""

    SCALE = (0.93, 1.0)  # screen width (bezel included) over frame width

    def __init__(self, subject: Any, seed: int) -> None:
        from inference.pad.synth import ScreenReplay

        self.subject = subject
        w, h = subject.size
        self.screen = ScreenReplay(seed, (w, h), scale=self.SCALE)

    def render(self, state: Any) -> Any:
        return self.screen.apply(self.subject.render(state)).image

    def follow(self, steps: Sequence[Any]) -> list[Any]:
        """The subject's keyframes for ``steps``, nose targets moved into the screen's picture."""
        from dataclasses import replace

        x, y, cw, ch = self.screen.content_box
        w, h = self.subject.size
        mapped = [replace(s, target=((s.target[0] * w - x) / cw, (s.target[1] * h - y) / ch))
                  if getattr(s, "target", None) is not None else s for s in steps]
        return self.subject.follow(mapped)


class _Recording:
    """A recording of the customer made during an earlier session: it follows that session's challenge."""

    def __init__(self, subject: Any, challenge: Any) -> None:
        self.subject = subject
        self.recorded_steps = list(draw_steps(challenge))

    def follow(self, steps: Sequence[Any]) -> list[Any]:
        """Whatever the kiosk asks now, the recording shows what it was asked then."""
        return self.subject.follow(self.recorded_steps)


def demo_photo(store: Any = None) -> Any:
    """The demo's face photo (RGB): the astronaut image shipped with scikit-image, fetched as a model asset."""
    from inference.image import read_image
    from models.store import ModelStore

    store = store or ModelStore()
    return read_image(store.asset_path("astronaut"))[:, :, ::-1]


def build_demo(engine: FaceEngine | Future[FaceEngine], actor: Actor = "customer", *, realtime: bool = False,
               clip: Path | None = None, photo_rgb: Any = None, link: Any = DEMO_LINK, seed: int = 0,
               mrz: tuple[str, str, str] = DEMO_MRZ) -> Devices:
    """Simulated devices for one demo actor (``clip``: replay that recording instead of a simulated one).

    ``seed`` picks the puppet's screen (each seed another device); ``mrz`` (number, birth, expiry) is the
    virtual passport's.

    ``engine`` may be a Future (the models loading in the background): the actor, which needs the face
    detector and mesh to be built, is then made on first use, off the GUI thread.
    """
    from hardware.emrtd import certs
    from hardware.emrtd.trust import TrustStore

    photo_rgb = demo_photo() if photo_rgb is None else photo_rgb
    reader = VirtualReader(photo_rgb, mrz=mrz, link=link)
    trust = TrustStore()
    trust.add_certificate(certs.load_certificate(reader.csca_certificate))
    camera: Any
    if clip is not None:
        camera = ClipCamera(clip, realtime=realtime)
    else:
        cast: Future[tuple[Any, Any]] = Future()
        bgr = photo_rgb[:, :, ::-1].copy()

        def make_cast(ready: Future[FaceEngine]) -> None:
            try:
                cast.set_result(_cast(ready.result(), actor, bgr, seed))
            except BaseException as exc:  # the camera re-raises it on the worker that needs the actor
                cast.set_exception(exc)

        if isinstance(engine, Future):
            engine.add_done_callback(make_cast)
        else:
            done: Future[FaceEngine] = Future()
            done.set_result(engine)
            make_cast(done)
        camera = ActorCamera(cast, realtime=realtime)
    return Devices(camera=camera, reader=reader, trust=trust)


def _cast(engine: FaceEngine, actor: Actor, bgr: Any, seed: int = 0) -> tuple[Any, Any]:
    """The actor in front of the camera and who decides its moves."""
    from inference.print_attack import PrintAttack
    from inference.synthetic import SyntheticSubject

    subject = SyntheticSubject.from_image(bgr, engine.detector, engine.pipeline.mesh)
    if actor == "customer":
        return subject, subject
    if actor == "print":
        return PrintAttack(bgr), subject
    if actor == "puppet":
        puppet = TabletPuppet(subject, seed)
        return puppet, puppet
    return subject, _Recording(subject, engine.challenge)


def demo_document_page(photo_rgb: Any = None, mrz: tuple[str, str, str] = DEMO_MRZ) -> Any:
    """The demo passport's photo page (BGR): the virtual passport's TD3 MRZ in OCR-B, the demo photo in it.

    Raises ``kiosk.mrz.render.FontMissingError`` without the OCR-B font (Debian ``fonts-ocr-b``).
    """
    import cv2
    import numpy as np

    from hardware.emrtd.mrz import build_td3

    from kiosk.mrz.render import render_page

    lines = build_td3(document_number=mrz[0], birth_date=mrz[1], expiry_date=mrz[2], issuing_state="UTO",
                      nationality="UTO", primary_identifier="SPECIMEN", secondary_identifier="VIRTUAL").lines
    page = render_page(lines, "TD3", np.random.default_rng(0))
    photo = demo_photo() if photo_rgb is None else photo_rgb
    h, w = page.shape[:2]
    x, y, pw, ph = int(w * 0.04), int(h * 0.12), int(w * 0.27), int(h * 0.45)  # render_page's photo box
    sh, sw = photo.shape[:2]
    cw = min(sw, round(sh * pw / ph))  # crop the photo to the box's shape, centred: no squeezed face
    crop = photo[:, (sw - cw) // 2:(sw - cw) // 2 + cw, ::-1]
    page[y:y + ph, x:x + pw] = cv2.resize(np.ascontiguousarray(crop), (pw, ph), interpolation=cv2.INTER_AREA)
    return page


@dataclass
class Autoplay:
    """The simulated customer: answers the document screen, acts the challenge, acknowledges the result.

    :param result_pause_s: how long the customer looks at the result before the kiosk is left (the window
        demo shows it; headless runs use 0).
    """

    workflow: KioskWorkflow
    mrz: tuple[str, str, str] = DEMO_MRZ
    result_pause_s: float = 0.0
    typing_pause_s: float = 0.0
    type_mrz: bool = True                # False: the window types it into its own fields
    attract_pause_s: float | None = None  # set: start the next session after this long (the attract loop)
    show_flash: bool = True              # False: the window shows the flash sequence on its own screen
    document_page: Any = None            # the photo page (BGR) held up to the camera where the kiosk scans

    def __post_init__(self) -> None:
        self.workflow.subscribe(self._on_event)

    def _later(self, delay: float, action: Any) -> None:
        if delay <= 0:
            action()
            return
        timer = threading.Timer(delay, action)
        timer.daemon = True
        timer.start()

    def _on_event(self, event: Any) -> None:
        camera = self.workflow.devices.camera
        if isinstance(event, StateChanged) and event.previous is State.DOCUMENT and self.scans():
            camera.hold_document(None)  # read: the passport goes on the reader
        if isinstance(event, StateChanged) and event.state is State.DOCUMENT and self.scans():
            camera.hold_document(self.document_page)  # the kiosk reads it: nothing to type
        elif isinstance(event, StateChanged) and event.state is State.DOCUMENT and self.type_mrz:
            self._later(self.typing_pause_s, lambda: self.workflow.submit_mrz(*self.mrz))
        elif isinstance(event, StateChanged) and event.state is State.ATTRACT and self.attract_pause_s is not None:
            self._later(self.attract_pause_s, self._start_if_idle)
        elif isinstance(event, ChallengeDrawn):
            act = getattr(self.workflow.devices.camera, "act", None)
            if act is not None:
                act(event.steps)
        elif isinstance(event, FlashRequested) and self.show_flash:
            # Headless there is no screen: the simulated one shows the sequence from now.
            self.workflow.flash_shown(time.monotonic())
        elif isinstance(event, StateChanged) and event.state is State.RESULT:
            self._later(self.result_pause_s, self.workflow.finish)

    def scans(self) -> bool:
        """The simulated customer shows the photo page to the kiosk's camera (a page, a scanner, a camera that can
        hold it) instead of typing."""
        return (self.document_page is not None and getattr(self.workflow, "scanner", None) is not None
                and hasattr(self.workflow.devices.camera, "hold_document"))

    def _start_if_idle(self) -> None:
        if self.workflow.state is State.ATTRACT:
            self.workflow.start()

    def begin(self) -> None:
        """Start the attract loop (the first session after ``attract_pause_s``)."""
        if self.attract_pause_s is not None:
            self._later(self.attract_pause_s, self._start_if_idle)


def run_until_attract(workflow: KioskWorkflow, timeout_s: float = 300.0, poll_s: float = 0.05) -> list[Any]:
    """Start one session and drive the clock until the kiosk is back at attract; returns every event seen.

    Headless: the caller's thread ticks the time limits while the workers run.
    """
    events: list[Any] = []
    workflow.subscribe(events.append)
    try:
        workflow.start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            workflow.tick()
            if workflow.state is State.ATTRACT and any(isinstance(e, StateChanged) and e.state is State.ATTRACT
                                                        for e in events):
                return events
            time.sleep(poll_s)
    finally:
        workflow.unsubscribe(events.append)
    raise TimeoutError(f"the session did not return to attract within {timeout_s:.0f} s "
                       f"(stuck in {workflow.state})")
