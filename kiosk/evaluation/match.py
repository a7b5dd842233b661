"""Face-match evaluation on a pairs list (``kiosk eval match``): LFW View-2 style.

The CSV has columns img1, img2, same (1 genuine, 0 impostor) and optionally fold; image paths are
relative to the CSV's folder. Every image is enrolled once (detect, primary face, align, embed). A pair
with an image that fails to enrol keeps score -1 (it counts as a non-match: a genuine pair so lost is a
false non-match), so failures to enrol cannot flatter the figures.
"""
from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inference import metrics
from inference.config import RuntimeConfig
from inference.detect import FaceDetector, primary_face
from inference.embed import MobileFaceNetEmbedder, SFaceEmbedder
from inference.errors import BadImageError
from inference.image import read_image
from inference.loader import load_runner
from kiosk.errors import BadInputError

log = logging.getLogger(__name__)

FMR_TARGETS = ("0.01", "0.001")


@dataclass(frozen=True)
class Pair:
    img1: str
    img2: str
    same: int
    fold: int | None


def read_pairs(path: Path) -> list[Pair]:
    """Parse the pairs CSV; ``BadInputError`` naming the line on any problem."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            cols = set(reader.fieldnames or [])
            if not {"img1", "img2", "same"} <= cols:
                raise BadInputError(f"{path.name} needs columns img1,img2,same (has {sorted(cols)})")
            pairs = []
            for n, row in enumerate(reader, start=2):
                try:
                    same = int(row["same"])
                    if same not in (0, 1):
                        raise ValueError
                    fold = int(row["fold"]) if row.get("fold") not in (None, "") else None
                except ValueError as exc:
                    raise BadInputError(f"{path.name} line {n}: 'same' must be 0 or 1 and 'fold' a number") from exc
                pairs.append(Pair(row["img1"], row["img2"], same, fold))
    except OSError as exc:
        raise BadInputError(f"cannot read pairs file {path}: {exc.strerror}") from exc
    if not pairs:
        raise BadInputError(f"{path.name} lists no pairs")
    if not any(p.same for p in pairs) or all(p.same for p in pairs):
        raise BadInputError(f"{path.name} needs both genuine (same=1) and impostor (same=0) pairs")
    return pairs


def _summary(scores: np.ndarray, same: np.ndarray, folds: np.ndarray | None) -> dict[str, Any]:
    gen, imp = scores[same == 1], scores[same == 0]
    out: dict[str, Any] = {"fnmr_at_fmr": {}, "threshold_at_fmr": {}, "fmr_at_threshold": {}}
    for t in FMR_TARGETS:
        thr = metrics.threshold_at_fmr(imp, float(t))
        fmr, fnmr = metrics.rates_at(gen, imp, thr)
        out["fnmr_at_fmr"][t] = round(fnmr, 5)
        out["threshold_at_fmr"][t] = round(thr, 5)
        out["fmr_at_threshold"][t] = round(fmr, 5)
    if folds is not None:
        mean, std = metrics.kfold_accuracy(scores, same, folds)
        out["accuracy"], out["accuracy_std"], out["accuracy_protocol"] = round(mean, 5), round(std, 5), f"{len(np.unique(folds))}-fold"
    else:
        t = metrics.best_accuracy_threshold(scores, same)
        out["accuracy"] = round(float(np.mean((scores >= t) == (same == 1))), 5)
        out["accuracy_protocol"] = "best threshold on all pairs (optimistic: no folds given)"
    out["eer"] = round(metrics.eer(gen, imp), 5)
    return out


def evaluate_pairs(pairs_csv: Path, out_json: Path, provider: str | None = None,
                   primary: str = "sface", progress: bool = True, mirror: bool = False) -> dict[str, Any]:
    """Enrol every image, score every pair with each embedder (and their mean), report and plot."""
    from tqdm import tqdm

    pairs = read_pairs(pairs_csv)
    root = pairs_csv.parent
    cfg = RuntimeConfig(provider=provider or "openvino")
    detector = FaceDetector(load_runner("yunet", cfg))
    embedders = {"sface": SFaceEmbedder(load_runner("sface", cfg), mirror=mirror),
                 "mobilefacenet": MobileFaceNetEmbedder(load_runner("mobilefacenet", cfg), mirror=mirror)}
    images = sorted({p.img1 for p in pairs} | {p.img2 for p in pairs})
    templates: dict[str, dict[str, np.ndarray]] = {}
    failures: dict[str, str] = {}
    for rel in tqdm(images, desc="enrol", unit="img", disable=not progress):
        try:
            img = read_image(root / rel)
        except BadImageError as exc:
            failures[rel] = str(exc)
            continue
        face = primary_face(detector.detect(img), img.shape)
        if face is None:
            failures[rel] = "no face found"
            continue
        templates[rel] = {k: e.embed(img, face.landmarks).vector for k, e in embedders.items()}

    same = np.array([p.same for p in pairs])
    folds = np.array([p.fold for p in pairs]) if all(p.fold is not None for p in pairs) else None
    scores: dict[str, np.ndarray] = {}
    for name in embedders:
        scores[name] = np.array([
            float(np.dot(templates[p.img1][name], templates[p.img2][name]))
            if p.img1 in templates and p.img2 in templates else -1.0 for p in pairs])
    # Unweighted mean of the two cosines: no parameter is fitted, so nothing is tuned on the test pairs.
    scores["fusion_mean"] = (scores["sface"] + scores["mobilefacenet"]) / 2
    if primary not in scores:
        raise BadInputError(f"unknown embedder '{primary}' (choose from {sorted(scores)})")

    per = {name: _summary(s, same, folds) for name, s in scores.items()}
    result: dict[str, Any] = {
        "pairs": len(pairs), "genuine": int(same.sum()), "impostor": int((same == 0).sum()),
        "images": len(images), "failures_to_enrol": len(failures),
        "failed_images": sorted(failures)[:50],
        "embedder": primary, "mirror": mirror, "provider": detector.runner.provider,
        **{k: per[primary][k] for k in ("accuracy", "fnmr_at_fmr", "threshold_at_fmr")},
        "accuracy_protocol": per[primary]["accuracy_protocol"], "eer": per[primary]["eer"],
        "embedders": per,
    }
    det_path = out_json.with_name(out_json.stem + "_det.png")
    curves = {}
    for name, s in scores.items():
        _, fmr, fnmr = metrics.det_curve(s[same == 1], s[same == 0])
        curves[f"{name} (FNMR@0.1%={per[name]['fnmr_at_fmr']['0.001']:.2%})"] = (fmr, fnmr)
    metrics.plot_det(curves, det_path, f"Face match DET: {pairs_csv.parent.name}, {len(pairs)} pairs",
                     marks={"FMR 1%": 0.01, "FMR 0.1%": 0.001})
    result["det_plot"] = str(det_path)
    return result
