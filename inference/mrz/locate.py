"""Find the machine-readable zone in a camera frame, straighten it and cut it into text lines.

Morphology, no model (about 13 ms of CPU a frame). On the frame's brightest channel at a fixed working
size, a black-hat brings out dark print on a light page, a horizontal gradient favours dense vertical
strokes, a wide closing fuses print into blobs, Otsu thresholds them. No blob is judged by its outline
(the band fuses with dense print, a drawn frame or a pattern into any shape): each of the largest is
straightened by its ``minAreaRect`` angle, turned level by its sharpest row profile, cut into rows and its
rows grouped by the MRZ's own geometry (``inference.mrz.lines``). Every group is a candidate, cheapest
first, with its lines cut from the full-size frame and levelled one by one (perspective tilts lines
differently). Which candidate is the MRZ is settled by reading it (``MrzLineReader``).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from inference.errors import BadImageError, MrzNotFoundError
from inference.mrz.lines import find_rows, group_rows, ink_masks

# Frames are located with their long side at this size (measured: 800 missed 5 of 60 small TD3s, 1280 one);
# smaller images are enlarged to it (a card's front and back in 580 px: MRZ characters 8-10 px tall).
_WORK_SIZE = 1280
_MIN_BLOB_WIDTH = 0.15  # of the working width: an MRZ beside the card's front fills under half of it
_MAX_BLOBS = 8  # blobs looked into, largest first
_MAX_TURN_DEG = 12.0  # how far the rows may lie from the blob's box angle
_GROUPS_PER_BLOB = 3
NOT_FOUND = ("no MRZ found: lay the document's photo page flat under the camera, "
             "MRZ lines fully in view and free of glare")


@dataclass(frozen=True)
class MrzBand:
    """The straightened MRZ: grey crops of its lines (top to bottom) and the band's angle in degrees."""

    lines: tuple[np.ndarray, ...]
    angle_deg: float
    box: tuple[tuple[float, float], tuple[float, float], float]  # minAreaRect in frame pixels
    cost: float = 0.0  # how far its geometry is from an MRZ's (``inference.mrz.lines``): lower is likelier


def _ink_grey(frame: np.ndarray) -> np.ndarray:
    """The frame as seen for finding print: each pixel's brightest channel, so coloured background print
    (red guilloche, a blue SAMPLE) stays light while black MRZ print stays dark."""
    if frame.ndim == 2:
        return frame
    b, g, r = cv2.split(frame)
    return cv2.max(cv2.max(b, g), r)


def _grey(frame: np.ndarray) -> np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim not in (2, 3) or frame.size == 0:
        raise BadImageError("a camera frame must be a non-empty 8-bit image (BGR or grey)")
    if frame.ndim == 3:
        if frame.shape[2] != 3:
            raise BadImageError("a colour camera frame must have 3 channels (BGR)")
        return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    return frame


def _blobs(grey: np.ndarray, ch: int) -> list[tuple]:
    """Minimum-area rectangles of text blobs at the working scale, largest first.

    No shape filter: a band fused with the print above it, a drawn frame or a background pattern makes a
    blob of any fill and aspect (real misses: fill 0.31-0.38, aspect 1.6). What is inside a blob is judged
    by its rows (``inference.mrz.lines``), not by its outline.
    """
    w = grey.shape[1]
    g = cv2.GaussianBlur(grey, (3, 3), 0)
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
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(c)
        if rw < rh:  # normalise so the long side is the width
            rw, rh, angle = rh, rw, angle - 90
        angle = (angle + 90) % 180 - 90  # a band is the same band turned by 180 degrees: keep it upright
        if rw < _MIN_BLOB_WIDTH * w or rh < 0.5 * ch:
            continue
        out.append((rw * rh, ((cx, cy), (rw, rh), angle)))
    out.sort(key=lambda t: -t[0])
    return [rect for _, rect in out[:_MAX_BLOBS]]


def _level_angle(ink: np.ndarray) -> float:
    """The turn (degrees) that makes the rows of a straightened ink mask level: the sharpest row profile,
    coarse then fine, within +-``_MAX_TURN_DEG`` (the blob's box gives only a rough angle: a fused blob's
    outline follows whatever it fused with)."""
    h, w = ink.shape
    mask = ink.astype(np.uint8) * 255
    centre = (w / 2, h / 2)

    def sharpness(deg: float) -> float:
        m = cv2.getRotationMatrix2D(centre, deg, 1.0)
        return float(cv2.warpAffine(mask, m, (w, h), flags=cv2.INTER_NEAREST).mean(axis=1).var())

    best = max(np.arange(-_MAX_TURN_DEG, _MAX_TURN_DEG + 0.01, 1.5), key=sharpness)
    return float(max(np.arange(best - 1.5, best + 1.51, 0.25), key=sharpness))


def _cut(grey: np.ndarray, centre: tuple[float, float], size: tuple[float, float], angle: float
         ) -> tuple[np.ndarray, np.ndarray]:
    """The ``size`` (w, h) crop of ``grey`` centred on ``centre``, turned by ``angle`` degrees so the box is
    level; with the affine matrix that maps frame pixels into the crop."""
    (cx, cy), (w, h) = centre, size
    m = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    m[0, 2] += w / 2 - cx
    m[1, 2] += h / 2 - cy
    crop = cv2.warpAffine(grey, m, (max(1, round(w)), max(1, round(h))), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)
    return crop, m


def _ink(band: np.ndarray) -> np.ndarray:
    """Dark strokes of a grey crop as a boolean mask (local black-hat, then Otsu)."""
    h = band.shape[0]
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, h // 3),) * 2)
    local = cv2.morphologyEx(band, cv2.MORPH_BLACKHAT, k)
    _, ink = cv2.threshold(local, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return ink > 0


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


@dataclass(frozen=True)
class _Found:
    cost: float
    centre: tuple[float, float]  # the group's centre in frame pixels (duplicates across blobs are dropped)
    band: MrzBand


def _candidates_in(grey: np.ndarray, small: np.ndarray, scale: float, rect: tuple, ch: int) -> list[_Found]:
    """The MRZ-shaped row groups inside one blob, with their line crops cut from the full-size frame."""
    (cx, cy), (rw, rh), angle = rect
    size = (rw + 4 * ch, rh * 1.6 + 2 * ch)  # room for lines the box cut off and for a rough angle
    crop, _ = _cut(small, (cx, cy), size, angle)
    angle += _level_angle(ink_masks(crop, ch)[0])
    crop, m = _cut(small, (cx, cy), size, angle)
    groups = group_rows(find_rows(*ink_masks(crop, ch)))[:_GROUPS_PER_BLOB]
    if not groups:
        return []
    full, _ = _cut(grey, (cx / scale, cy / scale), (size[0] / scale, size[1] / scale), angle)
    back = cv2.invertAffineTransform(m)
    out = []
    for cost, rows in groups:
        pitch = float(np.median([r.length for r in rows])) / (30 if len(rows) == 3 else 40)
        left = min(r.left for r in rows) - 0.9 * pitch
        right = max(r.right for r in rows) + 0.9 * pitch
        lines = []
        for r in rows:
            h = r.height / scale
            margin, wide = max(2, int(0.25 * h)), max(2, int(0.6 * h))
            top, bottom = int(r.top / scale), int(np.ceil(r.bottom / scale))
            x0, x1 = max(0, int(left / scale)), min(full.shape[1], int(np.ceil(right / scale)))
            lo = max(0, top - wide)
            # Level each line with a wide margin first (a tilted line spills out of its row), then trim.
            level = _level(full[lo: min(full.shape[0], bottom + wide), x0:x1])
            lines.append(level[max(0, top - lo - margin): top - lo + (bottom - top) + margin])
        gx, gy = back @ np.array([(left + right) / 2, (rows[0].top + rows[-1].bottom) / 2, 1.0])
        box = ((float(gx / scale), float(gy / scale)),
               (float((right - left) / scale), float((rows[-1].bottom - rows[0].top) / scale)), float(angle))
        out.append(_Found(cost, box[0], MrzBand(tuple(lines), float(angle), box, cost)))
    return out


def locate_candidates(frame: np.ndarray, limit: int = 4) -> list[MrzBand]:
    """MRZ-shaped regions of ``frame``, likeliest first (at most ``limit``; empty when there is none).

    Every text blob is straightened, its rows measured and grouped by the MRZ's geometry
    (``inference.mrz.lines``); a blob can hold several groups (the band and a block of print above it).
    Which candidate is the MRZ is settled by reading them (``MrzLineReader``), not here.
    """
    _grey(frame)  # BadImageError for what is not an 8-bit BGR or grey image
    # Lines are cut from the brightest-channel image too: coloured print crossing the glyphs stays light.
    grey = _ink_grey(frame)
    h, w = grey.shape
    if min(h, w) < 64:
        raise MrzNotFoundError("the camera frame is too small to hold a readable MRZ")
    scale = _WORK_SIZE / max(h, w)
    small = cv2.resize(grey, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    ch = max(3, _WORK_SIZE // 60)  # about one MRZ character at the working scale (kernel sizes follow it)
    found: list[_Found] = []
    for rect in _blobs(small, ch):
        found.extend(_candidates_in(grey, small, scale, rect, ch))
    found.sort(key=lambda f: f.cost)
    kept: list[_Found] = []
    for f in found:  # the same rows seen in two overlapping blobs are one candidate
        line_h = f.band.box[1][1] / (2 * len(f.band.lines))
        if all(len(f.band.lines) != len(k.band.lines)
               or np.hypot(f.centre[0] - k.centre[0], f.centre[1] - k.centre[1]) > line_h for k in kept):
            kept.append(f)
    return [f.band for f in kept[:limit]]


def locate_mrz(frame: np.ndarray) -> MrzBand:
    """The likeliest MRZ of ``frame`` as straightened line crops; ``MrzNotFoundError`` when there is none."""
    found = locate_candidates(frame, limit=1)
    if not found:
        raise MrzNotFoundError(NOT_FOUND)
    return found[0]
