"""Screen-flash colour challenge (issue 4, item 6; DESIGN.md section 1, step 6).

The kiosk owns its screen: it shows a random sequence of colours (drawn with ``secrets``: colour and
duration of each segment) and the camera watches the face. Light from the screen reaches a face at
arm's length far more than the room behind it, so the face's chromaticity, taken relative to the
background's, follows the sequence with a short delay (display + camera latency). A replayed video or
a photo lit by its own light does not follow a sequence drawn after it was made.

Per frame we take the mean colour of the skin (face oval from the mesh, without eyes, brows and mouth)
and of the background (everything outside 1.4x the face's bounding box), turn each into two opponent
chromaticities, O1 = (R - G) / S and O2 = (R + G - 2B) / (2S) with S = R + G + B (brightness cancels,
so auto-exposure does not matter), and subtract the background's (a global white-balance drift
cancels). The expected signal is the displayed colour's O1/O2. For each lag in [0, max_lag] we
correlate observed with expected per axis (Pearson), average the axes weighted by how much the
sequence varies on each, and keep the best lag. Pass when that correlation reaches the threshold.

With N segments the correlation of an unrelated signal has a spread of about 1/sqrt(2N) (each segment
is one independent sample per axis). Measured on three live clips (../shared/data/video/live, 5 s each)
whose skin was lit by a random 12-segment sequence at 5% strength: the shown sequence correlated at
0.86-0.94; the unlit clips at -0.09..0.38; 2,700 other random sequences against the lit clips at median
0.10, 99th percentile 0.42, maximum 0.63. With 10 segments and a 0.6 threshold, 0.22% of the other
sequences passed, hence the defaults of 12 segments and 0.7.
"""
from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from inference.errors import InferenceError

PALETTE: dict[str, tuple[float, float, float]] = {
    "red": (1.0, 0.0, 0.0), "green": (0.0, 1.0, 0.0), "blue": (0.0, 0.0, 1.0), "yellow": (1.0, 1.0, 0.0),
    "cyan": (0.0, 1.0, 1.0), "magenta": (1.0, 0.0, 1.0), "white": (1.0, 1.0, 1.0),
}
# Face oval, eyes with brows, and lips (MediaPipe mesh indices), for the skin mask.
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
             152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
_EXCLUDE = (
    (70, 63, 105, 66, 107, 55, 193, 245, 128, 121, 120, 119, 118, 117, 111, 143, 156),  # image-left eye + brow
    (300, 293, 334, 296, 336, 285, 417, 465, 357, 350, 349, 348, 347, 346, 340, 372, 383),  # image-right
    (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146),  # lips
)


class FlashError(InferenceError):
    """Bad input to the flash challenge (unknown colour, malformed sequence or landmarks)."""


class FlashConfig(BaseModel):
    """Colours, timing and thresholds of the screen-flash challenge."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    colours: tuple[str, ...] = Field(default=("red", "green", "blue", "yellow", "cyan", "magenta"), min_length=2,
                                     description=f"Screen colours to draw from; names in {sorted(PALETTE)}.")
    segments: int = Field(default=12, ge=4, le=40, description="Colour segments in a sequence (more = less chance agreement).")
    segment_min_s: float = Field(default=0.25, gt=0.05, description="Shortest segment (s); several camera frames each.")
    segment_max_s: float = Field(default=0.40, gt=0.05, description="Longest segment (s); durations are random too.")
    max_lag_s: float = Field(default=0.30, ge=0, description="Largest display-to-camera delay searched (s).")
    lag_step_s: float = Field(default=1 / 60, gt=0, description="Lag search step (s).")
    min_correlation: float = Field(default=0.7, gt=0, le=1, description="Correlation with the shown sequence needed to pass.")
    min_frames: int = Field(default=20, ge=4, description="Frames with a face inside the sequence needed for a verdict.")

    @field_validator("colours")
    @classmethod
    def _known(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [c for c in v if c not in PALETTE]
        if unknown:
            raise ValueError(f"unknown colours {unknown}; known: {sorted(PALETTE)}")
        return v


def _opponent(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) RGB -> (..., 2) opponent chromaticities O1, O2 (brightness-free)."""
    rgb = np.asarray(rgb, np.float64)
    s = np.maximum(rgb.sum(axis=-1), 1e-9)
    return np.stack([(rgb[..., 0] - rgb[..., 1]) / s, (rgb[..., 0] + rgb[..., 1] - 2 * rgb[..., 2]) / (2 * s)], axis=-1)


@dataclass(frozen=True)
class FlashSegment:
    """One colour shown from ``start_s`` for ``duration_s`` seconds (relative to the sequence start)."""

    colour: str
    start_s: float
    duration_s: float

    @property
    def rgb(self) -> tuple[float, float, float]:
        """The colour as RGB in [0, 1]."""
        return PALETTE[self.colour]


@dataclass(frozen=True)
class FlashSequence:
    """The colours the UI shows, back to back from time 0 of the sequence."""

    segments: tuple[FlashSegment, ...]

    @classmethod
    def of(cls, colours: list[str] | tuple[str, ...], durations: list[float] | tuple[float, ...]) -> FlashSequence:
        """A fixed sequence (scripted tests and recordings)."""
        if len(colours) != len(durations) or not colours:
            raise FlashError("a flash sequence needs one duration per colour, and at least one colour")
        if any(c not in PALETTE for c in colours) or any(not (d > 0) for d in durations):
            raise FlashError(f"flash colours must be in {sorted(PALETTE)} and durations positive")
        t, segs = 0.0, []
        for c, d in zip(colours, durations):
            segs.append(FlashSegment(c, t, float(d)))
            t += float(d)
        return cls(tuple(segs))

    @property
    def total_s(self) -> float:
        """Length of the sequence in seconds."""
        return self.segments[-1].start_s + self.segments[-1].duration_s

    def colour_at(self, t: float) -> tuple[float, float, float] | None:
        """RGB shown ``t`` seconds after the sequence start (None outside it)."""
        for s in self.segments:
            if s.start_s <= t < s.start_s + s.duration_s:
                return s.rgb
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return {"segments": [{"colour": s.colour, "start_s": s.start_s, "duration_s": s.duration_s}
                             for s in self.segments]}


def draw_sequence(config: FlashConfig | None = None, rng: random.Random | None = None) -> FlashSequence:
    """A random sequence: no colour twice in a row, random durations within the config.

    Drawn with ``secrets`` (what the kiosk uses: an attacker must not predict it); ``rng`` is for
    evaluations that must be repeatable.
    """
    cfg = config or FlashConfig()
    rnd = rng or secrets.SystemRandom()
    colours: list[str] = []
    for _ in range(cfg.segments):
        choices = [c for c in cfg.colours if not colours or c != colours[-1]]
        colours.append(choices[rnd.randrange(len(choices))])
    durations = [rnd.uniform(cfg.segment_min_s, max(cfg.segment_min_s, cfg.segment_max_s)) for _ in colours]
    return FlashSequence.of(colours, durations)


@dataclass(frozen=True)
class FlashSample:
    """Mean BGR of the skin and of the background in one frame, at time ``t`` (s)."""

    t: float
    face_bgr: tuple[float, float, float]
    background_bgr: tuple[float, float, float]


def skin_mask(points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """uint8 mask (h, w): the face oval without eyes, brows and lips, from 468 mesh points."""
    import cv2

    p = np.asarray(points, np.float64)
    if p.ndim != 2 or p.shape[0] < 468 or p.shape[1] < 2 or not np.all(np.isfinite(p[:468, :2])):
        raise FlashError(f"expected finite mesh points of shape (468, 2 or 3), got {p.shape}")
    w, h = size
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.round(p[list(FACE_OVAL), :2]).astype(np.int32)], 1)
    for region in _EXCLUDE:
        hull = cv2.convexHull(np.round(p[list(region), :2]).astype(np.int32))
        cv2.fillConvexPoly(mask, hull, 0)
    return mask


def sample_frame(t: float, image: np.ndarray, points: np.ndarray) -> FlashSample:
    """Skin and background colour of one BGR frame, given the face's mesh points."""
    from inference.image import check_bgr

    image = check_bgr(image)
    h, w = image.shape[:2]
    mask = skin_mask(points, (w, h)).astype(bool)
    if not mask.any():
        raise FlashError("the face's skin region is empty (face outside the frame?)")
    p = np.asarray(points, np.float64)[:468, :2]
    (x0, y0), (x1, y1) = p.min(axis=0), p.max(axis=0)
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, 0.7 * (x1 - x0), 0.7 * (y1 - y0)
    bg = np.ones((h, w), bool)
    bg[max(0, int(cy - hh)):max(0, int(cy + hh)), max(0, int(cx - hw)):max(0, int(cx + hw))] = False
    bg[::2] = False  # every other row is plenty for a mean, and halves the work
    face = image[mask].mean(axis=0)
    back = image[bg].mean(axis=0) if bg.any() else np.full(3, np.nan)
    return FlashSample(float(t), tuple(float(v) for v in face), tuple(float(v) for v in back))  # type: ignore[arg-type]


@dataclass(frozen=True)
class FlashResult:
    """``passed`` when the face's colour followed the shown sequence; best correlation, its lag, evidence."""

    passed: bool
    reason: str | None
    correlation: float | None
    lag_s: float | None
    axis_correlation: tuple[float, float] | None
    frames_used: int
    threshold: float
    sequence: FlashSequence

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return {"passed": self.passed, "reason": self.reason, "correlation": self.correlation, "lag_s": self.lag_s,
                "axis_correlation": list(self.axis_correlation) if self.axis_correlation else None,
                "frames_used": self.frames_used, "threshold": self.threshold, "sequence": self.sequence.to_dict()}


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    x, y = x - x.mean(), y - y.mean()
    d = math.sqrt(float((x * x).sum() * (y * y).sum()))
    return float((x * y).sum() / d) if d > 0 else 0.0


def correlate(samples: list[FlashSample], sequence: FlashSequence, t0: float,
              config: FlashConfig | None = None) -> FlashResult:
    """Compare per-frame samples with ``sequence`` shown from time ``t0`` (same clock as the samples)."""
    cfg = config or FlashConfig()
    ts = np.array([s.t for s in samples], np.float64)
    if len(samples):
        face = _opponent(np.array([s.face_bgr for s in samples])[:, ::-1])
        back = _opponent(np.array([s.background_bgr for s in samples])[:, ::-1])
        back = np.where(np.isfinite(back), back, 0.0)
        obs = face - back
    best: tuple[float, float, tuple[float, float], int] | None = None
    n_lags = int(round(cfg.max_lag_s / cfg.lag_step_s)) + 1
    for k in range(n_lags):
        lag = k * cfg.lag_step_s
        rel = ts - t0 - lag
        inside = (rel >= 0) & (rel < sequence.total_s)
        if inside.sum() < cfg.min_frames:
            continue
        exp = _opponent(np.array([sequence.colour_at(float(r)) for r in rel[inside]]))
        x = obs[inside]
        weights = exp.std(axis=0)
        if weights.sum() <= 0:
            continue
        per_axis = tuple(_pearson(x[:, a], exp[:, a]) if weights[a] > 0 else 0.0 for a in range(2))
        corr = float((weights * np.array(per_axis)).sum() / weights.sum())
        if best is None or corr > best[0]:
            best = (corr, lag, per_axis, int(inside.sum()))  # type: ignore[assignment]
    if best is None:
        return FlashResult(False, "TOO_FEW_FRAMES", None, None, None, 0, cfg.min_correlation, sequence)
    corr, lag, per_axis, used = best
    passed = corr >= cfg.min_correlation
    return FlashResult(passed, None if passed else "NO_COLOUR_RESPONSE", corr, lag, per_axis, used,
                       cfg.min_correlation, sequence)


class FlashChecker:
    """Feed frames while the sequence plays (``observe``); ``result()`` correlates them with it."""

    def __init__(self, sequence: FlashSequence, t0: float, config: FlashConfig | None = None) -> None:
        self.sequence = sequence
        self.t0 = t0
        self.config = config or FlashConfig()
        self.samples: list[FlashSample] = []

    def observe(self, t: float, image: np.ndarray, points: np.ndarray) -> None:
        """Sample one frame (BGR image and the face's mesh points); frames outside the window are skipped."""
        if self.t0 <= t <= self.t0 + self.sequence.total_s + self.config.max_lag_s:
            self.samples.append(sample_frame(t, image, points))

    def result(self) -> FlashResult:
        """The verdict over the frames observed."""
        return correlate(self.samples, self.sequence, self.t0, self.config)
