"""How tall each recognised character stands in its line crop: the evidence that tells OCR-B's O from 0.

The recogniser reads OCR-B's letter O as the digit 0 nearly always (on the degraded synthetic development
set, seed 101: all 249 O's read as 0, most with no doubt at all), so a check digit was left to decide,
and check digits cannot choose between two O/0 positions of equal weight, nor see OO read as 00 at
weights 7 and 3. The glyphs do differ: OCR-B digits stand taller than capitals (in the font's units the
0 is 158 high, the O 147, other letters 140-147, other digits 154-158), all on one baseline. So each
character's top edge is measured in the line crop, against a baseline fitted through every character's
bottom edge, and its height is compared with what the same line's other characters give for the
font's scale. ``digit_height_ratio`` gives, for each character of a look-alike pair (O/0, I/1, S/5,
B/8, Z/2, G/6), its height over the height the pair's digit would have there: about 1.0 for the digit,
``LETTER_RATIO`` for the letter (development set: O 5-95 % 0.88-0.95, 0 0.98-1.01). The repair step
weighs it for O/0 only: the recogniser tells the other pairs apart better than their heights do (G/6 on
the development set: the 6's measured a median 0.6 of the way from G to 6).
"""
from __future__ import annotations

import numpy as np

# Heights of the OCR-B glyphs (Debian fonts-ocr-b, rendered at 200 px: top of ink to bottom of ink).
_FONT_HEIGHT = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<", (
    143, 140, 146, 140, 140, 142, 146, 145, 140, 146, 145, 143, 145, 145, 147, 142, 145, 142, 146, 142,
    146, 145, 145, 145, 145, 140, 158, 156, 155, 155, 156, 155, 157, 154, 158, 157, 126)))
PAIRS = (("O", "0"), ("I", "1"), ("S", "5"), ("B", "8"), ("Z", "2"), ("G", "6"))
_DIGIT_OF = {c: digit for letter, digit in PAIRS for c in (letter, digit)}
# What a letter's ratio is in the font: 0.93 (O), 0.90 (I), 0.94 (S), 0.89 (B), 0.90 (Z), 0.93 (G).
LETTER_RATIO = {letter: _FONT_HEIGHT[letter] / _FONT_HEIGHT[digit] for letter, digit in PAIRS}
_NOT_REFERENCE = set("O0DQ<")  # never a scale reference: O/0 (the commonest doubt), D and Q (read for 0), fillers
_REFERENCE_MIN_P = 0.9  # a reference character must be read with this probability
_NEIGHBOURS = 8  # the scale comes from the nearest references: perspective changes it along a line


def _edges(crop: np.ndarray, centres: np.ndarray, pitch: float) -> tuple[np.ndarray, np.ndarray]:
    """Sub-pixel top and bottom ink edges of the character cell around each centre (NaN when empty).

    Per row the darkest pixel of the cell (so a round top and a flat bar count alike); an edge is where
    that profile crosses half its level inside the glyph.
    """
    g = crop.astype(np.float32)
    ink = np.clip(np.percentile(g, 90) - g, 0, None)  # darkness against the page
    tops, bots = np.full(len(centres), np.nan), np.full(len(centres), np.nan)
    for k, cx in enumerate(centres):
        a, b = int(max(0, cx - 0.4 * pitch)), int(min(g.shape[1], cx + 0.4 * pitch + 1))
        if b <= a:
            continue
        prof = ink[:, a:b].max(axis=1)
        peak = float(prof.max())
        if peak <= 0:
            continue
        half = float(np.median(prof[prof > 0.3 * peak])) / 2
        rows = np.flatnonzero(prof >= half)
        i, j = int(rows[0]), int(rows[-1])
        tops[k] = i - (prof[i] - half) / max(float(prof[i] - prof[i - 1]), 1e-6) if i > 0 else float(i)
        bots[k] = j + (prof[j] - half) / max(float(prof[j] - prof[j + 1]), 1e-6) if j + 1 < len(prof) else float(j)
    return tops, bots


def digit_height_ratio(crop: np.ndarray, text: str, confidence: tuple[float, ...],
                       centres: tuple[float, ...]) -> tuple[float | None, ...]:
    """Per character of a look-alike pair: its height over the height the pair's digit would have here
    (None for other characters, and wherever it cannot be measured: too few reference characters, an
    empty cell). A reference character is read with ``_REFERENCE_MIN_P`` and not one in question.

    ``crop`` is the grey line image the recogniser read, ``centres`` the characters' x centres in it.
    """
    n = len(text)
    none: tuple[float | None, ...] = (None,) * n
    if n < 4 or len(centres) != n or len(confidence) != n or crop.ndim != 2:
        return none
    x = np.asarray(centres, np.float64)
    pitch = float(x[-1] - x[0]) / (n - 1)
    if pitch <= 0:
        return none
    tops, bots = _edges(crop, x, pitch)
    ok = np.isfinite(tops)
    on_line = [i for i in range(n) if text[i] != "<" and ok[i]]
    if len(on_line) < 4:
        return none
    # Every character stands on one baseline: fit it (and refit without outliers such as a misplaced cell).
    coef = np.polyfit(x[on_line], bots[on_line], 1)
    resid = np.abs(bots[on_line] - np.polyval(coef, x[on_line]))
    inliers = [i for i, r in zip(on_line, resid) if r < 1.5]
    if len(inliers) >= 4:
        coef = np.polyfit(x[inliers], bots[inliers], 1)
    heights = np.polyval(coef, x) - tops
    refs = [i for i in range(n) if text[i] in _FONT_HEIGHT and text[i] not in _NOT_REFERENCE
            and confidence[i] >= _REFERENCE_MIN_P and ok[i]]
    out: list[float | None] = []
    for i, ch in enumerate(text):
        others = [j for j in refs if j != i]  # a character is never its own reference
        if ch not in _DIGIT_OF or not ok[i] or len(others) < 3:
            out.append(None)
            continue
        near = sorted(others, key=lambda j: abs(x[j] - x[i]))[:_NEIGHBOURS]
        scale = float(np.median(heights[near] / np.array([_FONT_HEIGHT[text[j]] for j in near])))
        out.append(float(heights[i] / (scale * _FONT_HEIGHT[_DIGIT_OF[ch]])) if scale > 0 else None)
    return tuple(out)
