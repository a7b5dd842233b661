"""Hand-crafted presentation-attack cues of one face crop (ISO/IEC 30107-1 "PAD by artefact detection").

Each cue targets something a print or a screen changes in the captured face, independently of the
FaceAntiSpoofing network (which fails outside its home domain, see ``../shared/DESIGN.md``):

- colour texture: chroma statistics in YCbCr and HSV (moments, LBP codes on Cr and Cb). Re-captured
  faces lose chroma detail and gain a colour cast (printer gamut, screen white point); after Boulkenafet
  et al., "Face anti-spoofing based on colour texture analysis" (ICIP 2015).
- frequency and moire: band energies of the windowed FFT of the grey face, and the peakiness of the
  whitened spectrum (a screen's pixel grid beating against the camera's sensor gives isolated peaks).
- specular highlights: share of bright unsaturated pixels (glossy photo paper, screen glare).
- face/background sharpness: a flat print or screen has its face and its surround in one plane, so they
  are equally sharp (or blurred); a real head stands in front of a background at another depth.
- the FaceAntiSpoofing score itself, so a fusion model can weigh it.

All crops are resampled to a fixed size, so features do not depend on the face's pixel size. A feature
that cannot be computed (for example the background ring lies outside the image) is NaN; the fusion
model imputes the training mean for it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.antispoof import square_crop
from inference.image import check_bgr

# Bump whenever a feature's definition changes: cached features are keyed by it.
FEATURE_VERSION = "pad-features-3"

CROP = 160  # face crop side in pixels (the face box fills it)
CONTEXT_SCALE = 2.4  # the context crop spans 2.4x the face box, at the same pixel density

FEATURE_NAMES: tuple[str, ...] = (
    "cr_mean", "cr_std", "cr_skew", "cb_mean", "cb_std", "cb_skew",
    "s_mean", "s_std", "hue_spread", "y_std",
    "lbp_uniform_y", "lbp_entropy_y", "lbp_uniform_cr", "lbp_entropy_cr", "lbp_uniform_cb", "lbp_entropy_cb",
    "fft_low", "fft_mid", "fft_high", "moire_peak", "moire_peak_share",
    "specular_share", "overexposed_share",
    "face_sharpness", "sharpness_ratio",
    "antispoof",
)


@dataclass(frozen=True)
class PadFeatures:
    """Named cue values of one face (NaN where a cue could not be computed)."""

    values: dict[str, float]

    def vector(self, names: tuple[str, ...] | list[str] = FEATURE_NAMES) -> np.ndarray:
        """The values in ``names`` order (NaN for a name not present)."""
        return np.array([self.values.get(n, np.nan) for n in names], dtype=np.float64)

    def to_dict(self) -> dict[str, float | None]:
        """JSON-friendly form (NaN becomes None)."""
        return {k: (None if not np.isfinite(v) else round(float(v), 6)) for k, v in self.values.items()}


def _skew(x: np.ndarray) -> float:
    s = x.std()
    return float(((x - x.mean()) ** 3).mean() / (s ** 3)) if s > 1e-6 else 0.0


def _uniform_table() -> np.ndarray:
    """Map each 8-bit LBP code to its uniform-pattern bin (0..57) or 58 for non-uniform codes."""
    table = np.full(256, 58, dtype=np.int64)
    nxt = 0
    for code in range(256):
        bits = [(code >> i) & 1 for i in range(8)]
        transitions = sum(bits[i] != bits[(i + 1) % 8] for i in range(8))
        if transitions <= 2:
            table[code] = nxt
            nxt += 1
    return table


_UNIFORM = _uniform_table()


def lbp_stats(channel: np.ndarray) -> tuple[float, float]:
    """(share of uniform LBP(8,1) codes, entropy in bits of the 59-bin uniform histogram) of one channel."""
    c = channel.astype(np.int16)
    centre = c[1:-1, 1:-1]
    h, w = c.shape
    offsets = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))
    code = np.zeros(centre.shape, dtype=np.int64)
    for bit, (dy, dx) in enumerate(offsets):
        code |= (c[1 + dy:h - 1 + dy, 1 + dx:w - 1 + dx] >= centre).astype(np.int64) << bit
    hist = np.bincount(_UNIFORM[code].ravel(), minlength=59).astype(np.float64)
    p = hist / hist.sum()
    nz = p[p > 0]
    return float(1.0 - p[58]), float(-(nz * np.log2(nz)).sum())


def spectrum_features(grey: np.ndarray) -> dict[str, float]:
    """Band energy shares (log10) and moire peakiness of a square grey crop.

    Frequencies are in cycles per pixel of the fixed-size crop. The spectrum is whitened by its radial
    mean, so natural images (power falling as 1/f^2) look flat and a periodic pattern stands out as a peak.
    """
    g = grey.astype(np.float64)
    g -= g.mean()
    n = g.shape[0]
    win = np.outer(np.hanning(n), np.hanning(n))
    power = np.abs(np.fft.fftshift(np.fft.fft2(g * win))) ** 2
    f = np.fft.fftshift(np.fft.fftfreq(n))
    r = np.hypot(*np.meshgrid(f, f))
    total = power[(r >= 0.02) & (r <= 0.5)].sum() + 1e-9
    out = {}
    for name, lo, hi in (("fft_low", 0.02, 0.1), ("fft_mid", 0.1, 0.25), ("fft_high", 0.25, 0.5)):
        out[name] = float(np.log10(power[(r >= lo) & (r < hi)].sum() / total + 1e-12))
    # Whiten by the radial mean (1-pixel-wide rings), then look for isolated peaks above 0.08 c/px.
    ring = np.minimum((r * n).astype(int), n)
    radial = np.bincount(ring.ravel(), power.ravel()) / np.maximum(np.bincount(ring.ravel()), 1)
    white = power / (radial[ring] + 1e-12)
    band = white[(r >= 0.08) & (r <= 0.5)]
    out["moire_peak"] = float(np.log10(band.max() + 1e-12))
    # Share of the band's whitened energy in its top 0.5% of bins: high for periodic patterns.
    k = max(1, int(0.005 * band.size))
    out["moire_peak_share"] = float(np.sort(band)[-k:].sum() / (band.sum() + 1e-12))
    return out


def _sharpness(grey: np.ndarray, mask: np.ndarray) -> float:
    """Mean absolute Laplacian over ``mask`` (pixels whose 3x3 neighbourhood is real image)."""
    import cv2

    lap = np.abs(cv2.Laplacian(grey.astype(np.float32), cv2.CV_32F, ksize=3))
    return float(lap[mask].mean()) if mask.any() else float("nan")


def cue_features(image: np.ndarray, box: tuple[float, float, float, float],
                 antispoof: float | None = None) -> PadFeatures:
    """All cue features of the face at ``box`` in a BGR image; ``antispoof`` is the FaceAntiSpoofing score."""
    import cv2

    image = check_bgr(image)
    face = square_crop(image, box, 1.0, CROP)
    vals: dict[str, float] = {}

    ycc = cv2.cvtColor(face, cv2.COLOR_BGR2YCrCb)
    y, cr, cb = (ycc[:, :, i].astype(np.float64) for i in range(3))
    for name, ch in (("cr", cr), ("cb", cb)):
        vals[f"{name}_mean"] = float(ch.mean())
        vals[f"{name}_std"] = float(ch.std())
        vals[f"{name}_skew"] = _skew(ch)
    vals["y_std"] = float(y.std())
    hsv = cv2.cvtColor(face, cv2.COLOR_BGR2HSV)
    hue = hsv[:, :, 0].astype(np.float64) * (2 * np.pi / 180.0)  # OpenCV hue is 0..179
    sat = hsv[:, :, 1].astype(np.float64) / 255.0
    val = hsv[:, :, 2].astype(np.float64) / 255.0
    vals["s_mean"] = float(sat.mean())
    vals["s_std"] = float(sat.std())
    # Circular spread of hue, weighted by saturation (grey pixels have no meaningful hue).
    wsum = sat.sum() + 1e-9
    resultant = np.hypot((sat * np.cos(hue)).sum(), (sat * np.sin(hue)).sum()) / wsum
    vals["hue_spread"] = float(1.0 - resultant)
    for name, plane in (("y", ycc[:, :, 0]), ("cr", ycc[:, :, 1]), ("cb", ycc[:, :, 2])):
        vals[f"lbp_uniform_{name}"], vals[f"lbp_entropy_{name}"] = lbp_stats(plane)

    grey = cv2.cvtColor(face, cv2.COLOR_BGR2GRAY)
    vals.update(spectrum_features(grey))
    # Highlights: bright and nearly colourless (glare on paper or glass); overexposed: clipped.
    vals["specular_share"] = float(np.mean((val > 0.92) & (sat < 0.15)))
    vals["overexposed_share"] = float(np.mean(val >= 0.99))

    # Sharpness of the face vs the ring around it, at the same pixel density. Pixels outside the image
    # are not replicated borders here: a validity mask drops them, so a tight crop gives NaN, not 0.
    side = int(round(CROP * CONTEXT_SCALE))
    ctx = square_crop(image, box, CONTEXT_SCALE, side)
    ones = np.full(image.shape[:2], 255, np.uint8)
    x, yb, w, h = box
    s = max(w, h) * CONTEXT_SCALE
    cx, cy = x + w / 2, yb + h / 2
    m = np.array([[side / s, 0, side / 2 - cx * side / s], [0, side / s, side / 2 - cy * side / s]], np.float32)
    valid = cv2.warpAffine(ones, m, (side, side), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT) > 0
    valid = cv2.erode(valid.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    yy, xx = np.mgrid[0:side, 0:side]
    half = side / 2
    inner = (np.abs(xx - half) < CROP / 2) & (np.abs(yy - half) < CROP / 2)
    # Leave a margin around the face box: hair and ears are at the head's depth, not the background's.
    ring = (np.maximum(np.abs(xx - half), np.abs(yy - half)) > 0.75 * CROP) & valid
    ctx_grey = cv2.cvtColor(ctx, cv2.COLOR_BGR2GRAY)
    face_sharp = _sharpness(ctx_grey, inner & valid)
    vals["face_sharpness"] = float(np.log10(face_sharp + 1e-3))
    if ring.sum() >= 0.15 * (side * side - (1.5 * CROP) ** 2):
        vals["sharpness_ratio"] = float(np.log10((face_sharp + 0.5) / (_sharpness(ctx_grey, ring) + 0.5)))
    else:
        vals["sharpness_ratio"] = float("nan")
    vals["antispoof"] = float("nan") if antispoof is None else float(antispoof)
    return PadFeatures({n: vals[n] for n in FEATURE_NAMES})
