"""Render a passport-like page carrying an MRZ in OCR-B, and degrade it like a camera frame would.

Sizes follow ICAO 9303: TD3 page 125 x 88 mm, TD2 105 x 74 mm, TD1 card 85.6 x 54 mm; MRZ characters
at 10 per inch (2.54 mm pitch), the last line 3.5-5 mm above the bottom edge (Part 3 section 4.2).
The OCR-B font is Debian's ``fonts-ocr-b`` (public domain); it is looked up at run time.
"""
from __future__ import annotations

import glob
import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from kiosk.errors import UserFacingError

PX_PER_MM = 10.0
_PAGE_MM = {"TD1": (85.6, 54.0), "TD2": (105.0, 74.0), "TD3": (125.0, 88.0)}
_FONT_GLOBS = ("/usr/share/fonts/**/OCRB.otf", "/usr/share/fonts/**/OCRB.ttf", "/usr/share/fonts/**/ocrb*.ttf",
               "/usr/local/share/fonts/**/OCRB.*", os.path.expanduser("~/.local/share/fonts/**/OCRB.*"))


class FontMissingError(UserFacingError):
    """The OCR-B font needed to render MRZs is not installed."""


@lru_cache(maxsize=1)
def ocr_b_path() -> Path:
    """Path of the OCR-B font (``KIOSK_OCRB_FONT`` or the Debian ``fonts-ocr-b`` files)."""
    env = os.environ.get("KIOSK_OCRB_FONT")
    if env:
        if Path(env).is_file():
            return Path(env)
        raise FontMissingError(f"KIOSK_OCRB_FONT names {env}, which is not a file")
    for pattern in _FONT_GLOBS:
        hits = sorted(glob.glob(pattern, recursive=True))
        if hits:
            return Path(hits[0])
    raise FontMissingError("the OCR-B font is not installed: install the Debian package fonts-ocr-b "
                           "(apt-get install fonts-ocr-b) or set KIOSK_OCRB_FONT to an OCR-B .otf/.ttf file")


@dataclass(frozen=True)
class Degradation:
    """Camera-like effects applied to a rendered page (all off for a clean render)."""

    rotate_deg: float = 0.0
    perspective: float = 0.0  # corner jitter as a fraction of the page size
    blur_sigma: float = 0.0
    light_gradient: float = 0.0  # 0: even light; 0.5: one side at half brightness
    glare: float = 0.0  # peak added brightness of a soft glare spot, 0..1
    noise_sigma: float = 0.0  # grey levels
    jpeg_quality: int = 95
    scale: float = 0.75  # page width as a fraction of the frame width


def random_degradation(rng: np.random.Generator) -> Degradation:
    """Effects drawn at random within what a kiosk camera over a document tray sees."""
    return Degradation(
        rotate_deg=float(rng.uniform(-8, 8)), perspective=float(rng.uniform(0, 0.06)),
        blur_sigma=float(rng.uniform(0, 1.6)), light_gradient=float(rng.uniform(0, 0.55)),
        glare=float(rng.uniform(0.0, 0.6)) if rng.random() < 0.5 else 0.0,
        noise_sigma=float(rng.uniform(0, 9)), jpeg_quality=int(rng.integers(45, 90)),
        scale=float(rng.uniform(0.6, 0.9)))


def _font(size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(ocr_b_path()), size_px)


def render_page(lines: list[str], fmt: str, rng: np.random.Generator) -> np.ndarray:
    """A BGR image of a document page of format ``fmt`` with ``lines`` as its MRZ at the bottom."""
    w_mm, h_mm = _PAGE_MM[fmt]
    w, h = int(w_mm * PX_PER_MM), int(h_mm * PX_PER_MM)
    base = np.array([rng.uniform(215, 245), rng.uniform(215, 245), rng.uniform(205, 240)])
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    # A faint guilloche-like background pattern, as security printing has.
    pattern = 8 * np.sin(xx / rng.uniform(6, 14) + 3 * np.sin(yy / rng.uniform(20, 40)))
    page = np.clip(base[None, None, :] + pattern[..., None], 0, 255).astype(np.uint8)
    img = Image.fromarray(page[..., ::-1].copy())
    draw = ImageDraw.Draw(img)
    # Photo area and printed fields above the MRZ.
    pw, ph = int(w * 0.27), int(h * 0.45)
    px, py = int(w * 0.04), int(h * 0.12)
    draw.rectangle([px, py, px + pw, py + ph], fill=tuple(int(v) for v in rng.integers(90, 170, 3)))
    draw.ellipse([px + pw * 0.2, py + ph * 0.12, px + pw * 0.8, py + ph * 0.75],
                 fill=tuple(int(v) for v in rng.integers(120, 200, 3)))
    label_font = ImageFont.load_default(size=max(10, int(2.2 * PX_PER_MM)))
    x0 = px + pw + int(4 * PX_PER_MM)
    for i in range(5):
        y = py + i * int(h * 0.1)
        word = "".join(chr(int(c)) for c in rng.integers(65, 91, int(rng.integers(4, 12))))
        draw.text((x0, y), word, fill=(40, 40, 60), font=label_font)
    draw.text((int(w * 0.3), int(h * 0.03)), "PASSPORT" if fmt == "TD3" else "IDENTITY CARD",
              fill=(60, 30, 30), font=label_font)
    # MRZ: 10 characters per inch, OCR-B with a cap height of about 2.4 mm.
    font = _font(int(3.4 * PX_PER_MM))
    for i, line in enumerate(lines):
        left, y = _mrz_origin(fmt, len(lines), len(line), i)
        for j, ch in enumerate(line):
            draw.text((left + j * _PITCH, y), ch, fill=(20, 20, 25), font=font)
    return np.asarray(img)[..., ::-1].copy()


_PITCH = 25.4 / 10 * PX_PER_MM  # 10 characters per inch
_LINE_GAP = 4.2 * PX_PER_MM


def _mrz_origin(fmt: str, n_lines: int, n_chars: int, i: int) -> tuple[float, float]:
    """Where ``render_page`` draws line ``i`` of the MRZ: its left x and text origin y (page pixels)."""
    w_mm, h_mm = _PAGE_MM[fmt]
    bottom = h_mm * PX_PER_MM - 4.5 * PX_PER_MM
    return (w_mm * PX_PER_MM - _PITCH * n_chars) / 2, bottom - (n_lines - i) * _LINE_GAP


def mrz_box(fmt: str, n_lines: int, n_chars: int) -> tuple[float, float, float, float]:
    """The MRZ's ink box on a ``render_page`` page, (x0, y0, x1, y1) in page pixels: where a scene
    draws what real pages put next to the band."""
    left, top = _mrz_origin(fmt, n_lines, n_chars, 0)
    _, last = _mrz_origin(fmt, n_lines, n_chars, n_lines - 1)
    # OCR-B at this size: ink from 0.24 to 0.97 of the font size below the text origin.
    size = int(3.4 * PX_PER_MM)
    return left, top + 0.24 * size, left + _PITCH * n_chars, last + 0.97 * size


def degrade(page: np.ndarray, d: Degradation, rng: np.random.Generator,
            frame_size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    """Place ``page`` into a camera frame with the effects of ``d``; returns the BGR frame."""
    fw, fh = frame_size
    h, w = page.shape[:2]
    s = min(d.scale * fw / w, 0.92 * fh / h)
    cx, cy = fw / 2 + rng.uniform(-0.05, 0.05) * fw, fh / 2 + rng.uniform(-0.05, 0.05) * fh
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    corners = (src - [w / 2, h / 2]) * s
    jitter = rng.uniform(-d.perspective, d.perspective, (4, 2)) * [w * s, h * s]
    a = np.deg2rad(d.rotate_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    dst = (corners + jitter) @ rot.T
    # Keep the whole document in the frame (a label must be readable): shrink until it fits.
    span = np.maximum(dst.max(axis=0) - dst.min(axis=0), 1e-6)
    dst *= min(1.0, float(np.min(np.array([0.96 * fw, 0.96 * fh]) / span)))
    lo, hi = dst.min(axis=0), dst.max(axis=0)
    cx = float(np.clip(cx, 0.02 * fw - lo[0], 0.98 * fw - hi[0]))
    cy = float(np.clip(cy, 0.02 * fh - lo[1], 0.98 * fh - hi[1]))
    dst = np.float32(dst + [cx, cy])
    m = cv2.getPerspectiveTransform(src, dst)
    table = np.array(rng.uniform(60, 120, 3))  # the surface the document lies on
    frame = cv2.warpPerspective(page, m, (fw, fh), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT,
                                borderValue=tuple(float(v) for v in table))
    f = frame.astype(np.float32)
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    if d.light_gradient:
        ang = rng.uniform(0, 2 * np.pi)
        ramp = (np.cos(ang) * xx / fw + np.sin(ang) * yy / fh)
        ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
        f *= (1.0 - d.light_gradient * ramp)[..., None]
    if d.glare:
        gx, gy = rng.uniform(0.2, 0.8) * fw, rng.uniform(0.2, 0.8) * fh
        r = rng.uniform(0.08, 0.2) * fw
        f += (255 * d.glare * np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * r * r)))[..., None]
    if d.blur_sigma > 0.05:
        f = cv2.GaussianBlur(f, (0, 0), d.blur_sigma)
    if d.noise_sigma:
        f += rng.normal(0, d.noise_sigma, f.shape).astype(np.float32)
    out = np.clip(f, 0, 255).astype(np.uint8)
    if d.jpeg_quality < 95:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, d.jpeg_quality])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else out
    return out


def encode_png(img: np.ndarray) -> bytes:
    """PNG bytes of a BGR image (lossless, so a clean render stays clean)."""
    buf = io.BytesIO()
    Image.fromarray(img[..., ::-1]).save(buf, format="PNG", compress_level=3)
    return buf.getvalue()
