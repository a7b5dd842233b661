"""Presentation-attack detection metrics after ISO/IEC 30107-3:2023, clause 13 (PAD subsystem).

Scores are attack scores: higher means "more likely an attack"; a presentation is classified as an
attack when ``score >= threshold``.

- APCER_PAIS (per attack species, clause 13.2): share of that species' presentations classified as
  bona fide, i.e. ``mean(scores < threshold)``.
- APCER_AP (the whole system, 2023 edition): the worst species, ``max`` over species of APCER_PAIS.
  Every "APCER" used to pick an operating point here is this maximum, so no species can hide behind a
  larger, easier one (pooling attacks would let 400 prints mask 10 failed replays).
- BPCER: share of bona fide presentations classified as attacks, ``mean(bona_fide >= threshold)``.
- BPCER at APCER x (BPCERx in the standard's notation): the BPCER at the highest threshold whose
  APCER_AP does not exceed x (the highest threshold gives the lowest BPCER).
- EER: where APCER_AP and BPCER cross on the DET curve (mean of the two at the closest point).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

APCER_TARGETS = ("0.01", "0.05", "0.10")


def _arr(x: np.ndarray | list[float]) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64).ravel()
    if a.size == 0:
        raise ValueError("a score set is empty")
    if not np.all(np.isfinite(a)):
        raise ValueError("scores must be finite")
    return a


def apcer(attack: np.ndarray | list[float], threshold: float) -> float:
    """APCER of one species: share of its attack presentations scored below ``threshold`` (accepted)."""
    return float(np.mean(_arr(attack) < threshold))


def bpcer(bona_fide: np.ndarray | list[float], threshold: float) -> float:
    """BPCER: share of bona fide presentations scored at or above ``threshold`` (rejected)."""
    return float(np.mean(_arr(bona_fide) >= threshold))


def apcer_max(attacks: Mapping[str, np.ndarray | list[float]], threshold: float) -> float:
    """APCER_AP: the worst species' APCER at ``threshold``."""
    if not attacks:
        raise ValueError("no attack species")
    return max(apcer(a, threshold) for a in attacks.values())


def threshold_at_apcer(attacks: Mapping[str, np.ndarray | list[float]], target: float) -> float:
    """Highest threshold at which every species' APCER is <= ``target``.

    For one species with scores sorted ascending ``a``, APCER(t) = #(a < t) / n <= target holds exactly
    for t <= a[k] with k = floor(target * n); the system threshold is the smallest such a[k].
    """
    if not attacks:
        raise ValueError("no attack species")
    best = np.inf
    for scores in attacks.values():
        a = np.sort(_arr(scores))
        k = int(np.floor(target * len(a) + 1e-9))
        if k < len(a):
            best = min(best, float(a[k]))
    return float(best)


def bpcer_at_apcer(bona_fide: np.ndarray | list[float], attacks: Mapping[str, np.ndarray | list[float]],
                   target: float) -> tuple[float, float]:
    """(BPCER, threshold) at the operating point where APCER_AP <= ``target``."""
    t = threshold_at_apcer(attacks, target)
    return bpcer(bona_fide, t), t


def det_points(bona_fide: np.ndarray | list[float], attacks: np.ndarray | list[float]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(thresholds, APCER, BPCER) at every distinct score and just above the highest one."""
    b, a = np.sort(_arr(bona_fide)), np.sort(_arr(attacks))
    thr = np.unique(np.concatenate([b, a]))
    thr = np.append(thr, np.nextafter(thr[-1], np.inf))
    apcer_v = np.searchsorted(a, thr, side="left") / len(a)
    bpcer_v = 1.0 - np.searchsorted(b, thr, side="left") / len(b)
    return thr, apcer_v, bpcer_v


def eer(bona_fide: np.ndarray | list[float], attacks: Mapping[str, np.ndarray | list[float]]) -> float:
    """Equal error rate of APCER_AP (worst species) against BPCER."""
    b = _arr(bona_fide)
    thr = np.unique(np.concatenate([b, *[_arr(a) for a in attacks.values()]]))
    thr = np.append(thr, np.nextafter(thr[-1], np.inf))
    bs = np.sort(b)
    bp = 1.0 - np.searchsorted(bs, thr, side="left") / len(bs)
    ap = np.max([np.searchsorted(np.sort(_arr(a)), thr, side="left") / len(a) for a in attacks.values()], axis=0)
    k = int(np.argmin(np.abs(ap - bp)))
    return float((ap[k] + bp[k]) / 2)


@dataclass(frozen=True)
class PadReport:
    """ISO/IEC 30107-3 figures of one score set (see the module docstring for the definitions)."""

    bona_fide: int
    attacks: dict[str, int]
    threshold: float
    apcer: dict[str, float]
    apcer_max: float
    bpcer: float
    bpcer_at_apcer: dict[str, float]
    threshold_at_apcer: dict[str, float]
    eer: float
    eer_per_species: dict[str, float]

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form (rates rounded to 5 decimals)."""
        r = lambda v: round(float(v), 5)  # noqa: E731
        return {
            "bona_fide": self.bona_fide, "attacks": dict(self.attacks), "threshold": r(self.threshold),
            "apcer": {k: r(v) for k, v in self.apcer.items()}, "apcer_max": r(self.apcer_max),
            "bpcer": r(self.bpcer),
            "bpcer_at_apcer": {k: r(v) for k, v in self.bpcer_at_apcer.items()},
            "threshold_at_apcer": {k: (None if not np.isfinite(v) else r(v))
                                   for k, v in self.threshold_at_apcer.items()},
            "eer": r(self.eer), "eer_per_species": {k: r(v) for k, v in self.eer_per_species.items()},
        }


def pad_report(bona_fide: np.ndarray | list[float], attacks: Mapping[str, np.ndarray | list[float]],
               threshold: float) -> PadReport:
    """All figures at ``threshold`` and at the standard APCER targets; needs bona fide and >= 1 species."""
    b = _arr(bona_fide)
    att = {k: _arr(v) for k, v in sorted(attacks.items())}
    if not att:
        raise ValueError("no attack species")
    at, tt = {}, {}
    for key in APCER_TARGETS:
        at[key], tt[key] = bpcer_at_apcer(b, att, float(key))
    return PadReport(
        bona_fide=len(b), attacks={k: len(v) for k, v in att.items()}, threshold=float(threshold),
        apcer={k: apcer(v, threshold) for k, v in att.items()}, apcer_max=apcer_max(att, threshold),
        bpcer=bpcer(b, threshold), bpcer_at_apcer=at, threshold_at_apcer=tt, eer=eer(b, att),
        eer_per_species={k: eer(b, {k: v}) for k, v in att.items()},
    )


def _binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed in log space (exact enough for n up to ~10^5)."""
    import math

    if k < 0:
        return 0.0
    if k >= n or p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    lp, lq = math.log(p), math.log1p(-p)
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq
            for i in range(k + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(v - top) for v in logs))


def clopper_pearson(errors: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided interval of an error rate from ``errors`` out of ``n`` trials.

    The bounds are where the binomial tail reaches (1 - confidence) / 2, found by bisection on the
    binomial CDF (no statistics library needed for one well-defined inverse). For 0 errors the upper
    bound is 1 - (alpha/2)^(1/n) (about 3.7/n at 95%); the one-sided rule of three gives 3/n.
    """
    if n <= 0 or not 0 <= errors <= n:
        raise ValueError(f"need 0 <= errors <= n and n > 0, got {errors} of {n}")
    alpha = (1.0 - confidence) / 2

    def solve(f: object, target: float) -> float:
        lo, hi = 0.0, 1.0  # f decreases in p
        for _ in range(60):
            mid = (lo + hi) / 2
            if f(mid) > target:  # type: ignore[operator]
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    lower = 0.0 if errors == 0 else solve(lambda p: _binom_cdf(errors - 1, n, p), 1.0 - alpha)
    upper = 1.0 if errors == n else solve(lambda p: _binom_cdf(errors, n, p), alpha)
    return lower, upper


def rule_of_three(n: int) -> float:
    """One-sided 95% upper bound of a rate when 0 errors were seen in ``n`` independent trials: 3/n."""
    if n <= 0:
        raise ValueError("n must be positive")
    return min(1.0, 3.0 / n)
