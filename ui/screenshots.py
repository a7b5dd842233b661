"""``kiosk screenshots``: every screen as a PNG, at 1920x1080 and 1280x800, in English, plus German and
high-contrast variants of the document, face, challenge and result screens (for the README and for
people to look at). Screens are driven by a ``FakeWorkflow`` with the events a real session raises; the
camera frame is the synthetic subject rendered by the face models, so no research data is needed."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from kiosk.workflow.config import KioskConfig, UiConfig
from inference.flash import FlashSequence
from kiosk.workflow.events import (AccessChanged, ChipProgress, ChipRetry, FaceUpdate, FlashRequested, MessageKey, ResultReady,
                                   StateChanged)
from kiosk.workflow.machine import State, Trigger
from kiosk.workflow.testing import FakeWorkflow

SIZES = ((1920, 1080), (1280, 800))
VARIANT_SCREENS = ("document", "face", "challenge", "result", "options", "help")


def camera_frame() -> Any:
    """A 640x480 frame of the synthetic subject (the demo customer), BGR."""
    from inference.config import RuntimeConfig

    from kiosk.face_session import FaceEngine
    from kiosk.workflow.demo import demo_photo
    from inference.synthetic import NEUTRAL, SyntheticSubject

    engine = FaceEngine.load(RuntimeConfig(provider="openvino"))
    subject = SyntheticSubject.from_image(demo_photo()[:, :, ::-1].copy(), engine.detector, engine.pipeline.mesh)
    return subject.render(NEUTRAL)


def held_page_frame(frame: Any) -> Any:
    """``frame`` with the demo passport's photo page held up in front of the customer (the scan screen)."""
    from kiosk.workflow.demo import demo_document_page
    from kiosk.workflow.demo_devices import ActorCamera

    class Still:
        def render(self, state: Any) -> Any:
            return frame

    camera = ActorCamera(Still(), Still())
    camera.hold_document(demo_document_page())
    camera.start()
    return camera.wait_next(-1, 1.0).image  # type: ignore[union-attr]


def _scenes(frame: Any) -> dict[str, list[Any]]:
    move = lambda s, p=State.ATTRACT, m=None: StateChanged(s, p, Trigger.START, m)  # noqa: E731
    box = (0.36, 0.22, 0.28, 0.42)
    return {
        "attract": [move(State.ATTRACT, State.RESULT)],
        "document_scan": [move(State.DOCUMENT), "page"],
        "document": [move(State.DOCUMENT), "fill"],
        "document_rejected": [move(State.DOCUMENT), move(State.DOCUMENT, State.CHIP, MessageKey.MRZ_REJECTED), "fill"],
        "chip": [move(State.DOCUMENT), move(State.CHIP, State.DOCUMENT), ChipProgress("dg2", 0.58, 9000, 18000)],
        "chip_retry": [move(State.CHIP, State.DOCUMENT), ChipRetry(MessageKey.KEEP_ON_READER, 1, 3)],
        "face": [move(State.FACE, State.CHIP), "frame",
                 FaceUpdate(1, (0.40, 0.30, 0.2, 0.3), 1, "Move closer", False)],
        "challenge": [move(State.FACE, State.CHIP), "frame", move(State.CHALLENGE, State.FACE),
                      FaceUpdate(40, box, 1, None, True, "nose_to_target", 1, 4, 0.4, 3.2, (0.66, 0.38))],
        "challenge_flash": [move(State.CHALLENGE, State.FACE),
                            FlashRequested(FlashSequence.of(["cyan", "magenta"], [30.0, 30.0]))],
        "processing": [move(State.PROCESSING, State.CHALLENGE)],
        "result": [move(State.RESULT, State.PROCESSING),
                   ResultReady("ACCEPT", (), "3f2a9c1e", {"match_score": 0.62, "match_accept": 0.337,
                                                         "match_review": 0.293, "passive_auth": True,
                                                         "challenge_passed": True})],
        "result_review": [move(State.RESULT, State.PROCESSING),
                          ResultReady("REVIEW", ("FACE_MATCH_BORDERLINE",), "77b0d412",
                                      {"match_score": 0.31, "match_accept": 0.337, "match_review": 0.293,
                                       "passive_auth": True, "challenge_passed": True})],
        "result_reject": [move(State.RESULT, State.PROCESSING),
                          ResultReady("REJECT", ("LIVENESS_CHALLENGE_FAILED",), "0c55e2aa", {})],
        "staff": [move(State.STAFF, State.CHIP, MessageKey.CAMERA_STOPPED)],
        # The accessible paths (issue 26): the other ways panel, and the screen after "I need help".
        "options": [move(State.FACE, State.CHIP), "frame", "options"],
        "help": [move(State.CHIP, State.DOCUMENT), ChipProgress("dg2", 0.58, 9000, 18000),
                 AccessChanged(10.0, True, False, False)],
    }


def save_small_png(image: Any, path: Path) -> None:
    """Save a QImage as a palette PNG (256 colours): a tenth of the bytes, no visible change on flat screens."""
    import io

    from PIL import Image
    from PySide6.QtCore import QBuffer, QIODevice

    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG", 0)
    pil = Image.open(io.BytesIO(bytes(buf.data()))).convert("RGB")
    pil.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)


def save_screens(out: Path, frame: Any = None, sizes: tuple[tuple[int, int], ...] = SIZES,
                 only: tuple[str, ...] | None = None) -> list[Path]:
    """Render the screens into ``out``; returns the files written."""
    from ui.i18n import Languages
    from ui.main_window import KioskWindow

    app = QApplication.instance() or QApplication([])
    languages = Languages(app)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    scenes = _scenes(frame)
    held = held_page_frame(frame) if frame is not None else None
    variants = [("en", "standard", False, False), ("de", "standard", False, False),
                ("en", "high_contrast", False, False), ("en", "standard", True, False)]
    # Large text (150%) at the smallest supported size, every screen, in both languages.
    large = [("en", "standard", False, True), ("de", "standard", False, True)]
    for language, theme_name, assisted, large_text in variants + large:
        for w, h in sizes:
            if large_text and (w, h) != (1280, 800):
                continue
            config = KioskConfig(ui=UiConfig(theme=theme_name, language=language, assisted=assisted,
                                             large_text=large_text))
            fake = FakeWorkflow(scanner=object())  # the kiosk reads the MRZ by camera (the default)
            window = KioskWindow(fake, config, languages)
            window.resize(w, h)
            window.show()
            for name, steps in scenes.items():
                if only and name not in only:
                    continue
                base = name.split("_")[0]
                if (language, theme_name) != ("en", "standard") and base not in VARIANT_SCREENS and not large_text:
                    continue
                if assisted and base != "result":
                    continue
                for step in steps:
                    if step == "fill":
                        window.screens[State.DOCUMENT].fill("C01X00T47", "900131", "341231")
                    elif step == "frame":
                        if frame is not None:
                            window.screens[State.FACE].view.show_image(frame)
                    elif step == "options":
                        window._show_options()
                    elif step == "page":
                        if held is not None:
                            window.screens[State.DOCUMENT].view.show_image(held)
                    else:
                        fake.emit(step)
                for _ in range(3):
                    app.processEvents()
                if large_text:
                    window.set_large_text(True)
                    for _ in range(3):
                        app.processEvents()
                suffix = "" if (language, theme_name, assisted, large_text) == ("en", "standard", False, False) else \
                    f"_large{'_de' if language != 'en' else ''}" if large_text else \
                    "_clerk" if assisted else f"_{language}" if language != "en" else "_contrast"
                path = out / f"{name}{suffix}_{w}x{h}.png"
                if (window.width(), window.height()) != (w, h):
                    raise RuntimeError(f"{path.name}: the screen needs {window.width()}x{window.height()}, "
                                       f"more than {w}x{h}: its content would be cut off")
                save_small_png(window.grab().toImage(), path)
                written.append(path)
            window.unlocked = True
            window.close()
            window.deleteLater()
            app.processEvents()
    return written
