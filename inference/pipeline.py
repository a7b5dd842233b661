"""The per-frame face pipeline: detect, track one face, mesh + iris, head pose, quality, guidance hints.

Cost on this 2-core machine (OpenVINO EP, 640x480, medians per run; ``kiosk bench pipeline`` reports
them): YuNet at the frame's native size is the dearest stage (8-12 ms), the mesh about 2 ms, iris about
3 ms for both eyes, pose 0.4 ms, quality 2.6 ms. Measured on the 12 live clips: 49 frames/s with the
detector on every frame, 92 frames/s (passes 80-99) with the default interval of 3, on a machine shared
with other work. So the detector runs only every ``detect_interval`` frames; on
the frames between, the face box comes from the previous frame's mesh (MediaPipe's own face pipeline
does the same: the landmark model tracks, the detector re-acquires). The detector also runs at once
when the mesh's face-presence score drops (the face moved out of the crop, or was covered), so a lost
face is re-acquired in the same frame. Counting faces (a second person) therefore lags by at most
``detect_interval - 1`` frames (67 ms at 30 frames/s with the default of 3).
Mesh-derived box: on NUAA and LFW faces the mesh's bounding box is 1.00-1.03x the YuNet box's width and
0.90-0.94x its height, centred 4-5% of the height lower; the conversion below undoes that so the mesh
crop (1.5x the box) stays the same whether the box came from the detector or from the mesh.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from inference.config import RuntimeConfig
from inference.detect import Face, FaceDetector
from inference.image import check_bgr
from inference.landmarks import EYE_CORNERS, EyeLandmarks, FaceLandmarks, FaceMesh, carry_eye
from inference.pose import HeadPose, head_pose
from inference.quality import HINTS, QualityConfig, QualityReport, assess, no_face_report
from inference.tracking import FaceTracker, TrackerConfig, TrackUpdate

log = logging.getLogger(__name__)

# Mesh bounding box -> YuNet-like box (measured; see the module docstring).
_MESH_W_RATIO, _MESH_H_RATIO, _MESH_CY_SHIFT = 1.02, 0.92, 0.047


class PipelineConfig(BaseModel):
    """How the frame pipeline spends its time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    detect_interval: int = Field(
        default=3, ge=1, le=30, title="Detector interval",
        description="Run the detector on every n-th frame; between, the mesh tracks the face. 1 = every frame.")
    min_track_score: float = Field(
        default=0.5, ge=0, le=1, title="Mesh tracking score",
        description="Mesh face-presence score below which a mesh-tracked frame is re-detected at once.")
    with_iris: bool = Field(default=True, title="Iris landmarks",
                            description="Run the iris model (eye contours for blinks, iris centres).")
    iris_both_eyes: bool = Field(
        default=False, title="Iris on both eyes every frame",
        description="Run the iris model on both eyes on every frame (twice its cost). Off: while a face is "
                    "tracked, one eye per frame, alternating; the other eye is carried from the frame before "
                    "with the mesh's eye corners (a blink's end is seen at most one frame later).")
    tracker: TrackerConfig = Field(default_factory=TrackerConfig, title="Tracker", description="Face association.")


@dataclass(frozen=True)
class FrameAnalysis:
    """Everything the pipeline learnt from one frame."""

    timestamp: float
    frame_size: tuple[int, int]  # width, height
    face: Face | None
    faces_count: int
    track: TrackUpdate
    detected: bool  # the detector ran on this frame
    landmarks: FaceLandmarks | None
    pose: HeadPose | None
    quality: QualityReport
    stages_ms: dict[str, float] = field(default_factory=dict)

    @property
    def track_id(self) -> int | None:
        """Id of the tracked face (changes when the person changes)."""
        return self.track.track_id

    @property
    def hints(self) -> tuple[str, ...]:
        """Guidance for the customer, most important first (empty when the frame is good)."""
        return self.quality.hints

    @property
    def good(self) -> bool:
        """True when one face is tracked and every quality measure passed."""
        return self.face is not None and self.quality.passed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no pixels, no mesh points)."""
        return {
            "timestamp": self.timestamp, "frame_size": list(self.frame_size), "faces_count": self.faces_count,
            "track": self.track.to_dict(), "detected": self.detected,
            "face": None if self.face is None else {"box": [round(v, 1) for v in self.face.box],
                                                    "score": round(self.face.score, 4)},
            "pose": None if self.pose is None else {k: (round(v, 2) if np.isfinite(v) else None)
                                                    for k, v in vars(self.pose).items()},
            "quality": self.quality.to_dict(), "hints": list(self.hints),
            "stages_ms": {k: round(v, 3) for k, v in self.stages_ms.items()},
        }


def face_from_mesh(landmarks: FaceLandmarks, score: float | None = None) -> Face:
    """A detector-like face (box and five points) made from mesh landmarks, for the next frame's crop."""
    pts = landmarks.points[:, :2]
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    w, h = (x1 - x0) / _MESH_W_RATIO, (y1 - y0) / _MESH_H_RATIO
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2 - _MESH_CY_SHIFT * h
    if landmarks.eyes is not None:
        eyes = [e.iris[0] for e in landmarks.eyes]
    else:
        eyes = [(pts[a] + pts[b]) / 2 for a, b in EYE_CORNERS]
    five = np.array([eyes[0], eyes[1], pts[1], pts[61], pts[291]], np.float32)
    return Face((float(cx - w / 2), float(cy - h / 2), float(w), float(h)), five,
                float(landmarks.face_score if score is None else score))


class FacePipeline:
    """``process(frame_bgr, timestamp) -> FrameAnalysis``; one instance per camera (it keeps the track)."""

    def __init__(self, detector: FaceDetector, mesh: FaceMesh, quality: QualityConfig | None = None,
                 config: PipelineConfig | None = None) -> None:
        self.detector = detector
        self.mesh = mesh
        self.quality_config = quality or QualityConfig()
        self.config = config or PipelineConfig()
        self.tracker = FaceTracker(self.config.tracker)
        self._since_detect = 0
        self._last: FaceLandmarks | None = None
        self._last_track: int | None = None
        self._eye_turn = 0

    @classmethod
    def from_config(cls, runtime: RuntimeConfig, quality: QualityConfig | None = None,
                    config: PipelineConfig | None = None, store: Any = None) -> FacePipeline:
        """Load YuNet, the face mesh and iris with ``runtime``'s provider (``store``: a ``models.store.ModelStore``)."""
        from inference.loader import load_runner

        config = config or PipelineConfig()
        per_frame = runtime.model_copy(update={"intra_op_threads": runtime.landmark_threads})
        iris = load_runner("iris", per_frame, store=store) if config.with_iris else None
        return cls(FaceDetector(load_runner("yunet", runtime, store=store)),
                   FaceMesh(load_runner("face_mesh", per_frame, store=store), iris), quality, config)

    def warm_up(self, frame_size: tuple[int, int] = (640, 480), runs: int = 2) -> float:
        """Run the detector at the camera's frame size (its input size is dynamic: the first run at a new size
        compiles) and the whole pipeline on a blank frame; returns seconds. The track is reset afterwards."""
        start = time.perf_counter()
        w, h = frame_size
        blank = np.full((h, w, 3), 128, np.uint8)
        for _ in range(runs):
            self.detector.detect(blank)
            self.process(blank, 0.0)
        self.reset()
        return time.perf_counter() - start

    def reset(self) -> None:
        """Forget the tracked face (a new customer)."""
        self.tracker.reset()
        self._since_detect = 0
        self._last = None
        self._last_track = None

    def _landmarks(self, frame: np.ndarray, face: Face, stages: dict[str, float]) -> FaceLandmarks:
        t = time.perf_counter()
        lm = self.mesh.landmarks(frame, face, with_iris=False)
        stages["mesh"] = stages.get("mesh", 0.0) + (time.perf_counter() - t) * 1000
        return lm

    def _eyes(self, frame: np.ndarray, points: np.ndarray, track_id: int | None) -> tuple[EyeLandmarks, EyeLandmarks]:
        """Both eyes: fresh on a new track (or when configured), else one fresh and one carried."""
        last = self._last
        if (self.config.iris_both_eyes or last is None or last.eyes is None or track_id is None
                or track_id != self._last_track):
            return self.mesh.eye(frame, points, 0), self.mesh.eye(frame, points, 1)
        side = self._eye_turn = 1 - self._eye_turn
        fresh = self.mesh.eye(frame, points, side)
        carried = carry_eye(last.eyes[1 - side], last.points, points, 1 - side)
        return (fresh, carried) if side == 0 else (carried, fresh)

    def process(self, frame: np.ndarray, timestamp: float) -> FrameAnalysis:
        """Analyse one BGR frame taken at ``timestamp`` (seconds, monotonic)."""
        frame = check_bgr(frame)
        h, w = frame.shape[:2]
        stages: dict[str, float] = {}
        t_all = time.perf_counter()
        landmarks: FaceLandmarks | None = None
        detected = False
        track: TrackUpdate | None = None
        face: Face | None = None
        # Mesh tracking between detections.
        if (self._last is not None and self.tracker.track_id is not None
                and self._since_detect < self.config.detect_interval - 1):
            guess = face_from_mesh(self._last)
            lm = self._landmarks(frame, guess, stages)
            if lm.face_score >= self.config.min_track_score:
                face, landmarks = face_from_mesh(lm), lm
                track = self.tracker.follow(face)
                self._since_detect += 1
        if track is None:
            t = time.perf_counter()
            faces = self.detector.detect(frame)
            stages["detect"] = (time.perf_counter() - t) * 1000
            detected = True
            self._since_detect = 0
            track = self.tracker.update(faces, frame.shape)
            face = track.face
            if face is not None:
                landmarks = self._landmarks(frame, face, stages)
        pose = None
        if face is not None and landmarks is not None:
            if self.config.with_iris and self.mesh.iris is not None:
                t = time.perf_counter()
                eyes = self._eyes(frame, landmarks.points, track.track_id)
                landmarks = FaceLandmarks(landmarks.points, landmarks.face_score, eyes)
                stages["iris"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            pose = head_pose(landmarks.points, (w, h))
            stages["pose"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            report = assess(frame, face, landmarks, self.quality_config, faces_count=track.faces_count, pose=pose)
            stages["quality"] = (time.perf_counter() - t) * 1000
            self._last, self._last_track = landmarks, track.track_id
        else:
            report = no_face_report(track.faces_count)
            self._last, self._last_track = None, None
        stages["total"] = (time.perf_counter() - t_all) * 1000
        return FrameAnalysis(float(timestamp), (w, h), face, track.faces_count, track, detected, landmarks, pose,
                             report, stages)


__all__ = ["FacePipeline", "FrameAnalysis", "PipelineConfig", "face_from_mesh", "HINTS"]
