"""``kiosk screenshots --console``: the console's screens at 1280x800 (the smallest screen it supports) as
``console-*.png``.

The store is built here with the storage API: a few hundred sessions over two weeks (the queue and the
report), and one REVIEW case whose DG2 is a real specimen portrait (BSI 2008 "Erika Mustermann", JPEG
2000, from ``$KIOSK_DATA_DIR/faces/dg2_specimens``) and whose live and audit frames are the synthetic
subject rendered from another specimen photo of the same face (ISO/IEC 39794-5 sample), turning as the
challenge asked. The match score shown is computed by the face models on those two images.
"""
from __future__ import annotations

import datetime as dt
import io
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtWidgets import QApplication

from kiosk.errors import BadInputError

SPECIMENS = "faces/dg2_specimens"
DG2_FILE, PHOTO_FILE = "bsi2008_ErikaMustermann_DG2.jp2", "gmrtd_ICAO39794_5_AP_ErikaMustermann_face.jpg"
PASSWORD = "screenshots only 1"


def _jpeg(rgb: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def specimen_case(data_dir: Path) -> dict[str, Any]:
    """DG2 bytes, live and audit frames (RGB) and the real match score and live template."""
    from PIL import Image

    from inference.config import RuntimeConfig
    from inference.synthetic import SubjectState, SyntheticSubject
    from kiosk.face_session import FaceEngine, enrol_portrait

    folder = data_dir / SPECIMENS
    if not (folder / DG2_FILE).exists() or not (folder / PHOTO_FILE).exists():
        raise BadInputError(f"the DG2 specimens are not in {folder}: set KIOSK_DATA_DIR to the research data folder")
    dg2_bytes = (folder / DG2_FILE).read_bytes()
    with Image.open(io.BytesIO(dg2_bytes)) as im:
        dg2_rgb = np.asarray(im.convert("RGB"))
    with Image.open(folder / PHOTO_FILE) as im:
        photo_rgb = np.asarray(im.convert("RGB"))
    engine = FaceEngine.load(RuntimeConfig(provider="openvino"))
    # The specimen photo is cropped tight; a camera sees the head with room around it (a plain wall here),
    # so the synthetic subject is built from the photo centred on a 4:3 background of its border colour.
    h, w = photo_rgb.shape[:2]
    canvas_h = int(h * 1.6)
    canvas_w = canvas_h * 4 // 3
    wall = np.median(np.concatenate([photo_rgb[:8].reshape(-1, 3), photo_rgb[:, :8].reshape(-1, 3)]), axis=0)
    canvas = np.empty((canvas_h, canvas_w, 3), np.uint8)
    canvas[:] = wall.astype(np.uint8)
    top, left = (canvas_h - h) // 2, (canvas_w - w) // 2
    canvas[top:top + h, left:left + w] = photo_rgb
    photo_rgb = canvas
    subject = SyntheticSubject.from_image(photo_rgb[:, :, ::-1].copy(), engine.detector, engine.pipeline.mesh)
    live_bgr = subject.render(SubjectState())
    frames = [subject.render(SubjectState(yaw=22.0)), subject.render(SubjectState(pitch=12.0)),
              subject.render(SubjectState(shift=(40.0, -20.0)))]
    dg2 = enrol_portrait(engine, dg2_rgb[:, :, ::-1].copy())
    live = enrol_portrait(engine, live_bgr)
    if dg2.embedding is None or live.embedding is None:
        raise BadInputError(f"no face found in the specimen images ({dg2.detail or live.detail})")
    a, b = np.asarray(dg2.embedding.vector, float), np.asarray(live.embedding.vector, float)
    score = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    return {"dg2": dg2_bytes, "live": _jpeg(live_bgr[:, :, ::-1]), "frames": [_jpeg(f[:, :, ::-1]) for f in frames],
            "score": score, "template": b}


def build_store(folder: Path, case: dict[str, Any], now: dt.datetime) -> tuple[Any, str]:
    """A store with two weeks of sessions, reviews, accounts and the specimen case; returns (storage, case id)."""
    from storage import FixedClock, ImageEvidence, StorageConfig, open_storage

    from kiosk.console.sample import sample_record
    from kiosk.policy import PolicyConfig

    clock = FixedClock(now - dt.timedelta(days=14))
    st = open_storage(folder, StorageConfig.model_validate({"operators": {"scrypt_log2_n": 14}}), clock=clock)
    for name, role in (("olga", "operator"), ("otto", "operator"), ("sam", "supervisor"), ("ada", "admin")):
        st.operators.add(name, role, PASSWORD, "cli:screenshots")
    rng = np.random.default_rng(7)
    kiosks = ("kiosk-01", "kiosk-02", "branch-berlin")
    reasons = (("FACE_MATCH_BORDERLINE",), ("QUALITY_TOO_LOW",), ("CHIP_CSCA_UNKNOWN",), ("DOCUMENT_EXPIRED",))
    for day in range(14):
        for i in range(int(rng.integers(15, 30))):
            outcome = str(rng.choice(["accept", "review", "reject"], p=[0.74, 0.16, 0.10]))
            rs = reasons[int(rng.integers(0, 4))] if outcome == "review" else None
            kiosk = kiosks[int(rng.integers(0, 3))]
            st.decisions.record_session(sample_record(outcome, clock.now(), kiosk_id=kiosk, reasons=rs,
                                                      document=f"S{day:02d}{i:03d}",
                                                      mode="assisted" if kiosk.startswith("branch") else "kiosk"))
            clock.advance(minutes=float(rng.uniform(5, 30)))
        if day < 12:  # most of the older flagged sessions were reviewed within hours
            clock.advance(hours=float(rng.uniform(1, 20)))
            for s in st.decisions.pending_reviews(limit=int(rng.integers(2, 5))):
                st.decisions.record_review(s.session_id, ("olga", "otto")[day % 2],
                                           "accept" if rng.random() < 0.7 else "reject", "compared portrait and frames")
        clock.set(now - dt.timedelta(days=13 - day, hours=float(rng.uniform(0, 3))))
    policy = PolicyConfig()
    score = case["score"]
    reason = ("FACE_MATCH_BORDERLINE",) if policy.match_review <= score < policy.match_accept else ("CHIP_CSCA_UNKNOWN",)
    clock.set(now - dt.timedelta(days=6))
    st.decisions.record_session(sample_record("reject", clock.now(), document="C01X00T47", kiosk_id="kiosk-02"))
    clock.set(now - dt.timedelta(hours=2, minutes=40))
    images = [ImageEvidence("dg2", case["dg2"], "image/jp2"), ImageEvidence("live", case["live"], "image/jpeg")]
    images += [ImageEvidence("audit_frame", f, "image/jpeg") for f in case["frames"]]
    rec = sample_record("review", clock.now(), document="C01X00T47", kiosk_id="kiosk-01", match_score=score,
                        reasons=reason, images=images, template=case["template"])
    if reason == ("CHIP_CSCA_UNKNOWN",):
        rec = _csca_unknown(rec)
    sid = st.decisions.record_session(rec).session_id
    clock.set(now)
    for _ in range(st.config.operators.max_failures):  # one locked account for the admin screen
        try:
            st.operators.authenticate("otto", "a mistyped password", where="screenshots")
        except Exception:  # noqa: BLE001 - the failures are the point here
            pass
    return st, sid


def _csca_unknown(rec: Any) -> Any:
    from dataclasses import replace

    return replace(rec, chip={**rec.chip, "chain": "unknown_csca", "passive_auth_passed": False})


def _settle(app: Any, window: Any, seconds: float = 20.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        if window.worker.pending == 0:
            for _ in range(5):
                app.processEvents()
            return
        time.sleep(0.01)
    raise RuntimeError("the console did not finish loading in time")


def save_console_screens(out: Path, data_dir: Path, size: tuple[int, int] = (1280, 800)) -> list[Path]:
    """Render login, queue, case, report and admin into ``out``; returns the files written."""
    from kiosk.console import Console
    from ui.console.window import ConsoleWindow
    from ui.screenshots import save_small_png

    app = QApplication.instance() or QApplication([])
    out.mkdir(parents=True, exist_ok=True)
    case = specimen_case(data_dir)
    written = []
    with tempfile.TemporaryDirectory(prefix="console-shots-") as tmp:
        st, sid = build_store(Path(tmp) / "data", case, dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
        window = ConsoleWindow(Console(st))
        window.resize(*size)
        window.show()

        def shot(name: str) -> None:
            _settle(app, window)
            if (window.width(), window.height()) != size:
                raise RuntimeError(f"console-{name}: the window needs {window.width()}x{window.height()}")
            path = out / f"console-{name}.png"
            save_small_png(window.grab().toImage(), path)
            written.append(path)

        def login(user: str) -> None:
            window.login.user.setText(user)
            window.login.password.setText(PASSWORD)
            window.login._submit()
            _settle(app, window)

        window.login.user.setText("olga")
        shot("login")
        login("olga")
        shot("queue")
        window.open_case(sid)
        _settle(app, window)
        window.case.note.setText("Same person: ears, chin and eyebrows match the chip portrait; frames turn as asked")
        shot("case")
        window.logout()
        _settle(app, window)
        login("sam")
        window.show_report()
        shot("report")
        window.logout()
        _settle(app, window)
        login("ada")
        shot("admin")
        window.close()
        window.deleteLater()
        app.processEvents()
        st.close()
    return written


def save_calibration_screens(out: Path, size: tuple[int, int] = (1280, 800)) -> list[Path]:
    """The admin's liveness calibration screen mid-collection and after the evaluation, on a replay camera
    showing synthetic people (``inference.calibration_scene``): ``console-calibration-*.png`` at 1280x800, a
    small office screen, like the other console screens."""
    from hardware.camera.replay import ReplaySource
    from inference.calibration_scene import CalibrationScene, sample_photos
    from storage import StorageConfig, open_storage

    from kiosk.console import Console
    from kiosk.console.calibration import CalibrationDesk
    from kiosk.face_session import FaceEngine
    from kiosk.pad.collect import CaptureModels
    from ui.console.window import ConsoleWindow
    from ui.screenshots import save_small_png

    app = QApplication.instance() or QApplication([])
    out.mkdir(parents=True, exist_ok=True)
    engine = FaceEngine.load()
    scene = CalibrationScene(sample_photos(engine.detector, 3), engine.detector, engine.pipeline.mesh)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="console-calibration-") as tmp:
        st = open_storage(Path(tmp) / "data", StorageConfig.model_validate({"operators": {"scrypt_log2_n": 14}}))
        st.operators.add("ada", "admin", PASSWORD, "cli:screenshots")
        console = Console(st)
        desk = CalibrationDesk(console, Path(tmp) / "data", lambda: ReplaySource(scene.frames, fps=30.0, name="replay"),
                               models=lambda: CaptureModels.from_engine(engine))
        window = ConsoleWindow(console, calibration=desk)
        window.resize(*size)
        window.show()
        window.login.user.setText("ada")
        window.login.password.setText(PASSWORD)
        window.login._submit()
        _settle(app, window)
        window.show_calibration()
        screen = window.calibration_screen
        screen.live.setValue(2)
        screen.attacks.setValue(3)
        screen.frames.setValue(3)
        screen.start.click()
        _settle(app, window, 60)

        def shot(name: str) -> None:
            _settle(app, window, 60)
            if (window.width(), window.height()) != size:
                raise RuntimeError(f"console-{name}: the window needs {window.width()}x{window.height()}")
            path = out / f"console-{name}.png"
            save_small_png(window.grab().toImage(), path)
            written.append(path)

        while screen.status is not None and screen.status.step is not None:
            if screen.status.taken == 8:
                shot("calibration-capture")
            step = screen.status.step
            scene.show(step.label, step.person)
            end = time.monotonic() + 0.3  # the frames already on their way show the previous scene
            while time.monotonic() < end:
                app.processEvents()
            screen.capture.click()
            _settle(app, window, 60)
            if screen.message.text():
                raise RuntimeError(f"calibration capture refused: {screen.message.text()}")
        screen.evaluate.click()
        shot("calibration-result")
        window.close()
        window.deleteLater()
        app.processEvents()
        st.close()
    return written
