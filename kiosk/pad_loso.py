"""``kiosk eval pad --protocol loso``: leave-one-source-out evaluation of every PAD method side by side.

For every source in labels.csv, each method is trained on all other sources with the training code of
``kiosk pad train`` (ridge and threshold by grouped cross-validation on the training rows only) and
tested on the source left out. The threshold is the one chosen on the training rows ("transferred"),
so the report shows both how well a method ranks an unseen camera (BPCER@APCER, EER: the threshold is
picked on the test scores there) and what happens at the threshold a site would actually ship.

A method is a list of feature sets (``kiosk.pad_sets``); the method ``antispoof`` is FaceAntiSpoofing
alone, whose threshold is set on the training rows at the same APCER target. Optional synthetic attacks
(``kiosk.pad_synth``) join the training rows of a fold only when they were rendered from a source other
than the one held out, so no face of the held-out source reaches training under any label.

Sources with one attack species make leave-one-source-out also leave-one-species-out for their fold.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inference import pad_metrics
from kiosk.errors import BadInputError
from kiosk.pad_eval import BONA_FIDE, PadSample, split_labels
from kiosk.pad_train import L2_GRID, cv_groups, fit_fusion

ANTISPOOF = "antispoof"
# A source with fewer bona fide or attack images than this is reported but left out of the summary's
# worst case: three images say nothing about a method.
MIN_REPORTED = 20


@dataclass(frozen=True)
class Method:
    """A PAD method: the feature sets it fuses (``("antispoof",)`` alone means no training)."""

    name: str
    sets: tuple[str, ...]


@dataclass(frozen=True)
class Fold:
    """Rows of one leave-one-source-out fold: indices into the real samples and into the synthetic ones."""

    source: str
    train: np.ndarray
    test: np.ndarray
    synthetic: np.ndarray


def source_of(sample: PadSample) -> str:
    """The sample's ``source`` column (``BadInputError`` if labels.csv has none)."""
    src = sample.columns.get("source")
    if not src:
        raise BadInputError(f"{sample.path}: leave-one-source-out needs a 'source' column in labels.csv")
    return src


def loso_folds(samples: Sequence[PadSample], synthetic_origins: Sequence[str] = ()) -> list[Fold]:
    """One fold per source: train on every other source (and on synthetic rows not made from it)."""
    sources = np.array([source_of(s) for s in samples])
    origins = np.array(list(synthetic_origins), dtype=object)
    folds = []
    for src in sorted(set(sources.tolist())):
        test = np.flatnonzero(sources == src)
        train = np.flatnonzero(sources != src)
        synth = np.flatnonzero(origins != src) if len(origins) else np.array([], dtype=int)
        folds.append(Fold(src, train, test, synth))
    return folds


def _species_scores(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    return scores[labels == BONA_FIDE], {sp: scores[labels == sp] for sp in sorted(set(labels.tolist()) - {BONA_FIDE})}


def _fit_and_score(method: Method, x_train: np.ndarray, lab_train: np.ndarray, groups: list[str],
                   x_test: np.ndarray, names: tuple[str, ...], apcer_target: float,
                   l2_grid: tuple[float, ...]) -> tuple[np.ndarray, float, dict[str, Any]]:
    """(test scores, transferred threshold, training summary) of one method on one fold."""
    if method.sets == (ANTISPOOF,):
        col = names.index(ANTISPOOF)
        _, attacks = _species_scores(x_train[:, col], lab_train)
        thr = pad_metrics.threshold_at_apcer(attacks, apcer_target)
        thr = float(min(max(thr, 0.0), 1.0)) if np.isfinite(thr) else 1.0
        return x_test[:, col], thr, {"threshold_rule": f"training APCER of the worst species <= {apcer_target}"}
    model, cv = fit_fusion(x_train, lab_train, groups, names, apcer_target, l2_grid=l2_grid)
    info = {"l2": cv["l2"], "cv_folds": cv["folds"], "cv_eer": (cv["report"] or {}).get("eer"),
            "features": len(names)}
    return model.score(x_test), model.threshold, info


def run_loso(samples: Sequence[PadSample], features: Mapping[str, tuple[tuple[str, ...], np.ndarray]],
             methods: Sequence[Method], synthetic: Sequence[PadSample] = (),
             synthetic_features: Mapping[str, np.ndarray] | None = None,
             apcer_target: float = 0.05, l2_grid: tuple[float, ...] = L2_GRID) -> dict[str, Any]:
    """Leave-one-source-out over ``samples`` (rows of ``features``: set name -> (names, matrix)).

    ``synthetic`` rows (with ``columns['origin']`` naming the source their bona fide face came from, and
    ``synthetic_features`` holding their matrices in the same sets) are added to the training rows of
    every fold whose held-out source they were not made from. Returns ``{"folds": [...], "summary": {...}}``.
    """
    labels = np.array([s.label for s in samples])
    synth_labels = np.array([s.label for s in synthetic])
    folds = loso_folds(samples, [s.columns.get("origin", "") for s in synthetic])
    out_folds = []
    for fold in folds:
        test_lab = labels[fold.test]
        n_bona, species = split_labels(test_lab.tolist())
        train_lab = np.concatenate([labels[fold.train], synth_labels[fold.synthetic]])
        train_rows = [samples[i] for i in fold.train] + [synthetic[i] for i in fold.synthetic]
        # Never trust the index arithmetic alone: a held-out row in training would flatter every figure.
        if any(source_of(s) == fold.source for s in (samples[i] for i in fold.train)) or \
                any(s.columns.get("origin") == fold.source for s in (synthetic[i] for i in fold.synthetic)):
            raise AssertionError(f"held-out source {fold.source} leaked into its own training rows")
        groups, by_subject = cv_groups([s.columns.get("subject") for s in train_rows], [s.path for s in train_rows])
        entry: dict[str, Any] = {
            "held_out": fold.source, "test": {"bona_fide": n_bona, "attacks": species},
            "train": {"sources": sorted({source_of(samples[i]) for i in fold.train}),
                      "bona_fide": int(np.sum(train_lab == BONA_FIDE)),
                      "attacks": split_labels(train_lab.tolist())[1], "synthetic_rows": int(len(fold.synthetic)),
                      "cv_grouped_by": "subject" if by_subject else "image"},
            "too_small": n_bona < MIN_REPORTED or not species or min(species.values()) < MIN_REPORTED,
            "methods": {},
        }
        for method in methods:
            names = tuple(n for st in method.sets for n in features[st][0]) if method.sets != (ANTISPOOF,) \
                else features["cues"][0]
            sets = method.sets if method.sets != (ANTISPOOF,) else ("cues",)
            x_real = np.hstack([features[st][1] for st in sets])
            x_train = x_real[fold.train]
            if len(fold.synthetic):
                x_syn = np.hstack([synthetic_features[st] for st in sets])  # type: ignore[index]
                x_train = np.vstack([x_train, x_syn[fold.synthetic]])
            if len(set(train_lab.tolist())) < 2 or not species or n_bona == 0:
                entry["methods"][method.name] = {"skipped": "a class is missing in the training or test rows"}
                continue
            scores, thr, info = _fit_and_score(method, x_train, train_lab, groups, x_real[fold.test], names,
                                               apcer_target, l2_grid)
            bona, attacks = _species_scores(scores, test_lab)
            entry["methods"][method.name] = {**pad_metrics.pad_report(bona, attacks, thr).to_dict(),
                                             "training": info}
        out_folds.append(entry)
    return {"protocol": "leave-one-source-out", "apcer_target": apcer_target,
            "methods": {m.name: list(m.sets) for m in methods}, "folds": out_folds,
            "summary": summarise(out_folds, [m.name for m in methods])}


def summarise(folds: Sequence[Mapping[str, Any]], methods: Sequence[str]) -> dict[str, Any]:
    """Per method: each held-out source's headline figures and the worst over the sources large enough."""
    out: dict[str, Any] = {}
    for name in methods:
        per, worst = {}, {}
        for f in folds:
            r = f["methods"].get(name, {})
            if "bpcer_at_apcer" not in r:
                continue
            row = {"bpcer_at_apcer_5": r["bpcer_at_apcer"]["0.05"], "bpcer_at_apcer_10": r["bpcer_at_apcer"]["0.10"],
                   "eer": r["eer"], "threshold": r["threshold"], "apcer_at_threshold": r["apcer"],
                   "bpcer_at_threshold": r["bpcer"], "too_small": f["too_small"]}
            per[f["held_out"]] = row
            if not f["too_small"]:
                for k in ("bpcer_at_apcer_5", "bpcer_at_apcer_10", "eer", "bpcer_at_threshold"):
                    worst[k] = max(worst.get(k, 0.0), row[k])
                worst["apcer_at_threshold"] = max(worst.get("apcer_at_threshold", 0.0), *r["apcer"].values())
        out[name] = {"per_source": per, "worst_over_sources": worst}
    return out


def write_loso(result: Mapping[str, Any], out_json: Path) -> list[Path]:
    """The summary at ``out_json`` and one JSON per held-out source beside it (``<stem>_<source>.json``)."""
    out_json.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for f in result["folds"]:
        p = out_json.with_name(f"{out_json.stem}_{f['held_out']}.json")
        p.write_text(json.dumps(f, indent=2), encoding="utf-8")
        written.append(p)
    out_json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return [out_json, *written]


def table(result: Mapping[str, Any]) -> str:
    """A markdown table of the summary: one row per method and held-out source."""
    lines = ["| held out | method | BPCER@APCER 5% | BPCER@APCER 10% | EER | threshold | APCER at threshold | "
             "BPCER at threshold |", "|---|---|---|---|---|---|---|---|"]
    for f in result["folds"]:
        for name, r in f["methods"].items():
            if "eer" not in r:
                lines.append(f"| {f['held_out']} | {name} | {r.get('skipped', '-')} | | | | | |")
                continue
            ap = ", ".join(f"{k} {v:.1%}" for k, v in r["apcer"].items())
            mark = " (too small)" if f["too_small"] else ""
            lines.append(f"| {f['held_out']}{mark} | {name} | {r['bpcer_at_apcer']['0.05']:.1%} | "
                         f"{r['bpcer_at_apcer']['0.10']:.1%} | {r['eer']:.1%} | {r['threshold']:.3f} | {ap} | "
                         f"{r['bpcer']:.1%} |")
    return "\n".join(lines)


def parse_methods(spec: str, known_sets: Sequence[str]) -> list[Method]:
    """``"antispoof,cues,cues+sface"`` -> methods; ``BadInputError`` naming an unknown feature set."""
    methods = []
    for item in (p.strip() for p in spec.split(",")):
        if not item:
            continue
        sets = tuple(dict.fromkeys(s.strip() for s in item.split("+")))  # "cues+cues" is "cues"
        unknown = [s for s in sets if s not in (*known_sets, ANTISPOOF)]
        if unknown or (ANTISPOOF in sets and len(sets) > 1):
            raise BadInputError(f"method {item!r}: unknown feature set {unknown or [ANTISPOOF]}; choose from "
                                f"{[ANTISPOOF, *known_sets]} ('antispoof' stands alone, sets join with '+')")
        methods.append(Method(item, sets))
    if not methods:
        raise BadInputError("no method given (e.g. --methods antispoof,cues)")
    return methods


def evaluate_loso(root: Path, out_json: Path, methods: Sequence[Method], row_filter: Any = None,
                  provider: str | None = None, cache_dir: Path | None = None, progress: bool = True,
                  apcer_target: float = 0.05) -> dict[str, Any]:
    """Extract (cached) features of every selected image, run the protocol, write the JSON files."""
    from kiosk.pad_eval import extract_sets, read_dataset

    samples = read_dataset(root, row_filter)
    sets = sorted({s for m in methods for s in m.sets} - {ANTISPOOF} | {"cues"})
    kept, feats, failures = extract_sets(root, samples, sets, provider, cache_dir, progress)
    result = run_loso(kept, feats, methods, apcer_target=apcer_target)
    result.update({"data": str(root), "failures": len(failures), "failed_images": dict(sorted(failures.items())[:100])})
    result["files"] = [str(p) for p in write_loso(result, out_json)]
    return result
