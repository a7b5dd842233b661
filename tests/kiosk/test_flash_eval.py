"""``kiosk eval flash`` on a clip written to disk: the synthetic subject's face, lit by the simulated screen,
follows every drawn sequence; the same frames unlit (a screen or a puppet) follow none; bad input is named."""
from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from inference.synthetic import NEUTRAL, Keyframe, SubjectState, SyntheticSubject
from kiosk.errors import BadInputError
from kiosk.face_session import FaceEngine
from kiosk.evaluation.flash import evaluate_flash
from kiosk.workflow.demo import demo_photo


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    return FaceEngine.load()


def _write_clip(engine: FaceEngine, path: Path, fps: float = 15.0) -> None:
    subject = SyntheticSubject.from_image(demo_photo()[:, :, ::-1].copy(), engine.detector, engine.pipeline.mesh)
    script = [Keyframe(1.5, SubjectState(yaw=6)), Keyframe(1.5, SubjectState(pitch=-5)), Keyframe(1.5, NEUTRAL)]
    frames = [f.image for f in subject.play(script, fps=fps)]
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    for frame in frames:
        writer.write(frame)
    writer.release()


def test_lit_faces_pass_and_unlit_faces_do_not(engine: FaceEngine, tmp_path: Path) -> None:
    _write_clip(engine, tmp_path / "subject.avi")
    result = evaluate_flash(tmp_path, draws=3, strengths=(0.05,), seed=1, engine=engine)
    lit, unlit = result["summary"]["lit"]["0.05"], result["summary"]["unlit"]
    assert lit["draws"] == 3 and lit["passed"] == 3 and lit["clips_with_a_failure"] == []
    assert unlit["draws"] == 3 and unlit["passed"] == 0
    [clip] = result["clips"]
    assert clip["frames"] >= 15 * 4.5 and clip["frames_without_face"] == 0
    # The same seed draws the same sequences: the evaluation can be repeated.
    again = evaluate_flash(tmp_path, draws=3, strengths=(0.05,), seed=1, engine=engine)
    assert [r["correlation"] for r in again["clips"][0]["unlit"]] == [r["correlation"] for r in clip["unlit"]]


def test_bad_input_is_named(engine: FaceEngine, tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="no video clips"):
        evaluate_flash(tmp_path, engine=engine)
    (tmp_path / "broken.mp4").write_bytes(b"not a video")
    with pytest.raises(BadInputError, match="not a readable video|no frames"):
        evaluate_flash(tmp_path, draws=1, strengths=(0.05,), engine=engine)
    with pytest.raises(BadInputError, match="--draws"):
        evaluate_flash(tmp_path, draws=0, engine=engine)
