"""Leave-one-source-out bookkeeping (``kiosk.evaluation.pad_loso``) on synthetic feature rows: no held-out source
reaches training, per-source figures come from that source's rows, synthetic rows follow their origin."""
from __future__ import annotations

import numpy as np
import pytest

from inference.pad import metrics as pad_metrics
from inference.pad.features import FEATURE_NAMES
from kiosk.errors import BadInputError
from kiosk.evaluation.pad import PadSample
from kiosk.evaluation.pad_loso import Method, cv_groups, loso_folds, parse_methods, run_loso

ANTI = FEATURE_NAMES.index("antispoof")


def _data(rng: np.random.Generator) -> tuple[list[PadSample], np.ndarray]:
    """Three sources; each source's attack rows differ from its live rows on one source-specific column."""
    samples, rows = [], []
    for si, (src, species) in enumerate((("a", "print"), ("b", "replay"), ("c", "print"))):
        for subj in range(3):
            for label in ("live", species):
                for k in range(8):
                    v = rng.normal(0, 1, len(FEATURE_NAMES))
                    v[ANTI] = rng.uniform(0.0, 0.4) + (0.5 if label != "live" else 0.0)
                    if label != "live":
                        v[si] += 3.0
                    samples.append(PadSample(f"{src}/{subj}/{label}{k}.png", label,
                                             {"source": src, "subject": f"{src}{subj}"}))
                    rows.append(v)
    return samples, np.array(rows)


def test_folds_hold_out_exactly_one_source() -> None:
    samples, _ = _data(np.random.default_rng(0))
    origins = ["a", "b", "lfw", "a"]
    folds = loso_folds(samples, origins)
    assert [f.source for f in folds] == ["a", "b", "c"]
    for f in folds:
        assert {samples[i].columns["source"] for i in f.test} == {f.source}
        assert f.source not in {samples[i].columns["source"] for i in f.train}
        assert len(f.train) + len(f.test) == len(samples)
        assert f.source not in {origins[i] for i in f.synthetic}
    assert list(folds[0].synthetic) == [1, 2]  # made from b and lfw; the two made from a stay out


def test_per_source_figures_are_computed_on_that_source_only() -> None:
    rng = np.random.default_rng(1)
    samples, x = _data(rng)
    result = run_loso(samples, {"cues": (FEATURE_NAMES, x)}, [Method("antispoof", ("antispoof",)),
                                                                 Method("cues", ("cues",))])
    labels = np.array([s.label for s in samples])
    for fold in result["folds"]:
        rows = np.array([s.columns["source"] == fold["held_out"] for s in samples])
        r = fold["methods"]["antispoof"]
        assert r["bona_fide"] == int(np.sum(rows & (labels == "live")))
        # FaceAntiSpoofing alone: its test figures must equal those of that source's antispoof column.
        bona = x[rows & (labels == "live"), ANTI]
        attacks = {sp: x[rows & (labels == sp), ANTI] for sp in set(labels[rows]) - {"live"}}
        want = pad_metrics.pad_report(bona, attacks, r["threshold"]).to_dict()
        assert r["eer"] == want["eer"] and r["apcer"] == want["apcer"] and r["bpcer"] == want["bpcer"]
        assert fold["train"]["sources"] == sorted({"a", "b", "c"} - {fold["held_out"]})
        assert fold["methods"]["cues"]["training"]["features"] == len(FEATURE_NAMES)
    summary = result["summary"]["antispoof"]["per_source"]
    assert set(summary) == {"a", "b", "c"}


def test_held_out_cue_is_not_learnt() -> None:
    """Each source marks its attacks on its own column: a model that never saw the held-out source cannot
    know that column, while a leak would let it separate that source perfectly."""
    samples, x = _data(np.random.default_rng(2))
    x[:, ANTI] = np.random.default_rng(3).uniform(0, 1, len(x))  # no shared cue
    result = run_loso(samples, {"cues": (FEATURE_NAMES, x)}, [Method("cues", ("cues",))])
    for fold in result["folds"]:
        assert fold["methods"]["cues"]["eer"] > 0.2


def test_synthetic_rows_from_the_held_out_source_stay_out() -> None:
    samples, x = _data(np.random.default_rng(4))
    synth = [PadSample(f"syn/{i}", "print" if i % 2 else "live", {"origin": "a" if i < 4 else "lfw", "subject": f"s{i}"})
             for i in range(8)]
    xs = np.random.default_rng(5).normal(0, 1, (8, len(FEATURE_NAMES)))
    result = run_loso(samples, {"cues": (FEATURE_NAMES, x)},
                      [Method("cues", ("cues",)), Method("cues@synth", ("cues",), synthetic=True)], synth, {"cues": xs})
    by = {f["held_out"]: f["methods"] for f in result["folds"]}
    assert by["a"]["cues@synth"]["training"]["synthetic_rows"] == 4
    assert by["b"]["cues@synth"]["training"]["synthetic_rows"] == 8
    assert by["b"]["cues"]["training"]["synthetic_rows"] == 0


def test_one_source_or_no_source_column_is_a_typed_error() -> None:
    samples, x = _data(np.random.default_rng(6))
    one = [i for i, s in enumerate(samples) if s.columns["source"] == "a"]
    with pytest.raises(BadInputError, match="at least two sources"):
        run_loso([samples[i] for i in one], {"cues": (FEATURE_NAMES, x[one])}, [Method("cues", ("cues",))])
    with pytest.raises(BadInputError, match="'source' column"):
        loso_folds([PadSample("x.png", "live", {})])


def test_a_dominant_subject_makes_image_folds() -> None:
    groups, by_subject = cv_groups(["p"] * 10 + ["m1", "m2", "m3"], [f"i{k}" for k in range(13)])
    assert not by_subject and groups == [f"i{k}" for k in range(13)]
    groups, by_subject = cv_groups(["p", "q", "r"] * 4, [f"i{k}" for k in range(12)])
    assert by_subject and groups == ["p", "q", "r"] * 4


def test_method_parsing() -> None:
    ms = parse_methods("antispoof, cues,cues+cues", ["cues"])
    assert [m.sets for m in ms] == [("antispoof",), ("cues",), ("cues",)]
    with pytest.raises(BadInputError, match="unknown feature set"):
        parse_methods("cues+nope", ["cues"])
    with pytest.raises(BadInputError):
        parse_methods("antispoof+cues", ["cues"])
    with pytest.raises(BadInputError):
        parse_methods(" , ", ["cues"])
    assert parse_methods("cues@synth", ["cues"])[0].synthetic
    with pytest.raises(BadInputError, match="suffix"):
        parse_methods("cues@other", ["cues"])
    with pytest.raises(BadInputError, match="not trained"):
        parse_methods("antispoof@synth", ["cues"])


def test_cv_choice_uses_training_figures_only() -> None:
    from kiosk.evaluation.pad_loso import _cv_choice

    results = {"a": {"eer": 0.4, "training": {"cv_eer": 0.01, "features": 30}},
               "b": {"eer": 0.0, "training": {"cv_eer": 0.20, "features": 26}},
               "antispoof": {"eer": 0.1, "training": {"threshold_rule": "x"}}}
    _cv_choice(results)
    assert results["cv-choice"]["chosen"] == "a" and results["cv-choice"]["eer"] == 0.4
