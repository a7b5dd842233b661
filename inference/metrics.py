"""Biometric verification metrics (ISO/IEC 19795-1 vocabulary) and DET plots.

Scores are similarities: higher means "same person". A comparison is a match when score >= threshold.
FMR: share of impostor comparisons accepted. FNMR: share of genuine comparisons rejected.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np


def threshold_at_fmr(impostor: np.ndarray, target: float) -> float:
    """Lowest threshold whose FMR does not exceed ``target`` (scores >= threshold are accepted)."""
    imp = np.sort(np.asarray(impostor, np.float64))[::-1]
    allowed = int(np.floor(target * len(imp)))  # impostors that may be accepted
    if allowed >= len(imp):
        return float(imp[-1])
    # Just above the (allowed+1)-th highest impostor score: at most `allowed` impostors reach it.
    return float(np.nextafter(imp[allowed], np.inf))


def rates_at(genuine: np.ndarray, impostor: np.ndarray, threshold: float) -> tuple[float, float]:
    """(FMR, FNMR) at ``threshold``."""
    fmr = float(np.mean(np.asarray(impostor) >= threshold)) if len(impostor) else 0.0
    fnmr = float(np.mean(np.asarray(genuine) < threshold)) if len(genuine) else 0.0
    return fmr, fnmr


def det_curve(genuine: np.ndarray, impostor: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(thresholds, FMR, FNMR) at every distinct score."""
    thr = np.unique(np.concatenate([genuine, impostor]))
    g = np.sort(genuine)
    i = np.sort(impostor)
    fnmr = np.searchsorted(g, thr, side="left") / max(len(g), 1)
    fmr = 1.0 - np.searchsorted(i, thr, side="left") / max(len(i), 1)
    return thr, fmr, fnmr


def eer(genuine: np.ndarray, impostor: np.ndarray) -> float:
    """Equal error rate (the mean of FMR and FNMR where they cross)."""
    _, fmr, fnmr = det_curve(np.asarray(genuine, float), np.asarray(impostor, float))
    k = int(np.argmin(np.abs(fmr - fnmr)))
    return float((fmr[k] + fnmr[k]) / 2)


def best_accuracy_threshold(scores: np.ndarray, same: np.ndarray) -> float:
    """Threshold maximising accuracy on (scores, same)."""
    order = np.argsort(scores)
    s, y = scores[order], same[order].astype(bool)
    # Accepting everything >= s[k]: correct = genuine at/after k + impostors before k.
    genuine_after = np.cumsum(y[::-1])[::-1]
    impostor_before = np.concatenate([[0], np.cumsum(~y)[:-1]])
    k = int(np.argmax(genuine_after + impostor_before))
    # Midway to the next lower score, so held-out scores near the boundary are not decided by ties.
    return float(s[k] if k == 0 else (s[k] + s[k - 1]) / 2)


def kfold_accuracy(scores: np.ndarray, same: np.ndarray, folds: np.ndarray) -> tuple[float, float]:
    """LFW protocol: threshold chosen on the other folds, accuracy on each fold; (mean, std)."""
    accs = []
    for f in np.unique(folds):
        train, test = folds != f, folds == f
        t = best_accuracy_threshold(scores[train], same[train])
        accs.append(float(np.mean((scores[test] >= t) == same[test].astype(bool))))
    return float(np.mean(accs)), float(np.std(accs))


def plot_det(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: Path, title: str,
             xlabel: str = "FMR", ylabel: str = "FNMR", marks: dict[str, float] | None = None) -> None:
    """Write a DET plot (log-log) of ``{label: (x_rate, y_rate)}`` to ``path`` as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5), dpi=110)
    floor = 1e-4
    for label, (x, y) in curves.items():
        ax.plot(np.clip(x, floor, 1), np.clip(y, floor, 1), label=label)
    for label, xv in (marks or {}).items():
        ax.axvline(xv, color="grey", linestyle=":", linewidth=1)
        ax.text(xv, 1.05 * floor, label, rotation=90, fontsize=7, color="grey", va="bottom")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(floor, 1)
    ax.set_ylim(floor, 1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
