"""Text rows of a straightened region, and which of them form an MRZ: grouping by the MRZ's own geometry.

An MRZ is 2 or 3 lines of OCR-B at one fixed pitch (10 characters an inch), each filled edge to edge (``<``
fillers are ink too), all of one length (30, 36 or 44 characters), starting and ending at the same x, equally
spaced. Printed text next to it (a sentence, a label, a row of on-screen buttons, a paragraph on the facing
page) breaks at least one of these: it is shorter or longer, starts elsewhere, has gaps wider than a
character, a different height, or no regular pitch. So rows are measured one by one (``find_rows``) and
only runs of 2 or 3 neighbours that agree with each other and with an MRZ's character count are
candidates (``group_rows``); a two-line MRZ is never read as TD1 because a neighbour happens to lie close.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Characters per line for each line count: 3 lines are TD1, 2 lines TD2 or TD3.
LINE_CHARS = {3: (30,), 2: (36, 44)}
# An MRZ line has no word spaces (fillers are ink), but thin chevrons can fade out of the ink mask: its widest
# gap stays under 2.5 characters, while on-screen buttons or a label beside a frame leave far wider ones.
_MAX_GAP_PITCHES = 2.5
_PITCH_PER_HEIGHT = (0.6, 1.4)  # character pitch over row height (OCR-B at 10 an inch: about 0.95)
_SPACING = (1.15, 2.9)  # line spacing (centre to centre) over the row height
# Ink is at least this share of the darkest strokes' black-hat (see ``ink_mask``): rows are found with the
# strict level, which drops the pattern; their ends and gaps with the faint one, which keeps thin fillers.
_INK_LEVEL, _FAINT_LEVEL = 0.55, 0.3
# How far the lines' ends may differ, in pitches: the better end, the other. Perspective tilts lines apart
# and a tilted line's end leaves its row, so this is loose; reading (check digits) settles the rest.
_ALIGN_PITCHES = (2.5, 5.0)
_MIN_PERIODIC = 0.05
_THIRD_ROW_BONUS = 1.0  # a row whose ink does not repeat at the pitch is no MRZ line


@dataclass(frozen=True)
class TextRow:
    """One row of ink in a straightened crop: its rows [top, bottom), columns [left, right), the widest gap
    between its ink (pixels) and the normalised autocorrelation of its column ink profile (``ac[k]`` at a
    lag of ``k`` pixels), which says how strongly the ink repeats at a given character pitch."""

    top: int
    bottom: int
    left: int
    right: int
    widest_gap: int
    ac: tuple[float, ...]

    @property
    def height(self) -> int:
        """Rows the ink spans."""
        return self.bottom - self.top

    @property
    def centre(self) -> float:
        """Middle row."""
        return (self.top + self.bottom) / 2

    @property
    def length(self) -> int:
        """Columns from the first ink to the last."""
        return self.right - self.left

    def periodicity(self, pitch: float) -> float:
        """How strongly the ink repeats every ``pitch`` pixels (the autocorrelation's best within 4 %), 0..1."""
        lo, hi = int(np.floor(0.96 * pitch)), int(np.ceil(1.04 * pitch)) + 1
        window = self.ac[max(1, lo): min(len(self.ac), hi)]
        return max(0.0, max(window)) if window else 0.0


def _runs(on: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], on.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _autocorrelation(columns: np.ndarray, max_lag: int) -> tuple[float, ...]:
    """Normalised autocorrelation of a column profile for lags 0..max_lag (FFT: rows can be 1000 px long)."""
    p = columns.astype(np.float64) - columns.mean()
    denom = float(p @ p)
    if denom <= 0:
        return ()
    n = len(p)
    f = np.fft.rfft(p, 2 * n)
    ac = np.fft.irfft(f * np.conj(f))[: min(max_lag, n - 1) + 1] / denom
    return tuple(float(v) for v in ac)


def find_rows(ink: np.ndarray, faint: np.ndarray | None = None) -> list[TextRow]:
    """Rows of ink in a straightened boolean ink mask, top to bottom.

    A row is a run of pixel rows whose ink share stands out (solid rows, a page edge or a drawn frame, are
    left out first); its body is the longest stretch of columns without a gap wider than
    ``_MAX_GAP_PITCHES`` of the widest pitch an MRZ could have at that height (specks beyond are not it),
    measured on ``faint`` (the same crop's mask at a lower ink level) when given.
    """
    faint = ink if faint is None else faint
    profile = ink.mean(axis=1)
    profile = np.where(profile >= 0.7, 0.0, profile)  # text never inks 70 % of a row
    if float(profile.max(initial=0.0)) <= 0:
        return []
    on = profile > max(0.04, 0.25 * float(np.percentile(profile[profile > 0], 90)))
    rows = []
    for top, bottom in _runs(on):
        h = bottom - top
        if h < 4:
            continue
        cols = faint[top:bottom].sum(axis=0)
        # A stroke that runs on through the blank rows above and below is a drawn line (a frame around the
        # MRZ, a guilloche curve), not a glyph: glyphs of the next line stop well short of those rows.
        d = max(2, int(0.3 * h))
        if top >= d and bottom + d <= faint.shape[0]:
            through = (faint[top - d:top].mean(axis=0) > 0.8) & (faint[bottom:bottom + d].mean(axis=0) > 0.8)
            cols[through] = 0
        inked = _runs(cols >= max(2, 0.15 * h))  # a pixel or two of a column is a speck, not a glyph
        # Ink touching the crop's side is the page edge or what lies beyond the blob, not the band.
        inked = [(a, b) for a, b in inked if a > 0 and b < len(cols)]
        if not inked:
            continue
        gap_limit = _MAX_GAP_PITCHES * h  # OCR-B's pitch is about the row's height
        spans, start, end, inner = [], inked[0][0], inked[0][1], 0
        for a, b in inked[1:]:  # join ink runs closer than the gap limit; keep the longest joined stretch
            if a - end <= gap_limit:
                inner, end = max(inner, a - end), b
            else:
                spans.append((end - start, start, end, inner))
                start, end, inner = a, b, 0
        spans.append((end - start, start, end, inner))
        _, left, right, widest = max(spans)
        ac = _autocorrelation(cols[left:right], int(_PITCH_PER_HEIGHT[1] * h * 1.1) + 2)
        rows.append(TextRow(top, bottom, left, right, widest, ac))
    return rows


def _fits(rows: tuple[TextRow, ...]) -> tuple[float, int] | None:
    """Cost of ``rows`` as one MRZ (lower is likelier) and its characters per line, None when their
    geometry rules it out. Each character count the line count allows (TD1 30; TD2 36, TD3 44) is a
    hypothesis: it fixes the pitch (the lines' length over the count), which must suit the rows' height, leave
    no gap over ``_MAX_GAP_PITCHES`` and be the period the ink repeats at; the best hypothesis is kept."""
    n = len(rows)
    heights = np.array([r.height for r in rows], np.float64)
    if heights.max() > 1.45 * heights.min():
        return None
    h = float(np.median(heights))
    lefts, rights = np.array([r.left for r in rows]), np.array([r.right for r in rows])
    centres = np.array([r.centre for r in rows])
    spacing = np.diff(centres)
    if spacing.min() < _SPACING[0] * h or spacing.max() > _SPACING[1] * h:
        return None
    if n == 3 and spacing.max() > 1.2 * spacing.min():
        return None  # TD1 lines are equally spaced
    length = float(np.median(rights - lefts))
    # The pitch of each format's count (a glyph is about 0.7 of the pitch wide: the last one ends early).
    # Rows that repeat better at another line count's pitch (two lines of a TD1 taken as a TD2) cost more;
    # they are not ruled out, because a frame or a speck at a row's end misleads the length, and reading
    # (check digits) settles it.
    pitches = {c: length / (c - 0.3) for c in (30, 36, 44)}
    plausible = [c for c, p in pitches.items() if _PITCH_PER_HEIGHT[0] * h <= p <= _PITCH_PER_HEIGHT[1] * h]
    if not plausible:
        return None
    top_periodic = max(float(np.mean([r.periodicity(pitches[c]) for r in rows])) for c in plausible)
    best: tuple[float, int] | None = None
    for chars in LINE_CHARS[n]:
        pitch = pitches[chars]
        if chars not in plausible:
            continue
        # MRZ lines start and end together; a speck of print or pattern joined to one end may move that end.
        ends = sorted((float(np.ptp(lefts)), float(np.ptp(rights))))
        if ends[0] > _ALIGN_PITCHES[0] * pitch or ends[1] > _ALIGN_PITCHES[1] * pitch:
            continue
        if any(r.widest_gap > _MAX_GAP_PITCHES * pitch for r in rows):
            continue
        periodic = float(np.mean([r.periodicity(pitch) for r in rows]))
        if periodic < _MIN_PERIODIC:
            continue
        # Weights: lines a character out of line cost as much as half the ink's repetition missing.
        cost = 2 * (1 - periodic) + 0.5 * (ends[0] + ends[1]) / pitch + 2 * (top_periodic - periodic)
        if n == 3:  # three rows agreeing in length, height and spacing are rarer by chance than two
            cost += 2 * float(np.ptp(spacing)) / h - _THIRD_ROW_BONUS
        if best is None or cost < best[0]:
            best = (cost, chars)
    return best


def group_rows(rows: list[TextRow]) -> list[tuple[float, tuple[TextRow, ...]]]:
    """Every run of 2 or 3 neighbouring rows whose geometry is an MRZ's, with its cost, cheapest first."""
    out = []
    for n in (3, 2):
        for i in range(len(rows) - n + 1):
            group = tuple(rows[i:i + n])
            fit = _fits(group)
            if fit is not None:
                out.append((fit[0], group))
    out.sort(key=lambda t: t[0])
    return out


def ink_masks(crop: np.ndarray, char_height: int) -> tuple[np.ndarray, np.ndarray]:
    """Dark strokes of a grey crop as boolean masks, strict and faint: black-hat about two characters wide,
    then Otsu, but never below ``_INK_LEVEL`` (``_FAINT_LEVEL``) of the darkest strokes. A guilloche or
    SAMPLE pattern is fainter than MRZ print, and Otsu alone takes it in wherever the pattern covers more of
    the crop than the print does."""
    k = max(3, int(1.5 * char_height))
    local = cv2.morphologyEx(crop, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    otsu, _ = cv2.threshold(local, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    top = float(np.percentile(local, 99.5))
    return local > max(otsu, _INK_LEVEL * top), local > max(otsu, _FAINT_LEVEL * top)
