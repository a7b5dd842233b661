from __future__ import annotations

import numpy as np

from inference import metrics


def test_threshold_at_fmr_admits_at_most_the_allowed_impostors() -> None:
    imp = np.arange(1000) / 1000.0  # 0.000 .. 0.999
    t = metrics.threshold_at_fmr(imp, 0.01)
    assert np.sum(imp >= t) == 10
    t = metrics.threshold_at_fmr(imp, 0.001)
    assert np.sum(imp >= t) == 1


def test_rates_and_eer_on_known_scores() -> None:
    gen = np.array([0.9, 0.8, 0.7, 0.3])
    imp = np.array([0.1, 0.2, 0.4, 0.75])
    assert metrics.rates_at(gen, imp, 0.5) == (0.25, 0.25)
    assert metrics.eer(gen, imp) == 0.25


def test_kfold_accuracy_uses_held_out_threshold() -> None:
    rng = np.random.default_rng(0)
    same = np.tile([1, 0], 50)
    scores = np.where(same == 1, 0.8, 0.2) + rng.normal(0, 0.01, 100)
    folds = np.repeat(np.arange(5), 20)
    mean, _ = metrics.kfold_accuracy(scores, same, folds)
    assert mean == 1.0
    scores[same == 1] = 0.1  # now genuine pairs score below impostors
    assert metrics.kfold_accuracy(scores, same, folds)[0] <= 0.5
