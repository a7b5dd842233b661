"""``kiosk eval pad --protocol loso``: leave-one-source-out evaluation of every PAD method side by side.

For every source in labels.csv, each method is trained on all other sources with the training code of
``kiosk pad train`` (ridge and threshold by grouped cross-validation on the training rows only) and
tested on the source left out. The threshold is the one chosen on the training rows ("transferred"),
so the report shows both how well a method ranks an unseen camera (BPCER@APCER, EER: the threshold is
picked on the test scores there) and what happens at the threshold a site would actually ship.

A method is a list of feature sets (``kiosk.pad.sets``); the method ``antispoof`` is FaceAntiSpoofing
alone, whose threshold is set on the training rows at the same APCER target. Optional synthetic attacks
(``kiosk.pad.synth``) join the training rows of a fold only when they were rendered from a source other
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

from inference.pad import metrics as pad_metrics
from inference.pad.features import FEATURE_NAMES
from kiosk.errors import BadInputError
from kiosk.evaluation.pad import BONA_FIDE, PadSample, split_labels
from kiosk.pad.train import L2_GRID, L2_GRID_WIDE, cv_groups, fit_fusion

ANTISPOOF = "antispoof"
# A source with fewer bona fide or attack images than this is reported but left out of the summary's
# worst case: three images say nothing about a method.
MIN_REPORTED = 20
SYNTH_SUFFIX = "synth"
CV_CHOICE = "cv-choice"  # the method chosen per fold by cross-validation on its training rows


@dataclass(frozen=True)
class Method:
    """A PAD method: the feature sets it fuses (``("antispoof",)`` alone means no training)."""

    name: str
    sets: tuple[str, ...]
    synthetic: bool = False  # train with the synthetic attacks too (name suffix "@synth")


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
                   ) -> tuple[np.ndarray, float, dict[str, Any]]:
    """(test scores, transferred threshold, training summary) of one method on one fold."""
    if method.sets == (ANTISPOOF,):
        col = names.index(ANTISPOOF)
        _, attacks = _species_scores(x_train[:, col], lab_train)
        thr = pad_metrics.threshold_at_apcer(attacks, apcer_target)
        thr = float(min(max(thr, 0.0), 1.0)) if np.isfinite(thr) else 1.0
        return x_test[:, col], thr, {"threshold_rule": f"training APCER of the worst species <= {apcer_target}"}
    grid = L2_GRID if len(names) <= len(FEATURE_NAMES) else L2_GRID_WIDE  # the 26 cues keep pad train's grid
    model, cv = fit_fusion(x_train, lab_train, groups, names, apcer_target, l2_grid=grid)
    info = {"l2": cv["l2"], "cv_folds": cv["folds"], "cv_eer": (cv["report"] or {}).get("eer"),
            "features": len(names)}
    return model.score(x_test), model.threshold, info


def run_loso(samples: Sequence[PadSample], features: Mapping[str, tuple[tuple[str, ...], np.ndarray]],
             methods: Sequence[Method], synthetic: Sequence[PadSample] = (),
             synthetic_features: Mapping[str, np.ndarray] | None = None,
             apcer_target: float = 0.05) -> dict[str, Any]:
    """Leave-one-source-out over ``samples`` (rows of ``features``: set name -> (names, matrix)).

    ``synthetic`` rows (with ``columns['origin']`` naming the source their bona fide face came from, and
    ``synthetic_features`` holding their matrices in the same sets) are added to the training rows of
    the methods marked ``synthetic``, in every fold whose held-out source they were not made from.
    Returns ``{"folds": [...], "summary": {...}}``.
    """
    labels = np.array([s.label for s in samples])
    synth_labels = np.array([s.label for s in synthetic], dtype=object)
    folds = loso_folds(samples, [s.columns.get("origin", "") for s in synthetic])
    if len(folds) < 2:
        raise BadInputError(f"leave-one-source-out needs at least two sources; the selected rows have "
                            f"{[f.source for f in folds]}")
    out_folds = []
    for fold in folds:
        test_lab = labels[fold.test]
        n_bona, species = split_labels(test_lab.tolist())
        # Never trust the index arithmetic alone: a held-out row in training would flatter every figure.
        if any(source_of(s) == fold.source for s in (samples[i] for i in fold.train)) or \
                any(s.columns.get("origin") == fold.source for s in (synthetic[i] for i in fold.synthetic)):
            raise AssertionError(f"held-out source {fold.source} leaked into its own training rows")
        entry: dict[str, Any] = {
            "held_out": fold.source, "test": {"bona_fide": n_bona, "attacks": species},
            "train": {"sources": sorted({source_of(samples[i]) for i in fold.train}),
                      "bona_fide": int(np.sum(labels[fold.train] == BONA_FIDE)),
                      "attacks": split_labels(labels[fold.train].tolist())[1],
                      "synthetic": split_labels(synth_labels[fold.synthetic].tolist()) if len(fold.synthetic) else None},
            "too_small": n_bona < MIN_REPORTED or not species or min(species.values()) < MIN_REPORTED,
            "methods": {},
        }
        for method in methods:
            syn = fold.synthetic if method.synthetic else np.array([], dtype=int)
            train_lab = np.concatenate([labels[fold.train], synth_labels[syn]]).astype(str)
            train_rows = [samples[i] for i in fold.train] + [synthetic[i] for i in syn]
            groups, by_subject = cv_groups([s.columns.get("subject") for s in train_rows],
                                           [s.path for s in train_rows])
            sets = method.sets if method.sets != (ANTISPOOF,) else ("cues",)
            names = tuple(n for st in sets for n in features[st][0])
            x_real = np.hstack([features[st][1] for st in sets])
            x_train = x_real[fold.train]
            if len(syn):
                x_syn = np.hstack([synthetic_features[st] for st in sets])  # type: ignore[index]
                x_train = np.vstack([x_train, x_syn[syn]])
            if len(set(train_lab.tolist())) < 2 or not species or n_bona == 0:
                entry["methods"][method.name] = {"skipped": "a class is missing in the training or test rows"}
                continue
            scores, thr, info = _fit_and_score(method, x_train, train_lab, groups, x_real[fold.test], names,
                                               apcer_target)
            info.update({"synthetic_rows": int(len(syn)), "cv_grouped_by": "subject" if by_subject else "image"})
            bona, attacks = _species_scores(scores, test_lab)
            entry["methods"][method.name] = {**pad_metrics.pad_report(bona, attacks, thr).to_dict(),
                                             "training": info}
        _cv_choice(entry["methods"])
        out_folds.append(entry)
    names = [m.name for m in methods] + ([CV_CHOICE] if any(CV_CHOICE in f["methods"] for f in out_folds) else [])
    return {"protocol": "leave-one-source-out", "apcer_target": apcer_target,
            "methods": {m.name: {"sets": list(m.sets), "synthetic": m.synthetic} for m in methods},
            "folds": out_folds, "summary": summarise(out_folds, names)}


def _cv_choice(results: dict[str, Any]) -> None:
    """Add the method ``pad train`` would pick from this fold's training rows alone: the lowest grouped-CV
    EER among the trained methods (ties to fewer features). No test figure takes part in the choice."""
    cands = {n: r["training"] for n, r in results.items()
             if "training" in r and r["training"].get("cv_eer") is not None}
    if len(cands) < 2:
        return
    chosen = min(cands, key=lambda n: (cands[n]["cv_eer"], cands[n]["features"], n))
    results[CV_CHOICE] = {**results[chosen], "chosen": chosen}


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
        body, _, suffix = item.partition("@")
        if suffix not in ("", SYNTH_SUFFIX):
            raise BadInputError(f"method {item!r}: the only suffix is '@{SYNTH_SUFFIX}' (train with synthetic attacks)")
        sets = tuple(dict.fromkeys(s.strip() for s in body.split("+")))  # "cues+cues" is "cues"
        unknown = [s for s in sets if s not in (*known_sets, ANTISPOOF)]
        if unknown or (ANTISPOOF in sets and len(sets) > 1):
            raise BadInputError(f"method {item!r}: unknown feature set {unknown or [ANTISPOOF]}; choose from "
                                f"{[ANTISPOOF, *known_sets]} ('antispoof' stands alone, sets join with '+')")
        if suffix and sets == (ANTISPOOF,):
            raise BadInputError("'antispoof' is not trained, so it cannot use synthetic attacks")
        methods.append(Method(item, sets, synthetic=bool(suffix)))
    if not methods:
        raise BadInputError("no method given (e.g. --methods antispoof,cues)")
    return methods


def evaluate_loso(root: Path, out_json: Path, methods: Sequence[Method], row_filter: Any = None,
                  provider: str | None = None, cache_dir: Path | None = None, progress: bool = True,
                  apcer_target: float = 0.05, synth_data: Path | None = None,
                  synth_limits: tuple[int, int, int] = (200, 120, 150), cost_frames: int = 0) -> dict[str, Any]:
    """Extract (cached) features of every selected image, run the protocol, write the JSON files.

    Methods marked ``synthetic`` also train on attacks rendered from the bona fide faces of ``synth_data``
    (the research data folder) and of labels.csv, at most ``synth_limits`` = (NUAA, video, LFW) faces.
    ``cost_frames`` > 0 also times every feature set on that many frames (``kiosk.pad.sets.time_sets``).
    """
    from kiosk.evaluation.pad import read_dataset
    from kiosk.pad.sets import extract_items, extract_sets, time_sets

    samples = read_dataset(root, row_filter)
    sets = sorted({s for m in methods for s in m.sets} - {ANTISPOOF} | {"cues"})
    kept, feats, failures, cost = extract_sets(root, samples, sets, provider, cache_dir, progress)
    synth: list[PadSample] = []
    synth_feats: dict[str, np.ndarray] = {}
    synth_info: dict[str, Any] | None = None
    if any(m.synthetic for m in methods):
        from kiosk.pad.synth import bona_fide_faces, synthetic_rows

        if synth_data is None or not Path(synth_data).is_dir():
            raise BadInputError(f"synthetic attacks need the research data folder (got {synth_data}); "
                                "set --synth-data or KIOSK_DATA_DIR")
        faces = bona_fide_faces(Path(synth_data), root, samples, *synth_limits)
        rows, items = synthetic_rows(faces)
        idx, sf, sfail, _ = extract_items(items, sets, provider, cache_dir, progress, desc="synthetic")
        synth = [rows[i] for i in idx]
        synth_feats = {k: v[1] for k, v in sf.items()}
        synth_info = {"faces": len(faces), "rows": len(synth), "without_a_face": len(sfail),
                      "by_origin": {o: split_labels([r.label for r in synth if r.columns["origin"] == o])
                                    for o in sorted({r.columns["origin"] for r in synth})}}
    result = run_loso(kept, feats, methods, synth, synth_feats, apcer_target=apcer_target)
    result.update({"data": str(root), "failures": len(failures), "failed_images": dict(sorted(failures.items())[:100]),
                   "deep_extraction_ms_median": cost, "synthetic": synth_info})
    if cost_frames > 0:
        result["cost_ms_per_frame"] = time_sets(root, kept, sets, cost_frames, provider)
    result["files"] = [str(p) for p in write_loso(result, out_json)]
    return result
