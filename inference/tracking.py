"""Keep one tracked face across camera frames (capture stage of ISO/IEC 30107-1's data capture subsystem).

The kiosk serves one customer at a time, so it follows one face: the detector's faces are associated with
the tracked one by box overlap (IoU) or, failing that, by a small shift of the box centre (fast motion
can drop IoU while the centre moves little relative to the face size). A track survives a few frames
without a match (a missed detection, a hand passing); after that it is lost, and the next face starts
a new track with a new id. The challenge engine requires one track id from start to end: a change of
id means a change of person. Faces much smaller than the largest are not counted (background faces);
the first frame in which a second comparable face appears is flagged.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from inference.detect import Face, primary_face
from inference.quality import count_faces


class TrackerConfig(BaseModel):
    """How detections are associated with the tracked face."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_iou: float = Field(default=0.3, ge=0, le=1, title="Minimum IoU",
                           description="Box overlap that continues the track.")
    max_centre_shift: float = Field(
        default=0.5, gt=0, title="Maximum centre shift",
        description="Largest move of the box centre between frames, in tracked box widths, that still continues the "
                    "track when IoU is too small (at 30 frames/s a head does not cross half its width per frame).")
    max_missed: int = Field(default=5, ge=0, le=100, title="Frames before lost",
                            description="Consecutive frames without a match before the track is declared lost.")
    min_relative_area: float = Field(
        default=0.25, gt=0, le=1, title="Counted face size",
        description="Faces smaller than this share of the largest face's area are not counted (background faces).")


@dataclass(frozen=True)
class TrackUpdate:
    """The tracker's state after one frame."""

    track_id: int | None
    face: Face | None  # the tracked face in this frame (None while missed or when there is no track)
    faces_count: int  # comparable faces in the last detection
    new_track: bool  # a new track started in this frame
    lost: bool  # the previous track was lost in this frame
    second_face: bool  # faces_count rose above one in this frame
    missed: int  # consecutive frames without a match

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the face as its box and score)."""
        return {"track_id": self.track_id, "faces_count": self.faces_count, "new_track": self.new_track,
                "lost": self.lost, "second_face": self.second_face, "missed": self.missed,
                "box": None if self.face is None else [round(v, 1) for v in self.face.box]}


def iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def centre_shift(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Distance between the box centres in widths of box ``a``."""
    d = np.hypot(a[0] + a[2] / 2 - b[0] - b[2] / 2, a[1] + a[3] / 2 - b[1] - b[3] / 2)
    return float(d / max(a[2], 1e-6))


class FaceTracker:
    """``update(faces, shape)`` after a detection, ``follow(face)`` on frames tracked by the mesh alone."""

    def __init__(self, config: TrackerConfig | None = None) -> None:
        self.config = config or TrackerConfig()
        self._ids = itertools.count(1)
        self._id: int | None = None
        self._box: tuple[float, float, float, float] | None = None
        self._missed = 0
        self._count = 0

    @property
    def track_id(self) -> int | None:
        """The current track's id (None without a track)."""
        return self._id

    @property
    def box(self) -> tuple[float, float, float, float] | None:
        """The tracked face's last known box."""
        return self._box

    def reset(self) -> None:
        """Forget the track (a new session starts)."""
        self._id, self._box, self._missed, self._count = None, None, 0, 0

    def _match(self, faces: Sequence[Face]) -> Face | None:
        assert self._box is not None
        cfg = self.config
        scored = [(iou(self._box, f.box), -centre_shift(self._box, f.box), f) for f in faces]
        if not scored:
            return None
        best = max(scored, key=lambda t: (t[0], t[1]))
        if best[0] >= cfg.min_iou:
            return best[2]
        nearest = max(scored, key=lambda t: t[1])
        return nearest[2] if -nearest[1] <= cfg.max_centre_shift else None

    def update(self, faces: Sequence[Face], image_shape: tuple[int, ...]) -> TrackUpdate:
        """Associate this frame's detections with the track (starting, keeping or losing it)."""
        count = count_faces(faces, self.config.min_relative_area)
        second = count > 1 and self._count <= 1
        self._count = count
        new = lost = False
        face: Face | None = None
        if self._id is not None:
            face = self._match(faces)
            if face is None:
                self._missed += 1
                if self._missed > self.config.max_missed:
                    lost = True
                    self._id, self._box = None, None
        if self._id is None:
            face = primary_face(list(faces), image_shape)
            if face is not None:
                self._id, new = next(self._ids), True
        if face is not None:
            self._box, self._missed = face.box, 0
        return TrackUpdate(self._id, face, count, new, lost, second, self._missed)

    def follow(self, face: Face) -> TrackUpdate:
        """Continue the track with a face located without the detector (from the previous frame's mesh)."""
        if self._id is None:
            raise ValueError("follow() needs a track; call update() with detections first")
        self._box, self._missed = face.box, 0
        return TrackUpdate(self._id, face, self._count, False, False, False, 0)

    def miss(self) -> TrackUpdate:
        """Record a frame in which the tracked face could not be followed (the mesh lost it)."""
        return self.update([], (1, 1))
