"""Site calibration, the evaluation half: train on a collection without its held-back people, score the new
and the current model there with 95% intervals, and install the new one only if the rule allows.

``kiosk.pad.collect`` takes the captures (plan, prompts, gate, the features-only collection file); this
module is steps 4 and 5 of its docstring: the split, the figures, the install rule (``decide``) and the
install itself (``kiosk.pad.site.install``).
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inference.pad import metrics as pad_metrics
from inference.liveness import ANTISPOOF_DEFAULT_THRESHOLD
from inference.pad.features import FEATURE_NAMES, FEATURE_VERSION
from inference.pad.model import PadModel

from kiosk.pad.collect import Collection, TooFewCapturesError, _now
from kiosk.evaluation.pad import BONA_FIDE, scores_for
from kiosk.pad.site import installed_model, site_dir, write_atomic
from kiosk.pad.train import fit_fusion

APCER_TARGET = 0.05
SITE_TARGET = 0.05  # issue 14: BPCER <= 5% at APCER 5% on the held-back part
MAX_BPCER = 0.10    # the most held-back live frames an installed model may reject at its own threshold
INSTALL_RULE = ("install only if, on the held-back frames, (a) the new model's worst-species APCER at its own threshold "
                "is at most the larger of the APCER target and the current model's, (b) its BPCER at its own threshold "
                f"is not higher than the current model's at its own nor above {MAX_BPCER:.0%}, and (c) its BPCER at APCER 5% (worst species) is "
                "lower than the current model's, or equal with a lower BPCER at its own threshold")


@dataclass(frozen=True)
class Rows:
    """The collection flattened to frames: features, label, person and capture id per frame."""

    x: np.ndarray
    labels: np.ndarray
    persons: np.ndarray
    capture_ids: np.ndarray

    @classmethod
    def of(cls, captures: Iterable[dict[str, Any]]) -> Rows:
        """Every stored frame of ``captures``."""
        x, labels, persons, caps = [], [], [], []
        for i, c in enumerate(captures):
            for f in c["frames"]:
                x.append([np.nan if f.get(n) is None else float(f[n]) for n in FEATURE_NAMES])
                labels.append(c["label"])
                persons.append(int(c["person"]))
                caps.append(i)
        return cls(np.array(x, np.float64).reshape(len(x), len(FEATURE_NAMES)), np.array(labels, dtype=object),
                   np.array(persons, int), np.array(caps, int))

    def take(self, mask: np.ndarray) -> Rows:
        """The rows where ``mask`` is true."""
        return Rows(self.x[mask], self.labels[mask], self.persons[mask], self.capture_ids[mask])


def _rate(errors: int, n: int) -> dict[str, Any]:
    lo, hi = pad_metrics.clopper_pearson(errors, n)
    out: dict[str, Any] = {"rate": round(errors / n, 5), "errors": errors, "n": n, "ci95": [round(lo, 5), round(hi, 5)]}
    if errors == 0:
        out["rule_of_three_upper95"] = round(pad_metrics.rule_of_three(n), 5)
    return out


def held_back_figures(scores: np.ndarray, rows: Rows, threshold: float) -> dict[str, Any]:
    """ISO/IEC 30107-3 figures of one method on the held-back rows, with 95% intervals, per frame and per capture."""
    lab = rows.labels
    species = sorted(set(lab.tolist()) - {BONA_FIDE})
    bona = scores[lab == BONA_FIDE]
    attacks = {sp: scores[lab == sp] for sp in species}
    frame = {"bpcer": _rate(int(np.sum(bona >= threshold)), len(bona)),
             "apcer": {sp: _rate(int(np.sum(a < threshold)), len(a)) for sp, a in attacks.items()}}
    b5, t5 = pad_metrics.bpcer_at_apcer(bona, attacks, APCER_TARGET)
    at5 = {"bpcer": _rate(int(round(b5 * len(bona))), len(bona)),
           "threshold": None if not np.isfinite(t5) else round(float(t5), 5),
           "apcer": {sp: round(pad_metrics.apcer(a, t5), 5) for sp, a in attacks.items()}}
    # Per capture: the median of its frames, as the kiosk aggregates a presentation.
    cap_scores: dict[int, float] = {}
    cap_label: dict[int, str] = {}
    for cid in np.unique(rows.capture_ids):
        m = rows.capture_ids == cid
        cap_scores[int(cid)] = float(np.median(scores[m]))
        cap_label[int(cid)] = str(lab[m][0])
    cb = [s for c, s in cap_scores.items() if cap_label[c] == BONA_FIDE]
    capture = {"bpcer": _rate(sum(s >= threshold for s in cb), len(cb)),
               "apcer": {sp: _rate(sum(s < threshold for c, s in cap_scores.items() if cap_label[c] == sp),
                                   sum(cap_label[c] == sp for c in cap_scores)) for sp in species}}
    return {"threshold": round(float(threshold), 5), "frames": frame, "bpcer_at_apcer_5": at5,
            "eer": round(pad_metrics.eer(bona, attacks), 5),
            "apcer_worst_at_threshold": max(v["rate"] for v in frame["apcer"].values()),
            "captures": capture,
            "held_back": {"people": sorted(set(rows.persons.tolist())), "bona_fide_frames": len(bona),
                          "attack_frames": {sp: len(a) for sp, a in attacks.items()},
                          "captures": len(cap_scores)}}


def decide(new: dict[str, Any], current: dict[str, Any], apcer_target: float = APCER_TARGET) -> tuple[bool, str]:
    """The install rule (module docstring, step 5): (install?, why) from two ``held_back_figures``."""
    eps = 1e-9
    an, ac = new["apcer_worst_at_threshold"], current["apcer_worst_at_threshold"]
    bn, bc = new["bpcer_at_apcer_5"]["bpcer"]["rate"], current["bpcer_at_apcer_5"]["bpcer"]["rate"]
    tn, tc = new["frames"]["bpcer"]["rate"], current["frames"]["bpcer"]["rate"]
    if an > max(apcer_target, ac) + eps:
        return False, (f"the new model's threshold lets {an:.1%} of the held-back attacks of its worst species through "
                       f"(more than the {apcer_target:.0%} target and the current model's {ac:.1%}); the current "
                       "model stays")
    if tn > MAX_BPCER + eps:
        return False, (f"the new model's threshold rejects {tn:.1%} of the held-back live frames (more than "
                       f"{MAX_BPCER:.0%}): installed, it would turn genuine customers away; collect more captures "
                       "(more people, more varied light) and calibrate again; the current model stays")
    if tn > tc + eps:
        return False, (f"the new model's threshold rejects more held-back live frames than the current one "
                       f"({tn:.1%} vs {tc:.1%}); the current model stays")
    if bn < bc - eps:
        return True, (f"lower BPCER at APCER 5% on the held-back part ({bn:.1%} < {bc:.1%}); at its threshold "
                      f"APCER {an:.1%}, BPCER {tn:.1%}")
    if abs(bn - bc) <= eps and tn < tc - eps:
        return True, (f"equal BPCER at APCER 5% ({bn:.1%}) and lower BPCER at its threshold ({tn:.1%} < {tc:.1%}), "
                      f"APCER there {an:.1%}")
    if abs(bn - bc) <= eps:
        return False, (f"not better than the current model: equal BPCER at APCER 5% ({bn:.1%}) and BPCER at its "
                       f"threshold not lower ({tn:.1%} vs {tc:.1%}); the current model stays")
    return False, f"worse than the current model: BPCER at APCER 5% {bn:.1%} vs {bc:.1%}; the current model stays"


def _holdout(plan_people: int, persons: set[int], holdout: Sequence[int] | None) -> list[int]:
    chosen = sorted(set(holdout)) if holdout else list(range(plan_people - max(1, plan_people // 3) + 1,
                                                             plan_people + 1))
    bad = [p for p in chosen if p not in persons]
    if bad:
        raise TooFewCapturesError(f"held-back person {bad} has no captures (people with captures: {sorted(persons)})")
    if len(chosen) >= len(persons):
        raise TooFewCapturesError(f"holding back {chosen} leaves nobody to train on: hold back fewer people")
    return chosen


def _check_split(train: Rows, test: Rows, species: Sequence[str]) -> None:
    def count(r: Rows) -> dict[str, int]:
        return {lab: int(np.sum(r.labels == lab)) for lab in (BONA_FIDE, *species)}
    ct, ch = count(train), count(test)
    missing = [f"{lab} (training {ct[lab]}, held back {ch[lab]} frames)" for lab in (BONA_FIDE, *species)
               if ct[lab] < 2 or ch[lab] < 1]
    if missing:
        raise TooFewCapturesError("too few captures to train and test: " + "; ".join(missing) +
                                  ". Every class needs captures of the training people and of the held-back people: "
                                  "finish the plan (resume 'kiosk pad collect') or collect more")


def calibrate(collection: Collection, data_dir: Path, holdout: Sequence[int] | None = None,
              install_if_better: bool = True, apcer_target: float = APCER_TARGET) -> dict[str, Any]:
    """Train on the collection without the held-back people, evaluate both models there, install if better.

    Returns the report (also written to ``<data dir>/pad/reports/calibration-<time>.json``, beside the
    candidate model). Raises ``TooFewCapturesError`` or, for a damaged current model, ``SiteModelError``.
    """
    from kiosk.pad.site import install

    if collection.origin == "camera" and collection.remaining():
        raise TooFewCapturesError(f"the collection is not finished: {len(collection.remaining())} captures left; "
                                  "resume 'kiosk pad collect' to take them")
    rows = Rows.of(collection.captures)
    species = list(collection.plan.species)
    held = _holdout(collection.plan.people, set(rows.persons.tolist()), holdout)
    is_held = np.isin(rows.persons, held)
    train, test = rows.take(~is_held), rows.take(is_held)
    _check_split(train, test, species)
    current = installed_model(data_dir)  # before training: a damaged current model stops here (SiteModelError)
    # Folds by person whenever two or more train (a fold then tests on an unseen person, as the held-back part
    # does; folds of captures let a person's other captures flatter it); a single person's captures fold by capture.
    by_person = len(set(train.persons.tolist())) >= 2
    groups = [f"person-{p}" for p in train.persons] if by_person else [f"capture-{c}" for c in train.capture_ids]
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    training = {"data": f"site calibration {collection.started_at}", "origin": collection.origin,
                "camera": collection.camera, "people": sorted(set(train.persons.tolist())), "held_back_people": held,
                "bona_fide": int(np.sum(train.labels == BONA_FIDE)),
                "attacks": {sp: int(np.sum(train.labels == sp)) for sp in species},
                "cv": {"grouped_by": "person" if by_person else "capture"}}
    metadata = {"feature_version": FEATURE_VERSION, "trained_at": _now(), "trained_by": "kiosk pad collect",
                "model": "logistic regression, class-balanced, L2", "score": "attack probability (higher = attack)"}
    model, cv = fit_fusion(train.x, train.labels, groups, FEATURE_NAMES, apcer_target, training=training,
                           metadata=metadata)
    new_fig = held_back_figures(scores_for(test.x, model), test, model.threshold)
    if current is not None:
        cur_name = f"installed site model (installed {current.record.get('installed_at', '?')})"
        cur_fig = held_back_figures(scores_for(test.x, _subset(current.model)), test, current.model.threshold)
    else:
        cur_name = f"FaceAntiSpoofing alone at {ANTISPOOF_DEFAULT_THRESHOLD} (no site model installed)"
        cur_fig = held_back_figures(scores_for(test.x, None), test, ANTISPOOF_DEFAULT_THRESHOLD)
    better, why = decide(new_fig, cur_fig, apcer_target)
    reports = site_dir(data_dir) / "reports"
    report_path = reports / f"calibration-{stamp}.json"
    candidate = reports / f"model-{stamp}.json"
    write_atomic(candidate, json.dumps(model.to_dict(), indent=2))
    report: dict[str, Any] = {
        "schema": "pad-calibration-report/1", "created_at": _now(), "plan": collection.plan.to_dict(),
        "origin": collection.origin, "camera": collection.camera, "captures": len(collection.captures),
        "held_back_people": held, "training": {**training, "cv": cv}, "candidate_model": str(candidate),
        "new": new_fig, "current": {"name": cur_name, **cur_fig},
        "install_rule": INSTALL_RULE,
        "better": better, "decision": why,
        "target": {"bpcer_at_apcer_5_max": SITE_TARGET,
                   "met": new_fig["bpcer_at_apcer_5"]["bpcer"]["rate"] <= SITE_TARGET},
        "independence_note": "frames of one capture and captures of one person are not independent: the frame "
                             "intervals are optimistic; count held-back people and captures too",
    }
    report["installed"] = None
    if better and install_if_better:
        report["installed"] = install(data_dir, model, report_path)
    write_atomic(report_path, json.dumps(report, indent=2))
    report["report_path"] = str(report_path)
    return report


def _subset(model: PadModel) -> PadModel:
    """The current model, checked to use only features the collection holds (a foreign model is refused)."""
    from kiosk.pad.site import SiteModelError

    unknown = [n for n in model.feature_names if n not in FEATURE_NAMES]
    if unknown:
        raise SiteModelError(f"the installed site model uses features {unknown} this collection does not hold: "
                             "it cannot be compared; set [liveness] model = \"none\" or restore a site model")
    return model


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The report in a few lines for a terminal or a log: both models' held-back figures and the decision."""
    def row(name: str, fig: dict[str, Any]) -> str:
        f, at5 = fig["frames"], fig["bpcer_at_apcer_5"]["bpcer"]
        apcer = ", ".join(f"{sp} {v['rate']:.1%} [{v['ci95'][0]:.1%}-{v['ci95'][1]:.1%}]" for sp, v in f["apcer"].items())
        return (f"  {name}: threshold {fig['threshold']:.3f}: BPCER {f['bpcer']['rate']:.1%} "
                f"[{f['bpcer']['ci95'][0]:.1%}-{f['bpcer']['ci95'][1]:.1%}], APCER {apcer}; "
                f"BPCER@APCER5% {at5['rate']:.1%} [{at5['ci95'][0]:.1%}-{at5['ci95'][1]:.1%}]; EER {fig['eer']:.1%}")
    hb = report["new"]["held_back"]
    lines = [f"held back: people {hb['people']}, {hb['bona_fide_frames']} live frames, attack frames "
             f"{hb['attack_frames']} ({hb['captures']} captures); 95% Clopper-Pearson intervals in brackets",
             row("new model", report["new"]), row(report["current"]["name"], report["current"]),
             f"target BPCER <= 5% at APCER 5%: {'met' if report['target']['met'] else 'NOT met'}",
             ("INSTALLED: " if report["installed"] else "not installed: ") + report["decision"],
             f"report: {report.get('report_path', '-')}"]
    return lines
