"""Synthetic presentation attacks rendered from bona fide faces, for training PAD models only.

Two seeded renderers, each a chain of documented steps with its parameters drawn from one
``numpy.random.Generator`` (same image + same seed = the same bytes; ``params`` in the result says what
was drawn). Neither is a claim of realism: each step imitates one artefact a re-capture adds, so a model
trained with them has seen that artefact on faces and cameras the real attack data lack.

``render_print`` (a printed photo held up to the camera):
  1. gamut compression: saturation scaled by 0.5-0.8, black level lifted to 15-40 and white capped at
     205-240 (ink on paper has a smaller gamut and contrast than the scene), a warm paper tint;
  2. halftone: each CMY ink screened at its own angle (15, 75, 0 degrees) with a cell of 3-5 px at 2x the
     photo's size, then averaged back down (the camera sees the dot pattern partly resolved);
  3. paper texture: low-frequency multiplicative unevenness (+-2-5%) and fine fibre grain;
  4. curvature: the sheet bent about its vertical axis (horizontal squeeze towards the edges up to 6-15%)
     with the matching shading (the edges turn away from the light);
  5. glare: a soft specular spot (up to +40% of white) at a random place on the sheet;
  6. placement and capture: the sheet at 75-95% of the frame over a blurred wall, defocus blur
     (sigma 0.4-1.4 px), sensor noise and JPEG quality 70-92.

``render_replay`` (a photo or video frame shown on a phone or tablet screen):
  1. screen colour: a display gamma (the content's 2.2 re-encoded with 1.8-2.6) and a white point bluer
     than daylight (B x1.00-1.12, R x0.88-1.00);
  2. backlight: blacks lifted to 8-30 (an LCD leaks light) and bloom (the frame blurred at 6% of its size
     added at 5-20%);
  3. pixel grid: the content drawn on a screen of RGB stripe sub-pixels with dark gaps, then resampled by
     the camera at 0.85-1.15 camera pixels per screen pixel and a 0-4 degree turn, with no proper
     low-pass filter: the two grids beat into moire (the effect the ``moire_peak`` cue looks for); the
     lens passes 15-50% of the grid's modulation (a perfect lens would show it at full contrast);
  4. specular reflection: a broad diagonal sheen (a window on the glass) of 0-25% of white;
  5. bezel: the screen at 70-90% of the frame inside a near-black bezel 3-8% wide, over a blurred wall;
  6. capture: defocus blur, sensor noise, JPEG quality 70-92.

``pixel_grid`` and ``halftone`` are public so tests can check the spectra they claim to add.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inference.errors import BadImageError
from inference.image import check_bgr

SYNTH_VERSION = "pad-synth-3"  # bump when a renderer's output changes: cached features are keyed by it


@dataclass(frozen=True)
class Rendered:
    """A rendered attack frame (BGR uint8) and the parameters its seed drew."""

    image: np.ndarray
    species: str
    params: dict[str, Any] = field(default_factory=dict)


def _f(img: np.ndarray) -> np.ndarray:
    return check_bgr(img).astype(np.float32)


def _u8(x: np.ndarray) -> np.ndarray:
    return np.clip(x + 0.5, 0, 255).astype(np.uint8)


def _wall(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A smooth, out-of-focus room background (a gradient with soft blobs)."""
    import cv2

    h, w = shape
    base = rng.uniform(60, 190, 3).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    grad = (rng.uniform(-40, 40) * xx / w + rng.uniform(-40, 40) * yy / h)[..., None]
    blobs = cv2.GaussianBlur(rng.uniform(-60, 60, (max(2, h // 40), max(2, w // 40), 3)).astype(np.float32),
                             (0, 0), 1.0)
    return base + grad + cv2.resize(blobs, (w, h), interpolation=cv2.INTER_CUBIC)


def _place(content: np.ndarray, frame: np.ndarray, scale: float, rng: np.random.Generator) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Put ``content`` scaled to ``scale`` of the frame's width at a random spot; returns frame and its box."""
    import cv2

    fh, fw = frame.shape[:2]
    ch, cw = content.shape[:2]
    s = min(scale * fw / cw, 0.98 * fh / ch)
    w, h = max(8, int(cw * s)), max(8, int(ch * s))
    x = int(rng.uniform(0, fw - w + 1))
    y = int(rng.uniform(0, fh - h + 1))
    out = frame.copy()
    out[y:y + h, x:x + w] = cv2.resize(content, (w, h), interpolation=cv2.INTER_AREA)
    return out, (x, y, w, h)


def _capture(img: np.ndarray, rng: np.random.Generator, params: dict[str, Any]) -> np.ndarray:
    """Camera: defocus blur, sensor noise, JPEG re-encoding."""
    import cv2

    params["blur_sigma"] = sigma = float(rng.uniform(0.4, 1.4))
    img = cv2.GaussianBlur(img, (0, 0), sigma)
    img = img + rng.normal(0, 2.0, img.shape).astype(np.float32)
    params["jpeg_quality"] = q = int(rng.integers(70, 93))
    ok, buf = cv2.imencode(".jpg", _u8(img), [cv2.IMWRITE_JPEG_QUALITY, q])
    if not ok:
        raise BadImageError("JPEG re-encoding of a synthetic attack failed")
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def halftone(img: np.ndarray, cell: float, angles: tuple[float, float, float] = (15.0, 75.0, 0.0)) -> np.ndarray:
    """Amplitude-modulated halftone of a float BGR image: each CMY ink a dot screen of period ``cell`` px."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    out = np.empty_like(img)
    for ch, ang in zip((2, 1, 0), angles):  # C from R, M from G, Y from B
        ink = 1.0 - img[:, :, ch] / 255.0
        a = np.deg2rad(ang)
        u = (xx * np.cos(a) + yy * np.sin(a)) * (2 * np.pi / cell)
        v = (-xx * np.sin(a) + yy * np.cos(a)) * (2 * np.pi / cell)
        screen = (np.cos(u) * np.cos(v) + 1.0) / 2.0  # 0..1 dot profile
        dot = (screen < ink).astype(np.float32)  # a dot grows with the ink amount
        out[:, :, ch] = 255.0 * (1.0 - dot)
    return out


@dataclass(frozen=True)
class GridMaps:
    """Where each camera pixel falls on a screen (see ``pixel_grid``); reusable for frames of one size."""

    screen_size: tuple[int, int]  # screen pixels across the camera frame (width, height)
    ui: np.ndarray  # screen pixel column of each camera pixel
    vi: np.ndarray  # screen pixel row of each camera pixel
    light: np.ndarray  # (h, w, 3) sub-pixel light each camera pixel integrates (mean 1 per channel)


def grid_maps(size: tuple[int, int], pitch: float, angle_deg: float = 0.0, gap: float = 0.25,
              sub: int = 12, contrast: float = 1.0) -> GridMaps:
    """The sampling maps of ``pixel_grid`` for frames of ``size`` (width, height)."""
    import cv2

    w, h = size
    mask = np.zeros((sub, sub, 3), np.float32)
    b = max(1, int(round(gap * sub / 2)))
    third = sub / 3.0
    for k, ch in enumerate((2, 1, 0)):  # R, G, B stripes left to right
        x0, x1 = int(round(k * third)), int(round((k + 1) * third))
        mask[b:sub - b, x0:x1, ch] = 1.0
    mask[:, :b] = 0
    mask[:, sub - b:] = 0
    mask /= mask.mean(axis=(0, 1), keepdims=True)
    # The camera pixel's footprint on the (periodic) mask: blur a 3x3 tiling, keep the centre tile.
    box = max(1, int(round(sub / pitch)))
    footprint = cv2.blur(np.tile(mask, (3, 3, 1)), (box, box))[sub:2 * sub, sub:2 * sub]
    a = np.deg2rad(angle_deg)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64) + 0.5
    u = (xx * np.cos(a) + yy * np.sin(a)) / pitch  # screen-pixel coordinates of each camera pixel centre
    v = (-xx * np.sin(a) + yy * np.cos(a)) / pitch
    sw, sh = max(2, int(np.ceil(u.max())) + 1), max(2, int(np.ceil(v.max())) + 1)
    fu = np.minimum((np.mod(u, 1.0) * sub).astype(int), sub - 1)
    fv = np.minimum((np.mod(v, 1.0) * sub).astype(int), sub - 1)
    light = 1.0 + contrast * (footprint[fv, fu] - 1.0)  # the lens passes this share of the grid's modulation
    return GridMaps((sw, sh), np.clip(np.floor(u).astype(int), 0, sw - 1), np.clip(np.floor(v).astype(int), 0, sh - 1),
                    light.astype(np.float32))


def pixel_grid(img: np.ndarray, pitch: float, angle_deg: float = 0.0, gap: float = 0.25, sub: int = 12,
               maps: GridMaps | None = None, contrast: float = 1.0) -> np.ndarray:
    """``img`` (float BGR) shown on a stripe-RGB screen and re-sampled at ``pitch`` camera px per screen px.

    The content is first shown at the screen's resolution (one value per screen pixel). Each screen pixel
    is lit through a ``sub`` x ``sub`` mask: three vertical R, G, B stripes with a dark border of ``gap``
    of the pixel (scaled so the mean light stays that of the content). Each camera pixel integrates the
    mask under its own area (a box of one camera pixel, 1/pitch screen pixels), read at the camera's grid
    (``pitch``, turned by ``angle_deg``). A box is not a proper low-pass filter, so the screen grid's
    frequency 1/pitch aliases to |1/pitch - round(1/pitch)| cycles per camera pixel: the moire.
    ``contrast`` is the share of the grid's modulation the lens passes (1: a perfect lens; a real one at
    these frequencies passes far less). ``maps`` (from ``grid_maps`` with the same arguments) skips
    recomputing the sampling for a video.
    """
    import cv2

    h, w = img.shape[:2]
    maps = maps or grid_maps((w, h), pitch, angle_deg, gap, sub, contrast)
    screen_px = cv2.resize(img, maps.screen_size, interpolation=cv2.INTER_AREA)
    return screen_px[maps.vi, maps.ui] * maps.light


def _bloom(img: np.ndarray, sigma: float) -> np.ndarray:
    """A wide Gaussian blur, computed at 1/8 size (a backlight halo has no fine detail)."""
    import cv2

    h, w = img.shape[:2]
    small = cv2.resize(img, (max(2, w // 8), max(2, h // 8)), interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.GaussianBlur(small, (0, 0), sigma / 8), (w, h), interpolation=cv2.INTER_LINEAR)


def render_print(bona_fide: np.ndarray, seed: int) -> Rendered:
    """A print attack of ``bona_fide`` (BGR uint8), seeded; see the module docstring for the steps."""
    import cv2

    src = _f(bona_fide)
    rng = np.random.default_rng([seed, 1])
    p: dict[str, Any] = {}
    h, w = src.shape[:2]
    # 1. gamut
    p["saturation"] = sat = float(rng.uniform(0.5, 0.8))
    grey = src.mean(axis=2, keepdims=True)
    img = grey + (src - grey) * sat
    p["black"], p["white"] = lo, hi = float(rng.uniform(15, 40)), float(rng.uniform(205, 240))
    img = lo + img * (hi - lo) / 255.0
    img = img * np.array([rng.uniform(0.9, 0.97), rng.uniform(0.97, 1.0), 1.0], np.float32)  # warm paper (B<R)
    # 2. halftone at 2x, averaged back down
    p["halftone_cell"] = cell = float(rng.uniform(3.0, 5.0))
    big = cv2.resize(img, (w * 2, h * 2), interpolation=cv2.INTER_CUBIC)
    ht = cv2.resize(halftone(np.clip(big, 0, 255), cell), (w, h), interpolation=cv2.INTER_AREA)
    p["halftone_mix"] = mix = float(rng.uniform(0.35, 0.7))
    img = (1 - mix) * img + mix * ht
    # 3. paper texture
    p["paper_uneven"] = amp = float(rng.uniform(0.02, 0.05))
    low = cv2.resize(rng.normal(0, 1, (max(2, h // 32), max(2, w // 32))).astype(np.float32), (w, h),
                     interpolation=cv2.INTER_CUBIC)
    fibre = cv2.GaussianBlur(rng.normal(0, 3.0, (h, w)).astype(np.float32), (0, 0), 0.7)
    img = img * (1 + amp * low)[..., None] + fibre[..., None]
    # 4. curvature about the vertical axis, with shading
    p["bend"] = k = float(rng.uniform(0.06, 0.15))
    xx = np.arange(w, dtype=np.float32)
    xn = (xx - w / 2) / (w / 2)
    map_x = np.tile((w / 2 + (w / 2) * xn * (1 + k * xn * xn)).astype(np.float32), (h, 1))
    map_y = np.repeat(np.arange(h, dtype=np.float32)[:, None], w, axis=1)
    img = cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    img = img * (1 - 0.6 * k * xn * xn)[None, :, None]
    # 5. glare
    p["glare"] = g = float(rng.uniform(0.0, 0.4))
    gx, gy, r = rng.uniform(0.2, 0.8) * w, rng.uniform(0.1, 0.6) * h, rng.uniform(0.08, 0.2) * w
    yy, xg = np.mgrid[0:h, 0:w].astype(np.float32)
    img = img + (g * 255 * np.exp(-((xg - gx) ** 2 + (yy - gy) ** 2) / (2 * r * r)))[..., None]
    # 6. placement over a wall, capture
    p["sheet_scale"] = scale = float(rng.uniform(0.75, 0.95))
    frame, _ = _place(np.clip(img, 0, 255), cv2.GaussianBlur(_wall((h, w), rng), (0, 0), 3), scale, rng)
    return Rendered(_capture(frame, rng, p), "print", p)


class ScreenReplay:
    """One phone or tablet screen held up to the camera: ``apply(frame)`` shows a frame on it.

    Every screen property (steps 1-5 of ``render_replay``) is drawn once from ``seed`` for frames of
    ``size`` (width, height), so a video played on it keeps one device; the capture (step 6: blur, sensor
    noise, JPEG) is drawn anew for each frame, as a camera's would be. The screen does not answer the
    kiosk's flash: it shows its own content, whatever the kiosk's screen does.
    """

    def __init__(self, seed: int, size: tuple[int, int], scale: tuple[float, float] = (0.7, 0.9)) -> None:
        import cv2

        w, h = size
        if w < 16 or h < 16:
            raise BadImageError(f"a screen replay needs frames of at least 16x16 pixels, got {w}x{h}")
        self.size = (w, h)
        rng = self._rng = np.random.default_rng([seed, 2])
        p: dict[str, Any] = {}
        p["gamma"] = float(rng.uniform(1.8, 2.6))
        p["white_b"], p["white_r"] = float(rng.uniform(1.0, 1.12)), float(rng.uniform(0.88, 1.0))
        p["black"] = float(rng.uniform(8, 30))
        p["bloom"] = float(rng.uniform(0.05, 0.2))
        p["screen_scale"] = scale = float(rng.uniform(*scale))
        p["bezel"] = bez = float(rng.uniform(0.03, 0.08))
        s_fit = min(scale / (1 + 2 * bez), 0.98 / (1 + 2 * bez))
        self._content = (max(8, int(w * s_fit)), max(8, int(h * s_fit)))
        cw, ch = self._content
        self._device = (int(cw * (1 + 2 * bez)), int(ch * (1 + 2 * bez)))
        p["bezel_level"] = float(rng.uniform(5, 25))
        p["pitch"] = float(rng.uniform(0.85, 1.15))
        p["grid_angle"] = float(rng.uniform(0.0, 4.0))
        p["sheen"] = float(rng.uniform(0.0, 0.25))
        p["grid_contrast"] = float(rng.uniform(0.15, 0.5))
        bw, bh = self._device
        yy, xx = np.mgrid[0:bh, 0:bw].astype(np.float32)
        self._band = np.exp(-(((xx / bw + yy / bh) - rng.uniform(0.4, 1.6)) ** 2) / 0.02)
        self._wall = cv2.GaussianBlur(_wall((h, w), rng), (0, 0), 3)
        self._at = (int(rng.uniform(0, w - bw + 1)), int(rng.uniform(0, h - bh + 1)))
        self.params = p
        self._maps: GridMaps | None = None

    @property
    def content_box(self) -> tuple[int, int, int, int]:
        """(x, y, width, height) of the shown frame inside the camera frame, in pixels."""
        (cw, ch), (bw, bh) = self._content, self._device
        return self._at[0] + (bw - cw) // 2, self._at[1] + (bh - ch) // 2, cw, ch

    def apply(self, frame: np.ndarray) -> Rendered:
        """``frame`` (BGR uint8 of ``size``) as the camera sees it on this screen."""
        import cv2

        src = _f(frame)
        w, h = self.size
        if src.shape[:2] != (h, w):
            raise BadImageError(f"this screen shows {w}x{h} frames, got {src.shape[1]}x{src.shape[0]}")
        p = dict(self.params)
        # 1. screen gamma and white point (BGR: bluer)
        img = 255.0 * (src / 255.0) ** (p["gamma"] / 2.2)
        img = img * np.array([p["white_b"], 1.0, p["white_r"]], np.float32)
        # 2. backlight leak and bloom
        img = p["black"] + img * (255 - p["black"]) / 255.0
        img = img + p["bloom"] * _bloom(img, 0.06 * max(h, w))
        # 5 (geometry drawn first): the bezel, and the content at its final size, so the camera sees the
        # pixel grid (3) at that size, unfiltered.
        (cw, ch), (bw, bh) = self._content, self._device
        device = np.full((bh, bw, 3), p["bezel_level"], np.float32)
        oy, ox = (bh - ch) // 2, (bw - cw) // 2
        content = cv2.resize(np.clip(img, 0, 255), (cw, ch), interpolation=cv2.INTER_AREA)
        if self._maps is None:
            self._maps = grid_maps((cw, ch), p["pitch"], p["grid_angle"], contrast=p["grid_contrast"])
        device[oy:oy + ch, ox:ox + cw] = pixel_grid(content, p["pitch"], p["grid_angle"], maps=self._maps)
        # 4. specular sheen across the glass (bezel and screen)
        device = device + (p["sheen"] * 255 * self._band)[..., None]
        out = self._wall.copy()
        x0, y0 = self._at
        out[y0:y0 + bh, x0:x0 + bw] = device
        return Rendered(_capture(out, self._rng, p), "replay", p)


def render_replay(bona_fide: np.ndarray, seed: int) -> Rendered:
    """A screen replay of ``bona_fide`` (BGR uint8), seeded; see the module docstring for the steps."""
    img = check_bgr(bona_fide)
    return ScreenReplay(seed, (img.shape[1], img.shape[0])).apply(img)


RENDERERS = {"print": render_print, "replay": render_replay}
