"""End to end on the synthetic subject (no shared data needed): it follows its random challenge and is
accepted against its own portrait; the same session is rejected against another identity; a printed
photo moved by hand is caught by the planarity test; a subject ignoring the prompts fails the challenge."""
from __future__ import annotations

import numpy as np
import pytest

from inference.challenge import draw_steps, parse_step
from inference.image import read_image
from inference.print_attack import PrintAttack
from inference.synthetic import SyntheticSubject
from kiosk.face_session import FaceEngine, enrol_portrait
from kiosk.policy import Outcome, Reason
from kiosk.verify import run_session
from models.store import ModelStore


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    return FaceEngine.load()


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return read_image(ModelStore().asset_path("astronaut"))


@pytest.fixture(scope="module")
def subject(engine: FaceEngine, photo: np.ndarray) -> SyntheticSubject:
    return SyntheticSubject.from_image(photo, engine.detector, engine.pipeline.mesh)


def _frames(actor, script):
    return ((f.image, f.t) for f in actor.play(script))


# Every action of the challenge, in two sessions; fixed targets keep the test deterministic (the kiosk
# draws sequences and targets with `secrets`, which `kiosk run` exercises).
SEQUENCES = [("blink", "turn_left", "look_up", "nose_to_target@0.62:0.55"),
             ("turn_right", "look_down", "move_closer", "nose_to_target@0.40:0.60")]


@pytest.mark.parametrize("actions", SEQUENCES, ids=["-".join(a.split("@")[0] for a in s) for s in SEQUENCES])
def test_subject_following_its_challenge_is_accepted(engine, photo, subject, actions) -> None:
    steps = [parse_step(a) for a in actions]
    run = run_session(engine, enrol_portrait(engine, photo), _frames(subject, subject.follow(steps)), steps=steps)
    assert run.decision.outcome is Outcome.ACCEPT, run.to_dict()
    ev = run.session.evidence
    assert ev.challenge_passed and ev.planar_motion is False and ev.match_score > 0.6


def test_same_session_against_another_identity_is_rejected(engine, subject) -> None:
    t1 = read_image(ModelStore().asset_path("t1"))
    other = engine.detector.detect(t1)[0]
    x, y, w, h = (int(v) for v in other.box)
    portrait = t1[max(0, y - h // 2): y + 3 * h // 2, max(0, x - w // 2): x + 3 * w // 2]
    steps = list(draw_steps(engine.challenge))
    run = run_session(engine, enrol_portrait(engine, portrait), _frames(subject, subject.follow(steps)), steps=steps)
    assert run.decision.outcome is Outcome.REJECT
    assert Reason.FACE_MISMATCH.value in run.decision.reasons


def test_print_attack_is_caught_by_planarity(engine, photo) -> None:
    steps = [parse_step(a) for a in ("turn_left", "turn_right")]
    card = PrintAttack(photo)
    subject = SyntheticSubject.from_image(photo, engine.detector, engine.pipeline.mesh)
    run = run_session(engine, enrol_portrait(engine, photo), _frames(card, subject.follow(steps)), steps=steps)
    assert run.decision.outcome is Outcome.REJECT, run.to_dict()
    assert run.session.evidence.planar_motion is True or run.session.evidence.challenge_passed is False
    assert run.session.evidence.planar_motion is not False  # never judged a 3D head


def test_subject_ignoring_the_prompts_fails(engine, photo, subject) -> None:
    prompted = [parse_step(a) for a in ("turn_left", "look_up")]
    performed = [parse_step(a) for a in ("turn_right", "look_down")]
    run = run_session(engine, enrol_portrait(engine, photo), _frames(subject, subject.follow(performed)),
                      steps=prompted)
    assert run.decision.outcome is Outcome.REJECT
    assert Reason.LIVENESS_CHALLENGE_FAILED.value in run.decision.reasons
