"""The PAD feature sets by name, and their cached extraction over a dataset.

``cues`` is the 26 hand-crafted cues of ``inference.pad.features`` (the FaceAntiSpoofing score among
them); ``sface``, ``mfn``, ``fas`` and ``mesh`` are the deep sets of ``inference.pad.deep``. Every set is
cached per image under the feature cache folder (``out/pad_cache/`` in a checkout): the cues in their
existing file, each deep set in ``deep-<set>-<version>.jsonl`` keyed by the image's sha256 (or a
rendered image's id), where the version names the converted model's pinned sha256, so vectors of
another graph are never mixed in. Each deep record keeps the milliseconds its extraction took.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from inference.config import RuntimeConfig
from inference.errors import BadImageError
from inference.image import read_image
from inference.pad.deep import DEEP_VERSION, MODEL_OF, SET_DIMS, DeepPadFeatures, PadFeatureError, set_names
from inference.pad.features import FEATURE_NAMES, PadFeatures
from kiosk.errors import BadInputError
from kiosk.evaluation.pad import FeatureExtractor, PadSample

SET_NAMES: tuple[str, ...] = ("cues", *SET_DIMS)

# (cache key, image loader) of one presentation; the loader raises BadImageError for an unreadable file.
Item = tuple[str, Callable[[], np.ndarray]]


def features_of(name: str) -> tuple[str, ...]:
    """Column names of a set."""
    if name == "cues":
        return FEATURE_NAMES
    try:
        return set_names(name)
    except PadFeatureError as exc:
        raise BadInputError(f"{exc} (or 'cues')") from exc


class DeepExtractor:
    """Deep sets of the primary face of each image, cached per set; models load on the first miss."""

    def __init__(self, sets: Sequence[str], provider: str | None = None, cache_dir: Path | None = None) -> None:
        from models.store import ModelStore

        self.sets = tuple(sets)
        self.cfg = RuntimeConfig(provider="cpu" if provider == "cpu" else "openvino")
        store = ModelStore()
        self._files: dict[str, Path | None] = {}
        self._cache: dict[str, dict[str, dict[str, Any]]] = {s: {} for s in self.sets}
        for s in self.sets:
            features_of(s)
            entry = store.manifest.get(MODEL_OF[s])
            pin = (entry.onnx.sha256 if entry.onnx else entry.sha256)[:12]
            f = Path(cache_dir) / f"deep-{s}-{DEEP_VERSION}-{pin}+yunet-primary.jsonl" if cache_dir else None
            self._files[s] = f
            if f and f.is_file():
                for line in f.read_text(encoding="utf-8").splitlines():
                    try:
                        rec = json.loads(line)
                        self._cache[s][rec["key"]] = rec
                    except (json.JSONDecodeError, KeyError, TypeError):
                        continue  # a line cut by an interrupted run: recompute that image
        self._models: tuple[Any, DeepPadFeatures] | None = None

    def _load(self) -> tuple[Any, DeepPadFeatures]:
        if self._models is None:
            from inference.detect import FaceDetector
            from inference.loader import load_runner

            self._models = (FaceDetector(load_runner("yunet", self.cfg)), DeepPadFeatures.load(self.sets, self.cfg))
        return self._models

    def extract(self, key: str, load: Callable[[], np.ndarray]) -> dict[str, np.ndarray] | str:
        """{set: vector} of the primary face, or the failure reason."""
        from inference.detect import primary_face

        missing = [s for s in self.sets if key not in self._cache[s]]
        if missing:
            recs: dict[str, dict[str, Any]]
            try:
                img = load()
                detector, deep = self._load()
                face = primary_face(detector.detect(img), img.shape)
                if face is None:
                    recs = {s: {"key": key, "failure": "no face found"} for s in missing}
                else:
                    recs = {}
                    for s in missing:
                        t0 = time.perf_counter()
                        v = deep.features(img, face, sets=(s,))[s]
                        recs[s] = {"key": key, "ms": round((time.perf_counter() - t0) * 1000, 2),
                                   "v": [round(float(e), 6) for e in v]}
            except (BadImageError, PadFeatureError) as exc:
                recs = {s: {"key": key, "failure": str(exc)} for s in missing}
            for s, rec in recs.items():
                self._cache[s][key] = rec
                f = self._files[s]
                if f:
                    f.parent.mkdir(parents=True, exist_ok=True)
                    with open(f, "a", encoding="utf-8") as fh:
                        fh.write(json.dumps(rec) + "\n")
        out = {}
        for s in self.sets:
            rec = self._cache[s][key]
            if "failure" in rec:
                return str(rec["failure"])
            out[s] = np.array(rec["v"], np.float64)
        return out

    def cost_ms(self) -> dict[str, float]:
        """Median extraction time per image of each set over its cached records (after detection)."""
        out = {}
        for s in self.sets:
            ms = [r["ms"] for r in self._cache[s].values() if "ms" in r]
            if ms:
                out[s] = round(float(np.median(ms)), 2)
        return out


def _file_item(root: Path, sample: PadSample) -> Item:
    path = Path(root) / sample.path
    return hashlib.sha256(path.read_bytes()).hexdigest(), lambda: read_image(path)


def extract_items(items: Sequence[Item], sets: Sequence[str], provider: str | None = None,
                  cache_dir: Path | None = None, progress: bool = True, desc: str = "features"
                  ) -> tuple[list[int], dict[str, tuple[tuple[str, ...], np.ndarray]], dict[int, str], dict[str, float]]:
    """(indices of items with a face, {set: (names, matrix)}, {index: failure}, {set: median ms})."""
    from tqdm import tqdm  # type: ignore[import-untyped]

    for s in sets:
        features_of(s)
    cues = FeatureExtractor(provider, cache_dir)
    deep_sets = [s for s in sets if s != "cues"]
    deep = DeepExtractor(deep_sets, provider, cache_dir) if deep_sets else None
    kept: list[int] = []
    rows: dict[str, list[np.ndarray]] = {s: [] for s in ("cues", *deep_sets)}
    failures: dict[int, str] = {}
    for i, (key, load) in enumerate(tqdm(items, desc=desc, unit="img", disable=not progress)):
        def compute(load: Callable[[], np.ndarray] = load) -> dict[str, Any]:
            try:
                return cues.compute(load())
            except BadImageError as exc:
                return {"failure": str(exc)}
        got: PadFeatures | str = cues.lookup(key, compute)
        if isinstance(got, str):
            failures[i] = got
            continue
        vecs = deep.extract(key, load) if deep else {}
        if isinstance(vecs, str):
            failures[i] = vecs
            continue
        kept.append(i)
        rows["cues"].append(got.vector(FEATURE_NAMES))
        for s in deep_sets:
            rows[s].append(vecs[s])
    feats = {s: (features_of(s), np.array(r, np.float64).reshape(len(r), len(features_of(s))))
             for s, r in rows.items() if s in sets or s == "cues"}
    return kept, feats, failures, (deep.cost_ms() if deep else {})


def extract_sets(root: Path, samples: Sequence[PadSample], sets: Sequence[str], provider: str | None = None,
                 cache_dir: Path | None = None, progress: bool = True
                 ) -> tuple[list[PadSample], dict[str, tuple[tuple[str, ...], np.ndarray]], dict[str, str],
                            dict[str, float]]:
    """(samples with a face, {set: (names, matrix)}, {path: failure}, {set: median ms}) of a dataset."""
    items = [_file_item(root, s) for s in samples]
    kept, feats, failures, cost = extract_items(items, sets, provider, cache_dir, progress)
    return [samples[i] for i in kept], feats, {samples[i].path: r for i, r in failures.items()}, cost


def time_sets(root: Path, samples: Sequence[PadSample], sets: Sequence[str], n: int = 40,
              provider: str | None = None) -> dict[str, float]:
    """Median milliseconds per frame of each step on the first ``n`` images with a face (after detection).

    ``antispoof`` is the FaceAntiSpoofing score, ``cues`` the 26 cue features without it; the deep sets
    as ``inference.pad.deep`` computes them (``fas`` includes the score: it is the same network run).
    """
    from inference.antispoof import AntiSpoof
    from inference.detect import FaceDetector, primary_face
    from inference.loader import load_runner
    from inference.pad.features import cue_features

    cfg = RuntimeConfig(provider="cpu" if provider == "cpu" else "openvino")
    detector = FaceDetector(load_runner("yunet", cfg))
    anti = AntiSpoof(load_runner("antispoof", cfg))
    deep_sets = [s for s in sets if s != "cues"]
    deep = DeepPadFeatures.load(deep_sets, cfg) if deep_sets else None
    times: dict[str, list[float]] = {s: [] for s in ("antispoof", "cues", *deep_sets)}
    for s in samples:
        if len(times["cues"]) >= n:
            break
        try:
            img = read_image(Path(root) / s.path)
        except BadImageError:
            continue
        face = primary_face(detector.detect(img), img.shape)
        if face is None:
            continue
        t0 = time.perf_counter()
        spoof = anti.score(img, face).score
        t1 = time.perf_counter()
        cue_features(img, face.box, spoof)
        t2 = time.perf_counter()
        times["antispoof"].append((t1 - t0) * 1000)
        times["cues"].append((t2 - t1) * 1000)
        for d in deep_sets:
            t = time.perf_counter()
            deep.features(img, face, sets=(d,))  # type: ignore[union-attr]
            times[d].append((time.perf_counter() - t) * 1000)
    return {k: round(float(np.median(v)), 2) for k, v in times.items() if v}
