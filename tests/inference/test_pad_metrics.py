"""ISO/IEC 30107-3 metrics on hand-made score sets whose APCER/BPCER/EER are known by counting."""
from __future__ import annotations

import numpy as np
import pytest

from inference.pad import metrics as pm

# Higher = attack. Threshold 0.5: bona fide 0.6 and 0.9 are rejected (BPCER 2/8); print 0.3 is accepted
# (APCER 1/4); replay 0.2 and 0.4 are accepted (APCER 2/5).
BONA = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.6, 0.9]
ATTACKS = {"print": [0.3, 0.7, 0.8, 0.95], "replay": [0.2, 0.4, 0.55, 0.65, 0.99]}


def test_apcer_per_species_and_bpcer_at_threshold() -> None:
    assert pm.apcer(ATTACKS["print"], 0.5) == pytest.approx(1 / 4)
    assert pm.apcer(ATTACKS["replay"], 0.5) == pytest.approx(2 / 5)
    assert pm.bpcer(BONA, 0.5) == pytest.approx(2 / 8)
    assert pm.apcer_max(ATTACKS, 0.5) == pytest.approx(2 / 5)


def test_score_equal_to_threshold_is_an_attack() -> None:
    assert pm.apcer([0.5], 0.5) == 0.0
    assert pm.bpcer([0.5], 0.5) == 1.0


def test_threshold_at_apcer_is_the_highest_meeting_every_species() -> None:
    # APCER 0: every attack must be >= t -> t = min over all attacks = 0.2.
    assert pm.threshold_at_apcer(ATTACKS, 0.0) == pytest.approx(0.2)
    # APCER <= 25%: print may lose 1 of 4 (t <= 0.7), replay 1 of 5 (t <= 0.4) -> 0.4.
    assert pm.threshold_at_apcer(ATTACKS, 0.25) == pytest.approx(0.4)
    t = pm.threshold_at_apcer(ATTACKS, 0.25)
    assert pm.apcer_max(ATTACKS, t) <= 0.25
    assert pm.apcer_max(ATTACKS, np.nextafter(t, 1)) > 0.25
    # BPCER there: bona fide >= 0.4 -> 0.6 and 0.9 -> 2/8.
    assert pm.bpcer_at_apcer(BONA, ATTACKS, 0.25) == (pytest.approx(2 / 8), pytest.approx(0.4))


def test_target_allowing_every_attack_through_rejects_no_bona_fide() -> None:
    b, t = pm.bpcer_at_apcer(BONA, {"print": [0.7]}, 1.0)
    assert t == np.inf and b == 0.0


def test_eer_of_separable_and_of_identical_sets() -> None:
    assert pm.eer([0.1, 0.2, 0.3], {"print": [0.7, 0.8]}) == 0.0
    same = [0.1, 0.2, 0.3, 0.4]
    assert pm.eer(same, {"print": same}) == pytest.approx(0.5, abs=0.13)


def test_eer_known_crossing() -> None:
    # 10 bona fide 0..0.9, 10 attacks 0.45..1.35 step 0.1: at t=0.5 BPCER = 5/10, APCER = 1/10; at t=0.8 BPCER 2/10,
    # APCER 4/10; the crossing at t in (0.6, 0.7]: BPCER 3/10, APCER 3/10.
    bona = np.arange(10) / 10
    att = 0.45 + np.arange(10) / 10
    assert pm.eer(bona, {"print": att}) == pytest.approx(0.3)


def test_eer_uses_the_worst_species() -> None:
    bona = np.arange(10) / 10
    easy = np.full(10, 5.0)
    hard = 0.45 + np.arange(10) / 10
    assert pm.eer(bona, {"easy": easy, "hard": hard}) == pytest.approx(pm.eer(bona, {"hard": hard}))


def test_report_keys_and_values() -> None:
    r = pm.pad_report(BONA, ATTACKS, 0.5).to_dict()
    assert r["bona_fide"] == 8 and r["attacks"] == {"print": 4, "replay": 5}
    assert r["apcer"] == {"print": 0.25, "replay": 0.4} and r["bpcer"] == 0.25 and r["apcer_max"] == 0.4
    assert set(r["bpcer_at_apcer"]) == {"0.01", "0.05", "0.10"}
    # APCER <= 1%, 5% or 10% with 4-5 attacks per species means none may pass: t = 0.2, BPCER = 5/8.
    assert r["bpcer_at_apcer"]["0.05"] == pytest.approx(5 / 8)


def test_det_points_are_monotone() -> None:
    thr, ap, bp = pm.det_points(BONA, ATTACKS["replay"])
    assert np.all(np.diff(thr) > 0) and np.all(np.diff(ap) >= 0) and np.all(np.diff(bp) <= 0)
    assert ap[0] == 0.0 and bp[0] == 1.0 and ap[-1] == 1.0 and bp[-1] == 0.0


def test_bad_inputs_are_value_errors() -> None:
    with pytest.raises(ValueError):
        pm.apcer([], 0.5)
    with pytest.raises(ValueError):
        pm.bpcer([np.nan], 0.5)
    with pytest.raises(ValueError):
        pm.pad_report(BONA, {}, 0.5)


def test_clopper_pearson_known_values_and_rule_of_three() -> None:
    from inference.pad.metrics import clopper_pearson, rule_of_three

    lo, hi = clopper_pearson(3, 100)  # published exact interval: 0.0062 - 0.0852
    assert lo == pytest.approx(0.00622, abs=1e-4) and hi == pytest.approx(0.08518, abs=1e-4)
    assert clopper_pearson(0, 60) == (0.0, pytest.approx(1 - 0.025 ** (1 / 60), abs=1e-9))
    assert clopper_pearson(10, 10)[1] == 1.0
    lo, hi = clopper_pearson(5, 10)
    assert lo == pytest.approx(1 - hi, abs=1e-9)  # symmetric at half
    assert clopper_pearson(0, 60, 0.90)[1] < rule_of_three(60) == 0.05 < clopper_pearson(0, 60)[1]
    with pytest.raises(ValueError):
        clopper_pearson(3, 2)
