"""The passive-liveness fusion model: L2-regularised logistic regression on standardised cue features.

Why this model: a site trains it on a few hundred captures from its own camera, so it must be small,
fast to fit, and inspectable (one weight per named feature). Fitted by Newton's method (IRLS) in numpy
with class-balanced sample weights, so a training set with more attacks than bona fide presentations
does not shift the operating point. Output: the probability of an attack in [0, 1] (higher = attack,
the same direction as the FaceAntiSpoofing score).

Stored as JSON (schema ``pad-fusion/1``): feature names, standardisation means and stds, weights, bias,
the operating threshold, a description of the training set and metadata. Loading validates every
field and raises ``PadModelError`` (an ``InferenceError``) with a message a person can act on.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from inference.errors import InferenceError

SCHEMA = "pad-fusion/1"


class PadModelError(InferenceError):
    """A fusion model file is missing, malformed or does not fit the features offered to it."""


@dataclass(frozen=True)
class PadModel:
    """A trained fusion model; ``score(X)`` gives attack probabilities."""

    feature_names: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float
    training: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def standardise(self, x: np.ndarray) -> np.ndarray:
        """(x - mean) / std with NaN (a cue that could not be computed) imputed as the training mean (0)."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        if x.shape[1] != len(self.feature_names):
            raise PadModelError(f"fusion model expects {len(self.feature_names)} features, got {x.shape[1]}")
        z = (x - self.mean) / self.std
        return np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0)

    def score(self, x: np.ndarray) -> np.ndarray:
        """Attack probability of each row of ``x`` (columns in ``feature_names`` order)."""
        logit = self.standardise(x) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50)))

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (schema ``pad-fusion/1``)."""
        return {
            "schema": SCHEMA,
            "feature_names": list(self.feature_names),
            "mean": [float(v) for v in self.mean], "std": [float(v) for v in self.std],
            "weights": [float(v) for v in self.weights], "bias": float(self.bias),
            "threshold": float(self.threshold), "training": self.training, "metadata": self.metadata,
        }

    def save(self, path: Path) -> None:
        """Write the model as JSON (creating the folder)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")


def _floats(doc: dict[str, Any], key: str, n: int, positive: bool = False) -> np.ndarray:
    v = doc.get(key)
    if not isinstance(v, list) or len(v) != n or not all(isinstance(e, (int, float)) and not isinstance(e, bool)
                                                          for e in v):
        raise PadModelError(f"fusion model field '{key}' must be a list of {n} numbers")
    a = np.array(v, dtype=np.float64)
    if not np.all(np.isfinite(a)) or (positive and np.any(a <= 0)):
        raise PadModelError(f"fusion model field '{key}' holds {'non-positive or ' if positive else ''}"
                            "non-finite values")
    return a


def model_from_dict(doc: Any) -> PadModel:
    """Validate a parsed JSON document and build the model; ``PadModelError`` naming the bad field."""
    if not isinstance(doc, dict):
        raise PadModelError("fusion model file must hold a JSON object")
    if doc.get("schema") != SCHEMA:
        raise PadModelError(f"fusion model schema is {doc.get('schema')!r}, expected {SCHEMA!r}: "
                            "retrain it with 'kiosk pad train'")
    names = doc.get("feature_names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names) \
            or len(set(names)) != len(names):
        raise PadModelError("fusion model field 'feature_names' must be a non-empty list of distinct names")
    n = len(names)
    bias, thr = doc.get("bias"), doc.get("threshold")
    for key, val in (("bias", bias), ("threshold", thr)):
        if not isinstance(val, (int, float)) or isinstance(val, bool) or not math.isfinite(val):
            raise PadModelError(f"fusion model field '{key}' must be a finite number")
    if not 0.0 <= float(thr) <= 1.0:  # type: ignore[arg-type]
        raise PadModelError("fusion model threshold must lie in [0, 1] (it applies to a probability)")
    for key in ("training", "metadata"):
        if not isinstance(doc.get(key, {}), dict):
            raise PadModelError(f"fusion model field '{key}' must be an object")
    return PadModel(tuple(names), _floats(doc, "mean", n), _floats(doc, "std", n, positive=True),
                    _floats(doc, "weights", n), float(bias), float(thr),  # type: ignore[arg-type]
                    dict(doc.get("training", {})), dict(doc.get("metadata", {})))


def load_model(path: Path) -> PadModel:
    """Read and validate a fusion model JSON file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PadModelError(f"fusion model {path} not found: train one with 'kiosk pad train'") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PadModelError(f"cannot read fusion model {path.name}: {exc}") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PadModelError(f"fusion model {path.name} is not valid JSON (line {exc.lineno}): "
                            "the file is damaged; retrain or restore it") from exc
    return model_from_dict(doc)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50) -> tuple[np.ndarray, float]:
    """Class-balanced L2 logistic regression on standardised ``x`` by Newton's method; (weights, bias).

    ``l2`` is the ridge penalty on the weights (not the bias), in units of the balanced sample weight
    total; a larger value keeps the model closer to "all cues equal", which transfers better across
    cameras than a sharp fit to one site.
    """
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    if set(np.unique(y)) != {0.0, 1.0}:
        raise ValueError("training needs both classes (0 = bona fide, 1 = attack)")
    sw = np.where(y == 1, 0.5 / y.sum(), 0.5 / (1 - y).sum()) * len(y)  # each class weighs half
    xb = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ beta, -50, 50)))
        grad = xb.T @ (sw * (p - y)) + reg * beta
        hess = (xb * (sw * p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(len(beta))
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def train_model(x: np.ndarray, y: np.ndarray, feature_names: tuple[str, ...] | list[str],
                threshold: float | None = None, l2: float = 1.0, training: dict[str, Any] | None = None,
                metadata: dict[str, Any] | None = None) -> PadModel:
    """Standardise, fit, and wrap. Columns with NaN are imputed with their mean (z = 0) before fitting.

    ``threshold`` defaults to 0.5, the balanced-posterior boundary (class weights make the two classes
    count equally); callers may instead derive one from the training scores.
    """
    x = np.asarray(x, np.float64)
    if x.ndim != 2 or x.shape[1] != len(feature_names) or len(x) != len(y):
        raise ValueError("x must be (samples, features) matching feature_names and y")
    ok = np.isfinite(x)
    count = ok.sum(axis=0)
    xz = np.where(ok, x, 0.0)
    mean = xz.sum(axis=0) / np.maximum(count, 1)  # a column with no finite value gets mean 0
    var = (np.where(ok, x - mean, 0.0) ** 2).sum(axis=0) / np.maximum(count, 1)
    std = np.where(var > 1e-18, np.sqrt(var), 1.0)  # a constant feature carries no information
    z = np.nan_to_num((x - mean) / std, nan=0.0, posinf=0.0, neginf=0.0)
    w, b = fit_logistic(z, y, l2=l2)
    return PadModel(tuple(feature_names), mean, std, w, b, 0.5 if threshold is None else float(threshold),
                    training or {}, metadata or {})
