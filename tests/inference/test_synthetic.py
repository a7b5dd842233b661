"""The synthetic subject, re-measured by the real pipeline (YuNet + face mesh + iris + head pose): the
intended motion must be what the models see. The print simulator moves the photo by homographies only."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.challenge import eye_openness
from inference.config import RuntimeConfig
from inference.detect import FaceDetector, primary_face
from inference.errors import BadImageError
from inference.landmarks import FaceMesh
from inference.loader import load_runner
from inference.pose import head_pose
from inference.print_attack import PrintAttack
from inference.synthetic import (NEUTRAL, Keyframe, SubjectState, SyntheticSubject, action_script, screen_light,
                                 script_duration)
from models.store import ModelStore


@pytest.fixture(scope="module")
def models(store: ModelStore):
    cfg = RuntimeConfig(provider="openvino")
    return (FaceDetector(load_runner("yunet", cfg, store=store)),
            FaceMesh(load_runner("face_mesh", cfg, store=store), load_runner("iris", cfg, store=store)))


@pytest.fixture(scope="module")
def subject(store: ModelStore, models) -> SyntheticSubject:
    image = cv2.imread(str(store.asset_path("astronaut")))
    return SyntheticSubject.from_image(image, *models)


def _measure(models, image: np.ndarray):
    det, mesh = models
    faces = det.detect(image)
    face = primary_face(faces, image.shape)
    assert face is not None
    lm = mesh.landmarks(image, face)
    return len(faces), lm, head_pose(lm.points, (image.shape[1], image.shape[0]))


def test_frames_are_640x480_bgr_and_never_bit_identical(subject) -> None:
    a, b = subject.render(NEUTRAL), subject.render(NEUTRAL)
    assert a.shape == (480, 640, 3) and a.dtype == np.uint8
    assert not np.array_equal(a, b)  # sensor noise: a live camera never repeats a frame exactly
    assert np.abs(a.astype(int) - b.astype(int)).mean() < 4


@pytest.mark.parametrize("state, axis, sign", [
    (SubjectState(yaw=25), "yaw", +1), (SubjectState(yaw=-25), "yaw", -1),
    (SubjectState(pitch=20), "pitch", +1), (SubjectState(pitch=-20), "pitch", -1)])
def test_rendered_pose_is_re_detected_with_the_intended_sign(models, subject, state, axis, sign) -> None:
    n0, _, p0 = _measure(models, subject.render(NEUTRAL))
    n1, _, p1 = _measure(models, subject.render(state))
    assert n0 == n1 == 1
    delta = getattr(p1, axis) - getattr(p0, axis)
    assert sign * delta > 10, f"{axis} moved by {delta:.1f} degrees"
    other = "pitch" if axis == "yaw" else "yaw"
    assert abs(getattr(p1, other) - getattr(p0, other)) < abs(delta)


def test_blink_closes_the_eyes_for_the_iris_model(models, subject) -> None:
    _, open_lm, _ = _measure(models, subject.render(NEUTRAL))
    _, shut_lm, _ = _measure(models, subject.render(SubjectState(blink=1.0)))
    o, s = eye_openness(open_lm), eye_openness(shut_lm)
    assert min(o) > 0.25
    assert max(s) < 0.5 * min(o), (o, s)


def test_moving_closer_grows_the_face_and_shift_moves_the_nose(models, subject) -> None:
    _, lm0, _ = _measure(models, subject.render(NEUTRAL))
    _, lm1, _ = _measure(models, subject.render(SubjectState(distance=0.7)))
    height = lambda lm: float(np.linalg.norm(lm.points[10, :2] - lm.points[152, :2]))  # noqa: E731
    assert height(lm1) / height(lm0) > 1.3
    target = (420.0, 170.0)
    _, lm2, _ = _measure(models, subject.render(SubjectState(shift=subject.shift_to(target))))
    assert np.linalg.norm(lm2.points[1, :2] - np.array(target)) < 0.03 * 640


def test_play_follows_the_script_with_monotonic_timestamps(subject) -> None:
    script = action_script("turn_left") + action_script("blink")
    frames = list(subject.play(script, fps=15.0, lead_in_s=0.2))
    assert len(frames) == int((script_duration(script) + 0.2) * 15) + 1
    ts = [f.t for f in frames]
    assert all(b > a for a, b in zip(ts, ts[1:]))
    assert max(f.state.yaw for f in frames) == pytest.approx(25.0, abs=0.5)
    assert max(f.state.blink for f in frames) == pytest.approx(1.0)
    assert frames[-1].state == NEUTRAL
    with pytest.raises(ValueError):
        action_script("wave")


def test_print_attack_is_a_homography_of_the_photo(models, subject) -> None:
    attack = PrintAttack(subject.base, grain=0.0, glare=0.0, noise_sigma=0.0)
    state = SubjectState(yaw=25, pitch=-5, shift=(20.0, 10.0), distance=0.9)
    frame = attack.render(state)
    n, _, _ = _measure(models, frame)
    assert n == 1
    # Every card pixel is the photo pixel the homography says (no other motion).
    hom = attack.homography(state)
    ch, cw = attack.card.shape[:2]
    rng = np.random.default_rng(3)
    src = np.column_stack([rng.uniform(0.1 * cw, 0.9 * cw, 50), rng.uniform(0.1 * ch, 0.9 * ch, 50)])
    dst = cv2.perspectiveTransform(src[None].astype(np.float64), hom)[0]
    ref = cv2.GaussianBlur(attack.card, (5, 5), 0).astype(int)
    got = cv2.GaussianBlur(frame, (5, 5), 0).astype(int)
    diffs = [np.abs(ref[int(y), int(x)] - got[int(round(v)), int(round(u))]).max() for (x, y), (u, v) in zip(src, dst)]
    assert np.median(diffs) < 20


def test_screen_light_tints_the_face_more_than_the_background(subject) -> None:
    frame = subject.render(NEUTRAL)
    lit = screen_light(frame, subject.points, (0.0, 0.0, 1.0), strength=0.2)
    diff = lit.astype(int) - frame.astype(int)
    nose = subject.nose.astype(int)
    face_gain = diff[nose[1] - 5:nose[1] + 5, nose[0] - 30:nose[0] - 20].mean(axis=(0, 1))
    corner_gain = diff[5:30, 5:30].mean(axis=(0, 1))
    assert face_gain[0] > 3 * max(corner_gain[0], 1.0)  # blue channel (BGR index 0)
    assert abs(face_gain[2]) < face_gain[0] / 3


def test_bad_inputs_raise_typed_errors() -> None:
    with pytest.raises(BadImageError):
        SyntheticSubject(np.zeros((10, 10), np.uint8), np.zeros((468, 3)))
    with pytest.raises(BadImageError):
        SyntheticSubject(np.zeros((480, 640, 3), np.uint8), np.zeros((5, 3)))
    with pytest.raises(BadImageError):
        PrintAttack(np.zeros((10, 10), np.float32))


def test_write_video_round_trip(subject, tmp_path) -> None:
    from inference.synthetic import write_video

    frames = list(subject.play([Keyframe(0.2, SubjectState(yaw=10))], fps=20))
    path = tmp_path / "subject.avi"
    assert write_video(frames, path, fps=20) == len(frames) == 5
    cap = cv2.VideoCapture(str(path))
    read = []
    while True:
        ok, image = cap.read()
        if not ok:
            break
        read.append(image)
    cap.release()
    assert len(read) == 5 and read[0].shape == (480, 640, 3)
    assert np.abs(read[2].astype(int) - frames[2].image.astype(int)).mean() < 6
