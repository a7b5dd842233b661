"""The replay test: a recording cannot follow a random challenge, so no shared live clip may be accepted."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.face_session import FaceEngine, enrol_portrait
from kiosk.policy import Outcome
from kiosk.verify import run_session, video_frames
from inference.image import read_image
from models.store import ModelStore


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    return FaceEngine.load()


def test_every_live_clip_is_refused_under_a_random_challenge(engine: FaceEngine, shared_data: Path) -> None:
    clips = sorted((shared_data / "video" / "live").glob("*.mp4"))
    assert len(clips) >= 12
    portrait = enrol_portrait(engine, read_image(ModelStore().asset_path("astronaut")))
    outcomes = {}
    for clip in clips:
        run = run_session(engine, portrait, video_frames(clip))  # random challenge, drawn with `secrets`
        outcomes[clip.name] = (run.decision.outcome, run.decision.reasons)
        assert run.decision.outcome is not Outcome.ACCEPT, (clip.name, run.to_dict())
        assert run.session.evidence.challenge_passed is False
    assert len(outcomes) == len(clips)


def test_unreadable_video_is_a_bad_input(tmp_path: Path) -> None:
    from kiosk.errors import BadInputError

    bad = tmp_path / "clip.mp4"
    bad.write_bytes(b"not a video at all")
    with pytest.raises(BadInputError):
        list(video_frames(bad))
