"""Motion planarity: is the face that moved a flat thing (photo, photo on a screen) or a 3D head? (issue 4, item 4)

Every point of a plane moves between two views by one homography, however the plane is tilted, slid
or brought closer; a head turning in 3D shows parallax (the nose tip moves across the cheeks), which no
homography explains. So for each frame with enough motion we fit one homography (least squares) from
a reference frame's points to the frame's points and measure the RMS residual in units of the
inter-eye distance. Only rigid upper-face points take part (not the lids, brows, lips or the jaw,
which move when the customer blinks or speaks). A similarity and an affine fit are made beside it: a
frame whose points did not deform beyond a similarity (and whose pose did not change) carries no
information either way and is not used.

Two numbers decide, over the informative frames: ``score``, the median homography residual, and
``unexplained``, the median of (homography residual / similarity residual), the share of the
deformation that no plane explains. Planar needs both below their thresholds (0.02 and 0.45).
Measured through the real mesh model (upper-face points; ``tests/inference/test_planarity.py`` and a
replay of the 12 clips in ../shared/data/video/live):
  printed photo (simulator; card 0.5-1.4 frame widths, tilted up to 25 deg, slid, 20% nearer/farther):
      score 0.005-0.010, unexplained 0.23-0.37;
  synthetic head turning/nodding 18-25 deg: score ~0.039, unexplained ~0.56;
  real people in the live clips (talking, small head turns): score 0.012-0.029, unexplained 0.55-0.83
      (every clip non-planar; on score alone five of them would have read as planar, so the ratio matters).

What this does NOT catch: a video of a real head replayed on a screen (the depicted head really turns;
the random active challenge is what defeats replays), or a photo bent into a curve (no longer planar).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from inference.errors import InferenceError
from inference.pose import HeadPose

_EYES = (33, 263)  # outer eye corners, for the inter-eye distance
# Points that move without the head moving (eyelids, brows, lips: MediaPipe FACEMESH_* sets) are left
# out, so a blink, a frown or speech neither adds nor hides parallax (and a photo with cut-out eyes
# behind which someone blinks stays planar).
_NON_RIGID = frozenset((
    33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173,
    263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398,
    46, 53, 52, 65, 55, 70, 63, 105, 66, 107, 276, 283, 282, 295, 285, 300, 293, 334, 296, 336,
    61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409,
    78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415))
RIGID_POINTS = tuple(i for i in range(468) if i not in _NON_RIGID)
_NOSE_BASE = 2  # subnasale: the jaw hangs below it and moves when the customer speaks


def upper_face_points(points: np.ndarray) -> np.ndarray:
    """Indices of rigid mesh points above the nose base (forehead, temples, eye region, nose, upper
    cheeks): they move only with the head, not with the jaw, lids, brows or lips. Chosen per face from
    ``points`` (468, 2+), along the face's own vertical axis, so head roll does not matter."""
    p = np.asarray(points, np.float64)[:, :2]
    eyes = (p[33] + p[263]) / 2
    mouth = (p[61] + p[291]) / 2
    axis = mouth - eyes
    norm = float(np.linalg.norm(axis))
    if norm < 1e-6:
        return np.array(RIGID_POINTS)
    axis /= norm
    rigid = np.array(RIGID_POINTS)
    depth = (p[rigid] - eyes) @ axis
    chosen: np.ndarray = rigid[depth <= float((p[_NOSE_BASE] - eyes) @ axis)]
    return chosen


class PlanarityError(InferenceError):
    """Landmarks of the wrong shape were given to the planarity test."""


class PlanarityConfig(BaseModel):
    """Thresholds of the motion-planarity test (residuals in inter-eye distances)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float = Field(default=0.02, gt=0, description="Median homography RMS residual (fraction of the inter-eye "
                             "distance) below which the motion can be called planar; see the module docstring.")
    unexplained_threshold: float = Field(default=0.45, gt=0, le=1, description="Median share of the non-similarity "
                                         "deformation that the homography leaves unexplained, below which the motion "
                                         "can be called planar. Planar needs both this and 'threshold'.")
    min_yaw_change: float = Field(default=10.0, gt=0, description="Yaw change from the reference (degrees) that makes a "
                                  "frame informative.")
    min_pitch_change: float = Field(default=10.0, gt=0, description="Pitch change that makes a frame informative.")
    min_deformation: float = Field(default=0.015, gt=0, description="Similarity-fit RMS residual (fraction of IED) that "
                                   "makes a frame informative even without a pose change (a tilted card).")
    min_frames: int = Field(default=3, ge=1, description="Informative frames needed for a verdict.")
    max_frames: int = Field(default=900, ge=10, description="Frames kept (30 s at 30 fps); later frames are ignored.")
    max_fits: int = Field(default=48, ge=4, le=1000, description="At most this many frames, evenly spaced over the "
                          "session, are fitted at the end: the verdict is a median, and the after-capture cost "
                          "must not grow with how long the customer took (about 0.5 ms a frame).")
    max_evidence_frames: int = Field(default=30, ge=1, description="Per-frame evidence rows kept in the result.")


@dataclass(frozen=True)
class FrameFit:
    """Residuals of one informative frame against the reference (fractions of the inter-eye distance)."""

    index: int
    yaw_change: float
    pitch_change: float
    similarity_rms: float
    affine_rms: float
    homography_rms: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return {"index": self.index, "yaw_change": self.yaw_change, "pitch_change": self.pitch_change,
                "similarity_rms": self.similarity_rms, "affine_rms": self.affine_rms,
                "homography_rms": self.homography_rms}


@dataclass(frozen=True)
class PlanarityResult:
    """``planar`` is True (flat), False (3D) or None (not enough informative motion). ``score`` is the median
    homography residual over informative frames and ``unexplained`` the median share of each frame's
    non-similarity deformation the homography leaves (higher = more 3D, for both)."""

    planar: bool | None
    score: float | None
    unexplained: float | None
    threshold: float
    unexplained_threshold: float
    frames_observed: int
    frames_used: int
    reference_index: int | None
    fits: tuple[FrameFit, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return {"planar": self.planar, "score": self.score, "unexplained": self.unexplained,
                "threshold": self.threshold, "unexplained_threshold": self.unexplained_threshold,
                "frames_observed": self.frames_observed, "frames_used": self.frames_used,
                "reference_index": self.reference_index, "fits": [f.to_dict() for f in self.fits]}


def _rms(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.sum((a - b) ** 2, axis=1))))


def fit_residuals(ref: np.ndarray, pts: np.ndarray) -> tuple[float, float, float]:
    """RMS residuals (pixels) of the least-squares similarity, affine and homography fits ref -> pts."""
    import cv2

    a = np.asarray(ref, np.float64)
    b = np.asarray(pts, np.float64)
    sim, _ = cv2.estimateAffinePartial2D(a, b, method=cv2.LMEDS)
    aff = np.linalg.lstsq(np.column_stack([a, np.ones(len(a))]), b, rcond=None)[0]  # least squares, (3, 2)
    hom, _ = cv2.findHomography(a, b, 0)
    r_sim = _rms(a @ sim[:, :2].T + sim[:, 2], b) if sim is not None else float("inf")
    r_aff = _rms(np.column_stack([a, np.ones(len(a))]) @ aff, b)
    r_hom = _rms(cv2.perspectiveTransform(a[None], hom)[0], b) if hom is not None else float("inf")
    return r_sim, r_aff, r_hom


class PlanarityChecker:
    """Collect mesh points (and pose) per frame with ``observe``; ``result()`` gives the verdict.

    The reference is the frame whose pose is closest to the median pose of all observed frames (the
    customer's frontal pose), so the test does not depend on which frame came first.
    """

    def __init__(self, config: PlanarityConfig | None = None) -> None:
        self.config = config or PlanarityConfig()
        self._points: list[np.ndarray] = []
        self._poses: list[tuple[float, float]] = []
        self._indices: list[int] = []
        self._count = 0

    def observe(self, points: np.ndarray, pose: HeadPose, index: int | None = None) -> None:
        """Add one frame's mesh points ((468, 2+) image pixels) and head pose; ``index`` labels the frame
        in the evidence (defaults to the number of frames observed before)."""
        p = np.asarray(points, np.float64)
        if p.ndim != 2 or p.shape[0] < 468 or p.shape[1] < 2 or not np.all(np.isfinite(p[:468, :2])):
            raise PlanarityError(f"expected finite mesh points of shape (468, 2 or 3), got {p.shape}")
        idx = self._count if index is None else index
        self._count += 1
        if len(self._points) >= self.config.max_frames or not (np.isfinite(pose.yaw) and np.isfinite(pose.pitch)):
            return
        self._points.append(p[:468, :2].copy())
        self._poses.append((pose.yaw, pose.pitch))
        self._indices.append(idx)

    def result(self) -> PlanarityResult:
        """Verdict over the frames seen so far."""
        cfg = self.config
        if not self._points:
            return PlanarityResult(None, None, None, cfg.threshold, cfg.unexplained_threshold, self._count, 0, None, ())
        poses = np.array(self._poses)
        med = np.median(poses, axis=0)
        r = int(np.argmin(np.abs(poses - med).sum(axis=1)))
        ref = self._points[r]
        ied = float(np.linalg.norm(ref[_EYES[0]] - ref[_EYES[1]]))
        if ied < 1.0:
            return PlanarityResult(None, None, None, cfg.threshold, cfg.unexplained_threshold, self._count, 0,
                                   self._indices[r], ())
        rigid = upper_face_points(ref)
        fits = []
        others = [k for k in range(len(self._points)) if k != r]
        if len(others) > cfg.max_fits:
            others = [others[int(i)] for i in np.linspace(0, len(others) - 1, cfg.max_fits)]
        for k in others:
            pts = self._points[k]
            dy, dp = poses[k] - poses[r]
            r_sim, r_aff, r_hom = (v / ied for v in fit_residuals(ref[rigid], pts[rigid]))
            if abs(dy) >= cfg.min_yaw_change or abs(dp) >= cfg.min_pitch_change or r_sim >= cfg.min_deformation:
                fits.append(FrameFit(self._indices[k], float(dy), float(dp), r_sim, r_aff, r_hom))
        if len(fits) < cfg.min_frames:
            return PlanarityResult(None, None, None, cfg.threshold, cfg.unexplained_threshold, self._count, len(fits),
                                   self._indices[r], tuple(fits[: cfg.max_evidence_frames]))
        score = float(np.median([f.homography_rms for f in fits]))
        unexplained = float(np.median([f.homography_rms / max(f.similarity_rms, 1e-9) for f in fits]))
        # A head has to fail only one of the two tests; a flat object must pass both.
        planar = score < cfg.threshold and unexplained < cfg.unexplained_threshold
        # Keep the most telling rows: the largest deformations.
        shown = sorted(fits, key=lambda f: -f.similarity_rms)[: cfg.max_evidence_frames]
        return PlanarityResult(planar, score, unexplained, cfg.threshold, cfg.unexplained_threshold, self._count,
                               len(fits), self._indices[r], tuple(sorted(shown, key=lambda f: f.index)))
