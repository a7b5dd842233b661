"""Motion planarity: the synthetic subject's 3D turns are non-planar, the printed photo tilted and slid to
imitate the same turns is planar, both through the real detector + mesh; exact-geometry checks of the fit."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.config import RuntimeConfig
from inference.detect import FaceDetector, primary_face
from inference.landmarks import FaceMesh
from inference.loader import load_runner
from inference.planarity import PlanarityChecker, PlanarityConfig, PlanarityError, fit_residuals
from inference.pose import HeadPose, head_pose
from inference.print_attack import PrintAttack
from inference.synthetic import NEUTRAL, Keyframe, SubjectState, SyntheticSubject, action_script
from models.store import ModelStore


@pytest.fixture(scope="module")
def models(store: ModelStore):
    cfg = RuntimeConfig(provider="openvino")
    return (FaceDetector(load_runner("yunet", cfg, store=store)),
            FaceMesh(load_runner("face_mesh", cfg, store=store), load_runner("iris", cfg, store=store)))


@pytest.fixture(scope="module")
def subject(store: ModelStore, models) -> SyntheticSubject:
    return SyntheticSubject.from_image(cv2.imread(str(store.asset_path("astronaut"))), *models)


# Turns both ways, a nod, and the card also slid and brought closer while turning.
SCRIPT = [Keyframe(0.2, NEUTRAL), *action_script("turn_left", angle=22, hold_s=0.2),
          *action_script("turn_right", angle=22, hold_s=0.2), *action_script("look_up", angle=18, hold_s=0.2),
          Keyframe(0.5, SubjectState(yaw=15, shift=(40.0, 15.0), distance=0.9)), Keyframe(0.4, NEUTRAL)]


def _check(models, frames) -> PlanarityChecker:
    det, mesh = models
    checker = PlanarityChecker()
    for fr in frames:
        face = primary_face(det.detect(fr.image), fr.image.shape)
        if face is None:
            continue
        lm = mesh.landmarks(fr.image, face, with_iris=False)
        checker.observe(lm.points, head_pose(lm.points, (640, 480)), index=fr.index)
    return checker


@pytest.fixture(scope="module")
def head_result(models, subject):
    return _check(models, subject.play(SCRIPT, fps=10)).result()


@pytest.fixture(scope="module")
def print_result(models, subject):
    return _check(models, PrintAttack(subject.base).play(SCRIPT, fps=10)).result()


def test_a_turning_head_is_not_planar(head_result) -> None:
    r = head_result
    assert r.planar is False and r.frames_used >= 5
    assert r.score > 1.5 * r.threshold and r.unexplained > r.unexplained_threshold  # margin on the score
    assert max(abs(f.yaw_change) for f in r.fits) > 15
    assert all(f.homography_rms <= f.affine_rms + 1e-9 <= f.similarity_rms + 2e-9 for f in r.fits)


def test_a_printed_photo_moved_like_a_head_is_planar(print_result) -> None:
    r = print_result
    assert r.planar is True and r.frames_used >= 5
    assert r.score < r.threshold / 1.5 and r.unexplained < r.unexplained_threshold / 1.15  # margins
    # The card really deformed beyond a similarity (it was tilted), and a homography explained it.
    assert max(f.similarity_rms for f in r.fits) > 2 * r.score
    assert r.to_dict()["planar"] is True


def test_no_motion_gives_no_verdict(models, subject) -> None:
    r = _check(models, subject.play([Keyframe(0.5, NEUTRAL)], fps=10)).result()
    assert r.planar is None and r.score is None and r.frames_observed == 6


def test_exact_geometry_plane_fits_and_parallax_does_not(subject) -> None:
    base = subject.project(NEUTRAL)
    turned = subject.project(SubjectState(yaw=20))
    hom = np.array([[0.9, 0.05, 30.0], [-0.04, 1.02, 12.0], [2e-4, -1e-4, 1.0]])
    warped = cv2.perspectiveTransform(base[None], hom)[0]
    ied = np.linalg.norm(base[33] - base[263])
    _, _, r_plane = fit_residuals(base, warped)
    r_sim, r_aff, r_head = fit_residuals(base, turned)
    assert r_plane / ied < 1e-6
    assert r_head / ied > 0.03 and r_head <= r_aff <= r_sim


def test_the_threshold_comes_from_config(subject) -> None:
    def run(config: PlanarityConfig):
        checker = PlanarityChecker(config)
        for k in range(6):
            pts = subject.project(SubjectState(yaw=5.0 * k))
            checker.observe(pts, head_pose(np.column_stack([pts, np.zeros(468)]), (640, 480)))
        return checker.result()

    default = run(PlanarityConfig())
    assert default.planar is False
    loose = PlanarityConfig(threshold=default.score * 1.1, unexplained_threshold=min(1.0, default.unexplained * 1.1))
    assert run(loose).planar is True
    assert run(loose.model_copy(update={"unexplained_threshold": default.unexplained * 0.9})).planar is False


def test_bad_points_raise_a_typed_error() -> None:
    checker = PlanarityChecker()
    with pytest.raises(PlanarityError):
        checker.observe(np.zeros((10, 2)), HeadPose(0, 0, 0))
    with pytest.raises(PlanarityError):
        checker.observe(np.full((468, 3), np.nan), HeadPose(0, 0, 0))


@pytest.mark.parametrize("clip", ["liveportrait_driving_d13.mp4", "liveportrait_driving_d18.mp4"])
def test_real_people_in_recorded_clips_are_not_planar(models, shared_data, clip) -> None:
    # Two of the clips with the least head motion (on the homography residual alone they read as flat).
    path = shared_data / "video" / "live" / clip
    if not path.is_file():
        pytest.skip(f"{clip} not in the research data")
    det, mesh = models
    cap = cv2.VideoCapture(str(path))
    checker = PlanarityChecker()
    k = 0
    while k < 200:
        ok, frame = cap.read()
        if not ok:
            break
        k += 1
        if k % 2:
            continue
        face = primary_face(det.detect(frame), frame.shape)
        if face is not None:
            lm = mesh.landmarks(frame, face, with_iris=False)
            checker.observe(lm.points, head_pose(lm.points, (frame.shape[1], frame.shape[0])))
    cap.release()
    r = checker.result()
    assert r.planar is False, r.to_dict()
