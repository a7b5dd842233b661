"""Presentation-attack datasets and ``kiosk eval pad`` (ISO/IEC 30107-3, PAD subsystem evaluation).

A dataset folder holds either ``labels.csv`` (columns ``path,label``; paths relative to the folder; label
``live`` for bona fide presentations or an attack species such as ``print``, ``replay``, ``mask``; other
columns are kept for row selection, e.g. ``source`` and ``subject``) or one sub-folder per label.

Each image goes through the kiosk's own face path: YuNet detection, the primary face, FaceAntiSpoofing
and the cue features. An image without a face is a failure: it is counted and listed, and left out of
APCER/BPCER (the standard's PAD-subsystem figures are over processed presentations; failures to
acquire belong to the system-level figures, so they are reported beside them, never hidden).
Features are cached per image (file sha256 + feature version) so reruns are fast.
"""
from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from inference import metrics
from inference.pad import metrics as pad_metrics
from inference.antispoof import AntiSpoof
from inference.config import RuntimeConfig
from inference.detect import FaceDetector, primary_face
from inference.errors import BadImageError
from inference.image import read_image
from inference.liveness import ANTISPOOF_DEFAULT_THRESHOLD
from inference.loader import load_runner
from inference.pad.features import FEATURE_NAMES, FEATURE_VERSION, PadFeatures, cue_features
from inference.pad.model import PadModel, load_model
from kiosk.errors import BadInputError
from kiosk.paths import PROJECT_ROOT

log = logging.getLogger(__name__)

BONA_FIDE = "live"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".jp2", ".j2k", ".tif", ".tiff"}
# Detector and crop are part of what a cached feature means.
CACHE_VERSION = f"{FEATURE_VERSION}+yunet-primary+antispoof-crop1.0"


@dataclass(frozen=True)
class PadSample:
    """One presentation: image path relative to the dataset folder, label, and selection columns."""

    path: str
    label: str
    columns: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RowFilter:
    """Row selection on labels.csv columns: keep rows whose column value is listed / not listed."""

    include: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def describe(self) -> dict[str, dict[str, list[str]]]:
        """JSON-friendly form for reports and the model's training description."""
        return {"include": {k: list(v) for k, v in self.include.items() if v},
                "exclude": {k: list(v) for k, v in self.exclude.items() if v}}

    def keep(self, sample: PadSample) -> bool:
        """True when the sample passes every include and exclude list (column ``label`` is the label)."""
        def value(col: str) -> str | None:
            return sample.label if col == "label" else sample.columns.get(col)

        for col, values in self.include.items():
            if values and value(col) not in values:
                return False
        for col, values in self.exclude.items():
            if values and value(col) in values:
                return False
        return True

    def columns(self) -> set[str]:
        """Extra labels.csv columns this filter reads (``label`` exists in every layout)."""
        return ({c for c, v in self.include.items() if v} | {c for c, v in self.exclude.items() if v}) - {"label"}


def _check_rel(root: Path, rel: str, where: str) -> None:
    p = Path(rel)
    if p.is_absolute() or ".." in p.parts:
        raise BadInputError(f"{where}: path {rel!r} must be relative to the dataset folder, without '..'")
    if not (root / p).is_file():
        raise BadInputError(f"{where}: image {rel!r} not found under {root}")


def read_dataset(root: Path, row_filter: RowFilter | None = None) -> list[PadSample]:
    """The selected presentations of a dataset folder (labels.csv or sub-folder per label)."""
    root = Path(root)
    if not root.is_dir():
        raise BadInputError(f"dataset folder {root} not found")
    row_filter = row_filter or RowFilter()
    labels = root / "labels.csv"
    samples: list[PadSample] = []
    if labels.is_file():
        try:
            with open(labels, newline="", encoding="utf-8") as fh:
                reader = csv.DictReader(fh)
                cols = set(reader.fieldnames or [])
                if not {"path", "label"} <= cols:
                    raise BadInputError(f"{labels} needs columns path,label (has {sorted(cols)})")
                missing = row_filter.columns() - cols
                if missing:
                    raise BadInputError(f"{labels} has no column {sorted(missing)} to select rows by")
                for n, row in enumerate(reader, start=2):
                    rel, label = (row.get("path") or "").strip(), (row.get("label") or "").strip().lower()
                    if not rel or not label:
                        raise BadInputError(f"{labels.name} line {n}: empty path or label")
                    extra = {k: (v or "").strip() for k, v in row.items()
                             if k is not None and k not in ("path", "label")}
                    s = PadSample(rel, label, extra)
                    if row_filter.keep(s):
                        _check_rel(root, rel, f"{labels.name} line {n}")
                        samples.append(s)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise BadInputError(f"cannot read {labels}: {exc}") from exc
    else:
        if row_filter.columns():
            raise BadInputError(f"{root} has no labels.csv, so rows cannot be selected by "
                                f"{sorted(row_filter.columns())}")
        for sub in sorted(p for p in root.iterdir() if p.is_dir()):
            for img in sorted(sub.rglob("*")):
                if img.is_file() and img.suffix.lower() in IMAGE_SUFFIXES:
                    s = PadSample(img.relative_to(root).as_posix(), sub.name.lower())
                    if row_filter.keep(s):
                        samples.append(s)
    if not samples:
        raise BadInputError(f"{root}: no images selected (labels.csv rows or one sub-folder per label)")
    return samples


def split_labels(labels: Sequence[str]) -> tuple[int, dict[str, int]]:
    """(bona fide count, {species: count})."""
    species: dict[str, int] = {}
    for lab in labels:
        if lab != BONA_FIDE:
            species[lab] = species.get(lab, 0) + 1
    return sum(1 for lab in labels if lab == BONA_FIDE), dict(sorted(species.items()))


def default_cache_dir() -> Path:
    """``out/pad_cache`` in a source checkout (git-ignored), else the user's cache folder."""
    if (PROJECT_ROOT / ".git").exists():
        return PROJECT_ROOT / "out" / "pad_cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("idkiosk", appauthor=False)) / "pad"


def read_jsonl_cache(path: Path | None, key: str) -> dict[str, dict[str, Any]]:
    """A JSON-lines cache file as {record[key]: record}; a line cut by an interrupted run is skipped (recomputed)."""
    cache: dict[str, dict[str, Any]] = {}
    if path and Path(path).is_file():
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
                cache[rec[key]] = rec
            except (json.JSONDecodeError, KeyError, TypeError):
                continue
    return cache


class FeatureExtractor:
    """Detect the primary face and compute its PAD features, with a per-file cache (JSON lines)."""

    def __init__(self, provider: str | None = None, cache_dir: Path | None = None) -> None:
        cfg = RuntimeConfig(provider="cpu" if provider == "cpu" else "openvino")
        self.detector = FaceDetector(load_runner("yunet", cfg))
        self.antispoof = AntiSpoof(load_runner("antispoof", cfg))
        self.cache_file = (Path(cache_dir) / f"features-{CACHE_VERSION}.jsonl") if cache_dir else None
        self._cache = read_jsonl_cache(self.cache_file, "sha256")

    def compute(self, img: np.ndarray) -> dict[str, Any]:
        """The cache record of one image: its features, or the failure reason."""
        face = primary_face(self.detector.detect(img), img.shape)
        if face is None:
            return {"failure": "no face found"}
        spoof = self.antispoof.score(img, face).score
        return {"features": cue_features(img, face.box, spoof).to_dict()}

    def extract(self, path: Path) -> PadFeatures | str:
        """Features of the primary face in ``path``, or the failure reason."""
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()

        def compute() -> dict[str, Any]:
            try:
                return self.compute(read_image(Path(path)))
            except BadImageError as exc:
                return {"failure": str(exc)}
        return self.lookup(digest, compute)

    def lookup(self, key: str, compute: Any) -> PadFeatures | str:
        """The cached features under ``key`` (a file's sha256 or a render's id), else ``compute()``'s, stored."""
        rec = self._cache.get(key)
        if rec is None:
            rec = {"sha256": key, **compute()}
            self._cache[key] = rec
            if self.cache_file:
                self.cache_file.parent.mkdir(parents=True, exist_ok=True)
                with open(self.cache_file, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(rec) + "\n")
        if "failure" in rec:
            return str(rec["failure"])
        return PadFeatures({k: (np.nan if v is None else float(v)) for k, v in rec["features"].items()})


def extract_dataset(root: Path, samples: Sequence[PadSample], provider: str | None = None,
                    cache_dir: Path | None = None, progress: bool = True
                    ) -> tuple[list[PadSample], np.ndarray, dict[str, str]]:
    """(samples with a face, feature matrix in FEATURE_NAMES order, {path: failure reason})."""
    from tqdm import tqdm  # type: ignore[import-untyped]

    ex = FeatureExtractor(provider, cache_dir)
    kept, rows, failures = [], [], {}
    for s in tqdm(samples, desc="features", unit="img", disable=not progress):
        got = ex.extract(Path(root) / s.path)
        if isinstance(got, str):
            failures[s.path] = got
        else:
            kept.append(s)
            rows.append(got.vector(FEATURE_NAMES))
    x = np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_NAMES))
    return kept, x, failures


def scores_for(x: np.ndarray, model: PadModel | None) -> np.ndarray:
    """Attack scores of feature rows: the fusion model, or the FaceAntiSpoofing column alone."""
    if model is None:
        return x[:, FEATURE_NAMES.index("antispoof")]
    idx = [FEATURE_NAMES.index(n) for n in model.feature_names]
    return model.score(x[:, idx])


def _report(labels: list[str], scores: np.ndarray, threshold: float) -> pad_metrics.PadReport:
    lab = np.array(labels)
    bona = scores[lab == BONA_FIDE]
    attacks = {sp: scores[lab == sp] for sp in sorted(set(labels) - {BONA_FIDE})}
    if len(bona) == 0 or not attacks:
        raise BadInputError(f"evaluation needs bona fide ('{BONA_FIDE}') and attack presentations with a face; "
                            f"got {len(bona)} bona fide and species {sorted(attacks)}")
    return pad_metrics.pad_report(bona, attacks, threshold)


def evaluate(root: Path, out_json: Path, model_path: Path | None = None, threshold: float | None = None,
             row_filter: RowFilter | None = None, provider: str | None = None, cache_dir: Path | None = None,
             progress: bool = True) -> dict[str, Any]:
    """Score every selected image, compute the ISO/IEC 30107-3 figures, write the DET plot beside ``out_json``."""
    row_filter = row_filter or RowFilter()
    model = load_model(model_path) if model_path is not None else None
    samples = read_dataset(root, row_filter)
    kept, x, failures = extract_dataset(root, samples, provider, cache_dir, progress)
    labels = [s.label for s in kept]
    base_thr = ANTISPOOF_DEFAULT_THRESHOLD
    thr = threshold if threshold is not None else (model.threshold if model is not None else base_thr)
    main = _report(labels, scores_for(x, model), thr)
    result: dict[str, Any] = {
        **main.to_dict(),
        "method": "fusion" if model is not None else "antispoof_only",
        "apcer_definition": "APCER per species (APCER_PAIS); operating points and EER use the worst species "
                            "(APCER_AP = max over species, ISO/IEC 30107-3:2023)",
        "score_direction": "higher = attack; attack when score >= threshold",
        "failures": len(failures), "failed_images": dict(sorted(failures.items())[:100]),
        "selected": len(samples), "data": str(root), "filters": row_filter.describe(),
        "model": None if model is None else {"path": str(model_path), "training": model.training},
    }
    if model is not None:
        result["baseline_antispoof"] = _report(labels, scores_for(x, None), base_thr).to_dict()
    det_path = out_json.with_name(out_json.stem + "_det.png")
    lab = np.array(labels)
    curves = {}
    runs = [("fusion" if model else "FaceAntiSpoofing", scores_for(x, model))]
    if model is not None:
        runs.append(("FaceAntiSpoofing", scores_for(x, None)))
    for name, sc in runs:
        for sp in sorted(set(labels) - {BONA_FIDE}):
            # metrics.det_curve takes similarities (higher = accept); negated attack scores are exactly that.
            _, ap, bp = metrics.det_curve(-sc[lab == BONA_FIDE], -sc[lab == sp])
            curves[f"{name}: {sp} (EER {pad_metrics.eer(sc[lab == BONA_FIDE], {sp: sc[lab == sp]}):.1%})"] = (ap, bp)
    title = f"PAD DET: {Path(root).name} {_title(row_filter.describe())}"
    if model is not None:
        filters = model.training.get("filters")
        title += f"\nfusion trained on {model.training.get('data', '?')} " + (
            _title(filters) if isinstance(filters, dict) else "")
    metrics.plot_det(curves, det_path, title,
                     xlabel="APCER", ylabel="BPCER", marks={"APCER 1%": 0.01, "5%": 0.05, "10%": 0.10})
    result["det_plot"] = str(det_path)
    return result


def _title(desc: dict[str, dict[str, list[str]]]) -> str:
    """Short form of a row selection for plot titles (long value lists become counts)."""
    def vals(v: list[str]) -> str:
        return "+".join(v) if len(v) <= 2 else f"{len(v)} values"
    parts = [f"{c}={vals(v)}" for c, v in desc.get("include", {}).items()]
    parts += [f"not {c}={vals(v)}" for c, v in desc.get("exclude", {}).items()]
    return "(" + ", ".join(parts) + ")" if parts else "(all rows)"
