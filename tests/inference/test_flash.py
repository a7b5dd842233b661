"""Screen-flash challenge on clips whose face colour is modulated as a kiosk screen would light it: the
sequence that was shown passes; a different sequence, or the same clip unlit, fails. Run on the synthetic
subject (always) and on a recorded live clip from the research data (skipped when it is absent)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from inference.config import RuntimeConfig
from inference.detect import FaceDetector, primary_face
from inference.flash import (FlashChecker, FlashConfig, FlashError, FlashSequence, correlate, draw_sequence,
                             sample_frame, skin_mask)
from inference.landmarks import FaceMesh
from inference.loader import load_runner
from inference.synthetic import NEUTRAL, Keyframe, SubjectState, SyntheticSubject, screen_light
from models.store import ModelStore

SHOWN = FlashSequence.of(["red", "blue", "green", "magenta", "yellow", "cyan", "blue", "red", "green", "yellow"],
                         [0.30, 0.35, 0.25, 0.40, 0.30, 0.28, 0.33, 0.37, 0.30, 0.26])
OTHER = FlashSequence.of(["green", "yellow", "red", "cyan", "blue", "magenta", "green", "cyan", "red", "blue"],
                         [0.36, 0.27, 0.32, 0.30, 0.25, 0.38, 0.29, 0.31, 0.27, 0.35])
T0, LAG = 0.2, 0.1  # the sequence starts at T0; display + camera latency LAG


@pytest.fixture(scope="module")
def models(store: ModelStore):
    cfg = RuntimeConfig(provider="openvino")
    return (FaceDetector(load_runner("yunet", cfg, store=store)),
            FaceMesh(load_runner("face_mesh", cfg, store=store), load_runner("iris", cfg, store=store)))


def _check_clip(models, frames) -> dict[str, object]:
    """Light each frame's face with SHOWN (strength 5%); check against SHOWN, OTHER, and unlit against SHOWN."""
    det, mesh = models
    checkers = {"shown": FlashChecker(SHOWN, T0), "other": FlashChecker(OTHER, T0), "unlit": FlashChecker(SHOWN, T0)}
    for t, image in frames:
        face = primary_face(det.detect(image), image.shape)
        if face is None:
            continue
        pts = mesh.landmarks(image, face, with_iris=False).points
        rgb = SHOWN.colour_at(t - T0 - LAG)
        lit = screen_light(image, pts, rgb, strength=0.05) if rgb else image
        checkers["shown"].observe(t, lit, pts)
        checkers["other"].observe(t, lit, pts)
        checkers["unlit"].observe(t, image, pts)
    return {k: c.result() for k, c in checkers.items()}


def _assert_verdicts(results) -> None:
    shown, other, unlit = results["shown"], results["other"], results["unlit"]
    assert shown.passed and shown.correlation > 0.8, shown.to_dict()
    assert abs(shown.lag_s - LAG) <= 0.05
    assert not other.passed and other.reason == "NO_COLOUR_RESPONSE"
    assert not unlit.passed and unlit.correlation < 0.5


def test_synthetic_subject_clip(models, store: ModelStore) -> None:
    subject = SyntheticSubject.from_image(cv2.imread(str(store.asset_path("astronaut"))), *models)
    script = [Keyframe(1.2, SubjectState(yaw=8)), Keyframe(1.2, SubjectState(pitch=-6, shift=(10.0, 0.0))),
              Keyframe(1.2, NEUTRAL)]
    _assert_verdicts(_check_clip(models, [(f.t, f.image) for f in subject.play(script, fps=15)]))


def test_recorded_live_clip(models, shared_data) -> None:
    path = shared_data / "video" / "live" / "liveportrait_driving_d0.mp4"
    if not path.is_file():
        pytest.skip(f"{path.name} not in the research data")
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    frames = []
    while len(frames) < int(4.0 * fps):
        ok, frame = cap.read()
        if not ok:
            break
        frames.append((len(frames) / fps, cv2.resize(frame, (640, 480))))
    cap.release()
    assert len(frames) > 2.5 * fps
    _assert_verdicts(_check_clip(models, frames))


def test_random_sequences_follow_the_config() -> None:
    cfg = FlashConfig(colours=("red", "green", "blue"), segments=12, segment_min_s=0.2, segment_max_s=0.3)
    draws = [draw_sequence(cfg) for _ in range(30)]
    assert len({tuple(s.colour for s in d.segments) for d in draws}) > 20
    for d in draws:
        cols = [s.colour for s in d.segments]
        assert len(cols) == 12 and set(cols) <= {"red", "green", "blue"}
        assert all(a != b for a, b in zip(cols, cols[1:]))
        assert all(0.2 <= s.duration_s <= 0.3 for s in d.segments)
        assert d.colour_at(d.total_s + 0.01) is None and d.colour_at(0.0) == d.segments[0].rgb


def test_skin_mask_excludes_eyes_and_mouth(models, store: ModelStore) -> None:
    det, mesh = models
    image = cv2.imread(str(store.asset_path("astronaut")))
    face = det.detect(image)[0]
    pts = mesh.landmarks(image, face, with_iris=False).points
    mask = skin_mask(pts, (image.shape[1], image.shape[0]))
    at = lambda i: mask[int(round(pts[i, 1])), int(round(pts[i, 0]))]  # noqa: E731
    assert at(159) == 0 and at(386) == 0 and at(13) == 0  # eyelids, lips
    assert at(1) == 1 and at(50) == 1 and at(280) == 1  # nose tip, cheeks
    s = sample_frame(0.0, image, pts)
    assert s.face_bgr[2] > s.face_bgr[0]  # skin is redder than it is blue


def test_too_few_frames_and_bad_inputs() -> None:
    r = correlate([], SHOWN, 0.0)
    assert not r.passed and r.reason == "TOO_FEW_FRAMES"
    with pytest.raises(ValidationError):
        FlashConfig(colours=("red", "ultraviolet"))
    with pytest.raises(FlashError):
        FlashSequence.of(["red"], [0.3, 0.2])
    with pytest.raises(FlashError):
        skin_mask(np.zeros((3, 2)), (640, 480))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=8), max_size=4), st.lists(st.floats(allow_nan=True), max_size=4))
def test_fixed_sequences_raise_only_their_typed_error(colours, durations) -> None:
    try:
        seq = FlashSequence.of(colours, durations)
    except FlashError:
        return
    assert seq.total_s > 0 and len(seq.segments) == len(colours)
