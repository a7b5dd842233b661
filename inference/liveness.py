"""Passive liveness on several good frames: FaceAntiSpoofing + cue features, fused (ISO/IEC 30107-1 PAD).

Per frame: the FaceAntiSpoofing score of the face (``inference.antispoof``) and the cue features of
``inference.pad.features``; a fusion model (``inference.pad.model``, trained per site with
``kiosk pad train``) turns them into an attack probability. Without a configured model the kiosk uses
the FaceAntiSpoofing score alone and says so in the evidence (``method`` = ``antispoof_only``).

Aggregation over frames is the **median** of the per-frame scores (configurable). Why: the frames of
one presentation share one instrument (print, screen or face), so their scores should agree; what varies
is per-frame noise (motion blur, a blink, a glare flash). The median ignores a minority of outlier frames
in either direction: one lucky frame cannot make an attack pass (as ``min`` would), and one blurred frame
cannot reject a genuine user (as ``max`` would); the mean is pulled by a single saturated frame. ``max``
is offered for sites that prefer security over convenience. Every per-frame score is kept in the evidence.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from inference.antispoof import AntiSpoof
from inference.detect import Face
from inference.errors import NoFaceError
from inference.pad.features import FEATURE_VERSION, PadFeatures, cue_features
from inference.pad.model import PadModel, PadModelError, load_model

# The FaceAntiSpoofing origin app's threshold. Measured here it is far from good on other cameras
# (../shared/DESIGN.md: 87% of NUAA live frames rejected), which is why a site fusion model exists.
ANTISPOOF_DEFAULT_THRESHOLD = 0.2


class LivenessConfig(BaseModel):
    """Passive-liveness settings (the fusion model and the operating point)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_path: Path | None = Field(
        default=None, title="Fusion model",
        description="JSON file written by 'kiosk pad train'. None: FaceAntiSpoofing alone (the evidence says so).")
    threshold: float | None = Field(
        default=None, ge=0.0, le=1.0, title="Attack threshold",
        description="Aggregated scores at or above it are attacks. None: the model's own threshold (chosen on its "
                    "training data), or 0.2 (FaceAntiSpoofing's origin app) without a model.")
    aggregate: Literal["median", "mean", "max"] = Field(
        default="median", title="Frame aggregation",
        description="How per-frame attack scores combine: median (robust to outlier frames; default), mean, or "
                    "max (strictest: the worst frame decides).")
    max_frames: int = Field(
        default=3, ge=1, le=30, title="Frames scored",
        description="At most this many good frames are scored (FaceAntiSpoofing costs ~30-130 ms a frame here).")


@dataclass(frozen=True)
class PassiveResult:
    """Passive-liveness evidence of one presentation (scores: higher = attack)."""

    score: float
    threshold: float
    is_attack: bool
    method: Literal["fusion", "antispoof_only"]
    aggregate: str
    frame_scores: tuple[float, ...]
    antispoof_scores: tuple[float, ...]
    note: str
    model: dict[str, Any] | None = None
    features: tuple[dict[str, float | None], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly evidence (no image data)."""
        return {
            "score": round(self.score, 5), "threshold": round(self.threshold, 5), "is_attack": self.is_attack,
            "method": self.method, "aggregate": self.aggregate,
            "frame_scores": [round(s, 5) for s in self.frame_scores],
            "antispoof_scores": [round(s, 5) for s in self.antispoof_scores],
            "note": self.note, "model": self.model, "features": list(self.features),
        }


def aggregate_scores(scores: Sequence[float], how: str = "median") -> float:
    """Combine per-frame attack scores (``median``, ``mean`` or ``max``)."""
    a = np.asarray(scores, dtype=np.float64)
    if a.size == 0:
        raise NoFaceError("no frame with a face to score for liveness")
    if how == "median":
        return float(np.median(a))
    if how == "mean":
        return float(np.mean(a))
    if how == "max":
        return float(np.max(a))
    raise ValueError(f"unknown aggregation {how!r}")


class PassiveLiveness:
    """``score([(frame_bgr, face), ...]) -> PassiveResult``; see the module docstring."""

    def __init__(self, antispoof: AntiSpoof, config: LivenessConfig | None = None,
                 model: PadModel | None = None) -> None:
        self.antispoof = antispoof
        self.config = config or LivenessConfig()
        self.model = model

    @classmethod
    def from_config(cls, antispoof: AntiSpoof, config: LivenessConfig) -> PassiveLiveness:
        """Load the configured fusion model (``PadModelError`` if it is missing or damaged)."""
        model = load_model(config.model_path) if config.model_path is not None else None
        if model is not None:
            missing = [n for n in model.feature_names if n not in _known_features()]
            if missing:
                raise PadModelError(f"fusion model {config.model_path} uses unknown features {missing}: "
                                    "retrain it with this kiosk version")
        return cls(antispoof, config, model)

    @property
    def threshold(self) -> float:
        """The operating threshold in use."""
        if self.config.threshold is not None:
            return self.config.threshold
        return self.model.threshold if self.model is not None else ANTISPOOF_DEFAULT_THRESHOLD

    def frame_features(self, image: np.ndarray, face: Face) -> PadFeatures:
        """FaceAntiSpoofing score plus cue features of one face."""
        spoof = self.antispoof.score(image, face).score
        return cue_features(image, face.box, spoof)

    def frame_score(self, features: PadFeatures) -> float:
        """Attack score of one frame: the fusion probability, or the FaceAntiSpoofing score alone."""
        if self.model is None:
            return float(features.values["antispoof"])
        return float(self.model.score(features.vector(self.model.feature_names))[0])

    def score_features(self, frames: Sequence[PadFeatures]) -> PassiveResult:
        """Aggregate already extracted per-frame features into the evidence."""
        frames = list(frames)[: self.config.max_frames]
        per = tuple(self.frame_score(f) for f in frames)
        agg = aggregate_scores(per, self.config.aggregate)
        thr = self.threshold
        if self.model is None:
            note = ("no fusion model configured: FaceAntiSpoofing score alone, which is unreliable outside its home "
                    "domain; train one for this camera with 'kiosk pad train'")
            model_info = None
        else:
            note = f"fusion model over {len(self.model.feature_names)} features"
            model_info = {"path": str(self.config.model_path) if self.config.model_path else None,
                          "training": self.model.training,
                          "feature_version": self.model.metadata.get("feature_version")}
            if self.model.metadata.get("feature_version") not in (None, FEATURE_VERSION):
                note += f" (trained on {self.model.metadata.get('feature_version')}, running {FEATURE_VERSION})"
        return PassiveResult(
            score=agg, threshold=thr, is_attack=bool(agg >= thr),
            method="antispoof_only" if self.model is None else "fusion", aggregate=self.config.aggregate,
            frame_scores=per, antispoof_scores=tuple(float(f.values["antispoof"]) for f in frames), note=note,
            model=model_info, features=tuple(f.to_dict() for f in frames))

    def score(self, frames: Sequence[tuple[np.ndarray, Face]]) -> PassiveResult:
        """Score up to ``max_frames`` (frame, face) pairs (chosen as the best by the caller)."""
        chosen = list(frames)[: self.config.max_frames]
        if not chosen:
            raise NoFaceError("no frame with a face to score for liveness")
        return self.score_features([self.frame_features(img, face) for img, face in chosen])


def _known_features() -> set[str]:
    from inference.pad.features import FEATURE_NAMES

    return set(FEATURE_NAMES)
