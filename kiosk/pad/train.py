"""``kiosk pad train``: fit the passive-liveness fusion model on a site's labelled captures.

Everything the model needs is chosen on the training data alone, by grouped cross-validation (folds
keep a subject's images together when labels.csv has a ``subject`` column, so a person seen in training
does not flatter the estimate): the ridge strength (lowest out-of-fold EER, ties to the stronger ridge,
which transfers better) and the operating threshold (where the out-of-fold APCER of the worst species
reaches the target, 5% by default, the design's aim). Nothing is taken from evaluation data.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from pathlib import Path
from typing import Any

import numpy as np

from inference.pad import metrics as pad_metrics
from inference.pad.features import FEATURE_NAMES, FEATURE_VERSION
from inference.pad.model import PadModel, train_model
from kiosk.errors import BadInputError
from kiosk.evaluation.pad import BONA_FIDE, RowFilter, extract_dataset, read_dataset, split_labels

log = logging.getLogger(__name__)

L2_GRID = (0.1, 1.0, 10.0, 100.0)
# Deep feature sets have hundreds of columns for a few hundred images: they get a stronger ridge to choose too.
L2_GRID_WIDE = (*L2_GRID, 1000.0, 10000.0)


def _folds(groups: list[str], k: int) -> np.ndarray:
    """Fold index per sample: whole groups round-robin over ``k`` folds (largest groups first)."""
    uniq = sorted(set(groups), key=lambda g: (-groups.count(g), g))
    fold_of = {g: i % k for i, g in enumerate(uniq)}
    return np.array([fold_of[g] for g in groups])


def out_of_fold_scores(x: np.ndarray, y: np.ndarray, folds: np.ndarray, l2: float,
                       feature_names: tuple[str, ...] | list[str] = FEATURE_NAMES) -> np.ndarray:
    """Attack scores of every sample from a model that did not see its fold."""
    scores = np.full(len(y), np.nan)
    for f in np.unique(folds):
        test = folds == f
        if len(np.unique(y[~test])) < 2:
            continue  # this fold's complement lacks a class; its samples keep no score
        m = train_model(x[~test], y[~test], feature_names, l2=l2)
        scores[test] = m.score(x[test])
    return scores


def _cv_eer(scores: np.ndarray, labels: np.ndarray) -> float:
    ok = np.isfinite(scores)
    s, lab = scores[ok], labels[ok]
    attacks = {sp: s[lab == sp] for sp in set(lab) - {BONA_FIDE} if np.any(lab == sp)}
    if not np.any(lab == BONA_FIDE) or not attacks:
        return float("nan")
    return pad_metrics.eer(s[lab == BONA_FIDE], attacks)


def cv_groups(subjects: list[str | None], paths: list[str]) -> tuple[list[str], bool]:
    """(group per sample, grouped by subject?) for the cross-validation folds.

    Subject folds need at least three subjects, and no subject may hold half the rows or more: one
    person's 150 webcam frames beside three single-image samples would otherwise make a fold that
    trains on three images. Otherwise (a single-person site capture) the folds are made of images.
    """
    groups = [s or p for s, p in zip(subjects, paths)]
    counts = {g: groups.count(g) for g in set(groups)}
    by_subject = any(subjects) and len(counts) >= 3 and max(counts.values()) < 0.5 * len(groups)
    return (groups, True) if by_subject else (list(paths), False)


def fit_fusion(x: np.ndarray, labels: np.ndarray, groups: list[str], feature_names: tuple[str, ...] | list[str],
               apcer_target: float = 0.05, folds: int = 5, l2_grid: tuple[float, ...] = L2_GRID,
               training: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None
               ) -> tuple[PadModel, dict[str, Any]]:
    """Choose ridge and threshold by grouped cross-validation on (x, labels), then fit on every row.

    Returns the model and the cross-validation summary (also stored in ``training['cv']``).
    """
    labels = np.asarray(labels)
    y = (labels != BONA_FIDE).astype(float)
    species = sorted(set(labels.tolist()) - {BONA_FIDE})
    k = max(2, min(folds, len(set(groups))))
    fold_idx = _folds(list(groups), k)
    cv = {l2: _cv_eer(out_of_fold_scores(x, y, fold_idx, l2, feature_names), labels) for l2 in l2_grid}
    finite = {l2: e for l2, e in cv.items() if np.isfinite(e)}
    # Lowest CV EER; among equals (within 0.5 point), the strongest ridge.
    best_l2 = max(l2 for l2, e in finite.items() if e <= min(finite.values()) + 0.005) if finite else 10.0
    oof = out_of_fold_scores(x, y, fold_idx, best_l2, feature_names)
    ok = np.isfinite(oof)
    attacks_oof = {sp: oof[ok & (labels == sp)] for sp in species if np.any(ok & (labels == sp))}
    if attacks_oof and np.any(ok & (labels == BONA_FIDE)):
        thr = pad_metrics.threshold_at_apcer(attacks_oof, apcer_target)
        thr = float(min(max(thr, 0.0), 1.0)) if np.isfinite(thr) else 0.5
        cv_report = pad_metrics.pad_report(oof[ok & (labels == BONA_FIDE)], attacks_oof, thr).to_dict()
    else:
        thr, cv_report = 0.5, None
    cv_info = {"folds": k, "eer_by_l2": {str(l2): (None if not np.isfinite(e) else round(e, 5)) for l2, e in cv.items()},
               "l2": best_l2, "apcer_target": apcer_target, "report": cv_report}
    training = dict(training or {})
    training["cv"] = {**training.get("cv", {}), **cv_info}
    model = train_model(x, y, feature_names, threshold=thr, l2=best_l2, training=training, metadata=metadata)
    return model, cv_info


def train(root: Path, out_model: Path, row_filter: RowFilter | None = None, apcer_target: float = 0.05,
          provider: str | None = None, cache_dir: Path | None = None, progress: bool = True,
          folds: int = 5) -> dict[str, Any]:
    """Extract features, choose ridge and threshold by cross-validation, fit on all rows, save the model."""
    row_filter = row_filter or RowFilter()
    samples = read_dataset(root, row_filter)
    kept, x, failures = extract_dataset(root, samples, provider, cache_dir, progress)
    labels = np.array([s.label for s in kept])
    n_bona, species = split_labels([s.label for s in kept])
    if n_bona < 2 or sum(species.values()) < 2:
        raise BadInputError(f"training needs at least 2 bona fide ('{BONA_FIDE}') and 2 attack images with a face; "
                            f"got {n_bona} bona fide and {species}")
    groups, by_subject = cv_groups([s.columns.get("subject") for s in kept], [s.path for s in kept])
    labels_csv = Path(root) / "labels.csv"
    training = {
        "data": Path(root).name, "filters": row_filter.describe(), "bona_fide": n_bona, "attacks": species,
        "failures": len(failures), "sources": sorted({s.columns.get("source", "") for s in kept} - {""}),
        "subjects": len({s.columns.get("subject") for s in kept} - {None, ""}) or None,
        "labels_csv_sha256": hashlib.sha256(labels_csv.read_bytes()).hexdigest() if labels_csv.is_file() else None,
        "cv": {"grouped_by": "subject" if by_subject else "image"},
    }
    metadata = {"feature_version": FEATURE_VERSION,
                "trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "model": "logistic regression, class-balanced, L2", "score": "attack probability (higher = attack)"}
    model, cv = fit_fusion(x, labels, groups, FEATURE_NAMES, apcer_target, folds, training=training,
                           metadata=metadata)
    model.save(out_model)
    return {"model": str(out_model), "threshold": round(model.threshold, 5), "l2": cv["l2"],
            "training": model.training,
            "weights": {n: round(float(w), 4) for n, w in zip(model.feature_names, model.weights)}}
