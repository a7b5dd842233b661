"""Frame pipeline on real faces: one track through small motion, mesh tracking between detections, a second
face flagged, an empty frame asks the customer to look at the camera."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from inference.config import RuntimeConfig
from inference.pipeline import FacePipeline, PipelineConfig, face_from_mesh
from inference.quality import HINTS
from inference.tracking import iou


@pytest.fixture(scope="module")
def pipeline(store) -> FacePipeline:  # type: ignore[no-untyped-def]
    p = FacePipeline.from_config(RuntimeConfig(provider="openvino"), config=PipelineConfig(detect_interval=3),
                                 store=store)
    p.warm_up((640, 480), runs=1)
    return p


@pytest.fixture(scope="module")
def frame(store) -> np.ndarray:  # type: ignore[no-untyped-def]
    a = cv2.imread(str(store.asset_path("astronaut")))
    return cv2.resize(a[8:248, 63:383], (640, 480), interpolation=cv2.INTER_CUBIC)


def _shift(img: np.ndarray, dx: float, dy: float) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REPLICATE)


def test_one_track_through_small_motion_with_mesh_tracking(pipeline, frame) -> None:  # type: ignore[no-untyped-def]
    pipeline.reset()
    results = [pipeline.process(_shift(frame, 3 * k, -1.5 * k), k / 30) for k in range(10)]
    assert {r.track_id for r in results} == {results[0].track_id} and results[0].track_id is not None
    assert results[0].track.new_track
    assert [r.detected for r in results] == [k % 3 == 0 for k in range(10)]
    for r in results:
        assert r.face is not None and r.landmarks is not None and r.pose is not None
        assert r.landmarks.eyes is not None  # iris ran
        assert "mesh" in r.stages_ms and "quality" in r.stages_ms
    # The mesh-tracked box stays on the face: compare it with a fresh detection on the same frame.
    for k in (1, 2, 4, 5):
        det = pipeline.detector.detect(_shift(frame, 3 * k, -1.5 * k))
        assert iou(det[0].box, results[k].face.box) > 0.7  # type: ignore[union-attr]
    json.dumps(results[1].to_dict())


def test_second_face_is_flagged(pipeline, frame) -> None:  # type: ignore[no-untyped-def]
    pipeline.reset()
    wide = np.full((480, 640, 3), 100, np.uint8)
    face_img = cv2.resize(frame, (320, 240), interpolation=cv2.INTER_AREA)
    wide[120:360, 0:320] = face_img
    first = pipeline.process(wide, 0.0)
    assert first.faces_count == 1
    two = wide.copy()
    two[120:360, 320:640] = face_img  # a second person of the same size steps in
    results = [pipeline.process(two, (k + 1) / 30) for k in range(3)]
    assert any(r.track.second_face for r in results)  # within one detector interval
    last = results[-1]
    assert last.faces_count == 2 and last.track_id == first.track_id
    assert last.hints[0] == HINTS["one_face"] and not last.good


def test_no_face(pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline.reset()
    r = pipeline.process(np.full((480, 640, 3), 128, np.uint8), 0.0)
    assert r.face is None and r.track_id is None and r.faces_count == 0
    assert r.hints == (HINTS["no_face"],) and not r.good
    json.dumps(r.to_dict())


def test_face_from_mesh_matches_detector_box(pipeline, frame) -> None:  # type: ignore[no-untyped-def]
    det = pipeline.detector.detect(frame)[0]
    lm = pipeline.mesh.landmarks(frame, det)
    assert iou(det.box, face_from_mesh(lm).box) > 0.8
    assert face_from_mesh(lm).inter_eye_distance == pytest.approx(det.inter_eye_distance, rel=0.15)


def test_live_clip_keeps_one_track(pipeline, shared_data) -> None:  # type: ignore[no-untyped-def]
    clip = shared_data / "video" / "live" / "liveportrait_driving_d3.mp4"
    if not clip.is_file():
        pytest.skip("live clip d3 not present")
    pipeline.reset()
    cap = cv2.VideoCapture(str(clip))
    ids = set()
    for k in range(45):
        ok, f = cap.read()
        if not ok:
            break
        ids.add(pipeline.process(cv2.resize(f, (640, 480)), k / 30).track_id)
    assert len(ids) == 1 and None not in ids


def test_bench_pipeline_reports_every_stage(store) -> None:  # type: ignore[no-untyped-def]
    from inference.bench_pipeline import bench_pipeline

    r = bench_pipeline(frame_count=12, data_dir=None, providers=["openvino"], liveness_frames=2, repeats=1)
    entry = r["providers"]["openvino"]
    assert entry["frames"] == 12 and entry["fps"] > 0 and entry["face_frames"] == 12
    assert {"detect", "mesh", "iris", "quality", "total"} <= set(entry["stages_ms"])
    assert entry["detect_frames"] == 4  # every third frame with the default interval
    assert entry["with_liveness_worker"]["scored"] == 1 and entry["detect_every_frame"]["fps"] > 0
    ac = r["after_capture_ms"]
    assert ac["frames"] == 2 and ac["total"] >= ac["total_portrait_precomputed"] >= ac["total_streamed"] > 0
    json.dumps(r)


def test_mesh_tracking_follows_head_turns_of_the_synthetic_subject(pipeline, store) -> None:  # type: ignore[no-untyped-def]
    from inference.synthetic import SyntheticSubject, action_script

    subject = SyntheticSubject.from_image(cv2.imread(str(store.asset_path("astronaut"))), pipeline.detector,
                                          pipeline.mesh)
    timing = {"move_s": 0.3, "hold_s": 0.2, "back_s": 0.3}
    script = action_script("turn_left", **timing) + action_script("turn_right", **timing)
    pipeline.reset()
    results = [(f, pipeline.process(f.image, f.t)) for f in subject.play(script)]
    assert {r.track_id for _, r in results} == {results[0][1].track_id}
    assert sum(r.detected for _, r in results) < len(results) / 2  # most frames tracked by the mesh alone
    for f, r in results:
        assert r.pose is not None and abs(r.pose.yaw - f.state.yaw) < 8.0, (f.t, r.pose, f.state.yaw)
    turned = [r for f, r in results if abs(f.state.yaw) >= 24]
    assert turned and all(not r.quality.get("yaw").passed for r in turned)  # type: ignore[union-attr]
    assert all(r.hints[0] == "Look straight at the camera" for r in turned)


class _CountingIris:
    """Wraps the iris runner to count its runs."""

    def __init__(self, runner) -> None:  # type: ignore[no-untyped-def]
        self.runner, self.calls = runner, 0

    def run1(self, x):  # type: ignore[no-untyped-def]
        self.calls += 1
        return self.runner.run1(x)


@pytest.mark.parametrize("both", [False, True])
def test_iris_refreshes_one_eye_per_tracked_frame_unless_configured(pipeline, frame, both) -> None:  # type: ignore[no-untyped-def]
    from inference.landmarks import FaceMesh

    counting = _CountingIris(pipeline.mesh.iris)
    p = FacePipeline(pipeline.detector, FaceMesh(pipeline.mesh.mesh, counting), None,  # type: ignore[arg-type]
                     PipelineConfig(detect_interval=3, iris_both_eyes=both))
    calls, eyes = [], []
    for k in range(6):
        before = counting.calls
        r = p.process(_shift(frame, 2 * k, k), k / 30)
        calls.append(counting.calls - before)
        eyes.append(r.landmarks.eyes)  # type: ignore[union-attr]
    # A new track measures both eyes; after that one eye per frame, alternating (or both when configured).
    assert calls == ([2] * 6 if both else [2, 1, 1, 1, 1, 1])
    # A carried eye follows the head: its iris centre stays near a fresh measurement on the same frame.
    fresh = p.mesh._eyes(_shift(frame, 10, 5), p._last.points)  # type: ignore[union-attr]
    for got, want in zip(eyes[-1], fresh):
        assert np.linalg.norm(got.iris[0] - want.iris[0]) < 2.0
    # A new customer (reset) measures both eyes again.
    before = counting.calls
    p.reset()
    p.process(frame, 1.0)
    assert counting.calls - before == 2


def test_carry_eye_moves_the_eye_with_its_corners() -> None:
    from inference.landmarks import EyeLandmarks, carry_eye

    rng = np.random.default_rng(3)
    before = rng.uniform(100, 300, (468, 3)).astype(np.float32)
    eye = EyeLandmarks(rng.uniform(100, 300, (5, 2)).astype(np.float32),
                       rng.uniform(100, 300, (71, 2)).astype(np.float32))
    angle, scale, shift = 0.2, 1.3, np.array([15.0, -7.0])
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    after = before.copy()
    after[:, :2] = before[:, :2] @ rot.T + shift
    for side in (0, 1):
        moved = carry_eye(eye, before, after, side)
        np.testing.assert_allclose(moved.iris, eye.iris @ rot.T + shift, atol=1e-3)
        np.testing.assert_allclose(moved.contour, eye.contour @ rot.T + shift, atol=1e-3)
