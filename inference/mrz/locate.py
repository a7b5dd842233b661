"""Find the machine-readable zone in a camera frame, straighten it and cut it into text lines.

Morphology, no model (about 3 ms a frame): a black-hat brings out dark characters on a light page,
a horizontal gradient favours the MRZ's dense vertical strokes, a wide closing fuses each line of
characters (then the lines together) into one band, Otsu thresholds it. The band is the largest
wide, flat contour near the page bottom; its ``minAreaRect`` angle undoes rotation, and the
horizontal ink profile of the straightened band splits it into its 2 (TD2, TD3) or 3 (TD1) lines.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from inference.errors import BadImageError, MrzNotFoundError

_WORK_WIDTH = 1280  # frames are located at this width (measured: 800 missed 5 of 60 small TD3s, 1280 one)


@dataclass(frozen=True)
class MrzBand:
    """The straightened MRZ: grey crops of its lines (top to bottom) and the band's angle in degrees."""

    lines: tuple[np.ndarray, ...]
    angle_deg: float
    box: tuple[tuple[float, float], tuple[float, float], float]  # minAreaRect in frame pixels


def _grey(frame: np.ndarray) -> np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim not in (2, 3) or frame.size == 0:
        raise BadImageError("a camera frame must be a non-empty 8-bit image (BGR or grey)")
    if frame.ndim == 3:
        if frame.shape[2] != 3:
            raise BadImageError("a colour camera frame must have 3 channels (BGR)")
        return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    return frame


def _candidates(grey: np.ndarray) -> list[tuple[float, tuple]]:
    """Minimum-area rectangles of band-shaped blobs at the working scale, best first."""
    h, w = grey.shape
    g = cv2.GaussianBlur(grey, (3, 3), 0)
    # Kernel sizes scale with the working width: ~1/60 of the width is about one character.
    ch = max(3, w // 60)
    blackhat = cv2.morphologyEx(g, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (ch * 2, ch)))
    grad = np.abs(cv2.Sobel(blackhat, cv2.CV_32F, 1, 0, ksize=-1))
    lo, hi = float(grad.min()), float(grad.max())
    if hi - lo < 1e-3:
        return []
    grad = ((grad - lo) / (hi - lo) * 255).astype(np.uint8)
    grad = cv2.morphologyEx(grad, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (ch * 2, 3)))
    _, mask = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (ch * 2, ch * 2)))
    mask = cv2.erode(mask, None, iterations=2)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for c in contours:
        rect = cv2.minAreaRect(c)
        (cx, cy), (rw, rh), angle = rect
        if rw < rh:  # normalise so the long side is the width
            rw, rh, angle = rh, rw, angle - 90
        angle = (angle + 90) % 180 - 90  # a band is the same band turned by 180 degrees: keep it upright
        if rw < 0.25 * w or rh < 1 or not 2.5 <= rw / rh <= 40:
            continue
        fill = cv2.contourArea(c) / (rw * rh)
        if fill < 0.45:
            continue
        out.append((rw * rh * fill, ((cx, cy), (rw, rh), angle)))
    out.sort(key=lambda t: -t[0])
    return out


def _straighten(grey: np.ndarray, rect: tuple, pad: float) -> np.ndarray:
    (cx, cy), (rw, rh), angle = rect
    # The closed band can stop short of the first and last characters: widen it by about a character.
    rw, rh = rw + 0.8 * rh, rh * (1 + 2 * pad)
    m = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    m[0, 2] += rw / 2 - cx
    m[1, 2] += rh / 2 - cy
    return cv2.warpAffine(grey, m, (int(round(rw)), int(round(rh))), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)


def _ink(band: np.ndarray) -> np.ndarray:
    """Dark strokes of a grey crop as a boolean mask (local black-hat, then Otsu)."""
    h = band.shape[0]
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, h // 3),) * 2)
    local = cv2.morphologyEx(band, cv2.MORPH_BLACKHAT, k)
    _, ink = cv2.threshold(local, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return ink > 0


def _split_lines(band: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges of text lines from the horizontal profile of dark ink.

    A run counts as an MRZ line only if its ink spreads over most of the band's width (an MRZ line is
    filled edge to edge, fillers included); the page edge, the table or a short printed word does not.
    Solid rows (the page edge) are left out first.
    """
    ink = _ink(band)
    profile = ink.mean(axis=1)
    # A row of text is never solid ink (OCR-B rows hold 20-40 %): a solid row is the page edge or the
    # table beside it, which the band's margin can take in, and must not set the level lines are cut at.
    profile = np.where(profile >= 0.7, 0.0, profile)
    on = profile > max(0.05, 0.3 * float(profile.max()))
    runs, start = [], None
    for y, v in enumerate(on.tolist() + [False]):
        if v and start is None:
            start = y
        elif not v and start is not None:
            runs.append((start, y))
            start = None
    if not runs:
        return []
    tallest = max(b - a for a, b in runs)
    chunks = np.array_split(np.arange(ink.shape[1]), 16)
    kept = []
    for a, b in runs:
        if b - a < 0.4 * tallest:
            continue
        cover = np.mean([ink[a:b, c].any() for c in chunks])
        if cover >= 0.7:
            kept.append((a, b))
    return kept


def _deskew(band: np.ndarray) -> np.ndarray:
    """Shear the band so its lines run level before it is split (the box's angle is only roughly theirs).

    ``minAreaRect`` fits the closed blob, whose outline perspective and glare bend; a tilt of 1 degree
    left over smears two lines 40 px apart into one run across an 800 px band. The shear kept is the one
    whose horizontal ink profile is sharpest (largest variance), searched within +-2.5 degrees.
    """
    ink = _ink(band).astype(np.uint8) * 255
    h, w = ink.shape
    best, best_score = 0.0, -1.0
    for slope in np.linspace(-0.044, 0.044, 23):
        m = np.float32([[1, 0, 0], [slope, 1, -slope * w / 2]])
        score = float(cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST).mean(axis=1).var())
        if score > best_score:
            best, best_score = float(slope), score
    if abs(best) * w < 1.0:
        return band
    m = np.float32([[1, 0, 0], [best, 1, -best * w / 2]])
    return cv2.warpAffine(band, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _level(line: np.ndarray) -> np.ndarray:
    """Undo the slope left in one line (perspective tilts each line differently): shear it flat."""
    ink = _ink(line)
    h, w = ink.shape
    xs, ys = [], []
    for c in np.array_split(np.arange(w), 12):
        rows = np.flatnonzero(ink[:, c].any(axis=1))
        if rows.size:
            xs.append(float(c.mean()))
            ys.append(float(rows.mean()))
    if len(xs) < 4:
        return line
    slope = float(np.polyfit(xs, ys, 1)[0])
    if abs(slope) * w < 1.0:
        return line
    m = np.float32([[1, 0, 0], [slope, 1, -slope * w / 2]])
    return cv2.warpAffine(line, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def locate_mrz(frame: np.ndarray) -> MrzBand:
    """The MRZ of ``frame`` as straightened line crops; ``MrzNotFoundError`` when there is none."""
    grey = _grey(frame)
    h, w = grey.shape
    if min(h, w) < 64:
        raise MrzNotFoundError("the camera frame is too small to hold a readable MRZ")
    scale = _WORK_WIDTH / w
    small = cv2.resize(grey, (_WORK_WIDTH, max(1, int(round(h * scale)))), interpolation=cv2.INTER_AREA)
    for _, rect in _candidates(small)[:3]:
        (cx, cy), (rw, rh), angle = rect
        full = ((cx / scale, cy / scale), (rw / scale, rh / scale), angle)
        band = _deskew(_straighten(grey, full, pad=0.3))  # room for lines that perspective tilts
        runs = _split_lines(band)
        if len(runs) not in (2, 3):
            continue
        heights = [b - a for a, b in runs]
        margin = max(2, int(0.25 * float(np.median(heights))))
        # Level each line with a wide margin first (a tilted line spills out of its run), then trim.
        wide = max(margin, int(0.6 * float(np.median(heights))))
        lines = []
        for a, b in runs:
            lo = max(0, a - wide)
            level = _level(band[lo: min(band.shape[0], b + wide)])
            top = a - lo
            lines.append(level[max(0, top - margin): top + (b - a) + margin])
        lines = tuple(lines)
        return MrzBand(lines, float(angle), full)  # type: ignore[arg-type]
    raise MrzNotFoundError("no MRZ found: lay the document's photo page flat under the camera, "
                           "MRZ lines fully in view and free of glare")
