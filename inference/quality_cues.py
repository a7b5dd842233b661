"""Image cues of the quality gate, measured on face-mesh regions (ISO/IEC 29794-5 clause 7 measures;
OFIQ's occlusion measures use segmentation networks that are not available here, so the occlusion cues
are photometric: eye-region luminance spread, lower-face chroma and texture).

Private to ``inference.quality`` (which documents thresholds and measurements); split out to keep each
module to one concept: this one only turns pixels and mesh points into numbers.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Mesh regions (MediaPipe indices). Eye contours, image-left eye then image-right eye.
EYE_CONTOURS = (
    (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246),
    (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466),
)
# Skin reference patches that stay visible under a surgical mask and under sunglasses: mid-forehead
# (151, 9) and the cheek bones below the outer eye corners (117, 346, i.e. above the mask's top edge).
UPPER_SKIN = (151, 9, 117, 346)
# The lower face: below the nose tip to the chin, between the mouth-side cheeks.
LOWER_FACE = (164, 0, 17, 18, 200, 199, 175, 57, 287, 61, 291, 206, 426)
# Left/right face halves for illumination uniformity: cheeks and temples of each side.
LEFT_SIDE = (50, 101, 117, 118, 123, 147, 187, 205, 36, 142)
RIGHT_SIDE = (280, 330, 346, 347, 352, 376, 411, 425, 266, 371)


class Patches:
    """Means of (2r+1)-pixel square patches centred on mesh points, from one integral image (O(1) a patch)."""

    def __init__(self, img: np.ndarray, pts: np.ndarray, radius: int) -> None:
        import cv2

        self.sums = cv2.integral(img, sdepth=cv2.CV_64F)  # (h+1, w+1[, c])
        self.pts = pts
        self.radius = radius
        self.h, self.w = img.shape[:2]

    def mean(self, idx: Sequence[int]) -> np.ndarray:
        """Mean over the patches of the mesh points ``idx`` (NaN when all fall outside the image)."""
        xy = np.round(self.pts[list(idx), :2]).astype(int)
        r = self.radius
        x0, x1 = np.clip(xy[:, 0] - r, 0, self.w), np.clip(xy[:, 0] + r + 1, 0, self.w)
        y0, y1 = np.clip(xy[:, 1] - r, 0, self.h), np.clip(xy[:, 1] + r + 1, 0, self.h)
        area = (x1 - x0) * (y1 - y0)
        ok = area > 0
        if not ok.any():
            return np.full(self.sums.shape[2:] or (), np.nan)
        s = self.sums
        total = s[y1, x1] - s[y0, x1] - s[y1, x0] + s[y0, x0]
        per = total[ok] / (area[ok][:, None] if total.ndim == 2 else area[ok])
        return np.asarray(per.mean(axis=0))


def polygon_values(img: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Pixels inside a polygon (channels last), via a mask on the polygon's bounding box."""
    import cv2

    h, w = img.shape[:2]
    x0, y0 = np.floor(polygon.min(axis=0)).astype(int)
    x1, y1 = np.ceil(polygon.max(axis=0)).astype(int) + 1
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return np.empty((0, *img.shape[2:]), img.dtype)
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(mask, [np.round(polygon - [x0, y0]).astype(np.int32)], 1)
    return np.asarray(img[y0:y1, x0:x1][mask.astype(bool)])


def eye_visibility(grey: np.ndarray, pts: np.ndarray, skin: float) -> float:
    """Smaller eye's luminance spread (p90 - p10) inside the eye contour, over the skin's mean luminance.

    An open, visible eye holds bright sclera, a dark iris and pupil and lashes; dark glasses (or a hand)
    leave a dim, nearly uniform region. Normalising by the skin's mean makes it independent of exposure.
    """
    spreads = []
    for contour in EYE_CONTOURS:
        vals = polygon_values(grey, pts[list(contour), :2])
        if vals.size < 8:
            return float("nan")
        p10, p90 = np.percentile(vals, (10, 90))
        spreads.append((p90 - p10) / max(skin, 1.0))
    return float(min(spreads))


def lower_face_chroma(ycrcb: Patches) -> float:
    """YCrCb chroma distance between the lower face (mouth, chin) and the forehead/cheek-bone skin."""
    lower = ycrcb.mean(LOWER_FACE)[1:]
    upper = ycrcb.mean(UPPER_SKIN)[1:]
    return float(np.linalg.norm(lower - upper))


def lower_face_texture(grey: np.ndarray, pts: np.ndarray, face_box: tuple[float, float, float, float]) -> float:
    """Luminance std of the mouth region (mouth corners widened 15%, nose base 2 to below the lower lip 18)
    over the std of the face box: a uniform covering (mask, scarf) has little texture where lips should be."""
    x0, x1 = float(pts[61, 0]), float(pts[291, 0])
    y0, y1 = float(pts[2, 1]), float(pts[18, 1])
    pad = 0.15 * (x1 - x0)
    ry0, ry1 = max(0, int(round(y0))), max(0, int(round(y1)))
    rx0, rx1 = max(0, int(round(x0 - pad))), max(0, int(round(x1 + pad)))
    region = grey[ry0:ry1, rx0:rx1]
    bx, by, bw, bh = face_box
    box = grey[max(0, int(by)):max(0, int(by + bh)), max(0, int(bx)):max(0, int(bx + bw))]
    if region.size < 16 or box.size < 16:
        return float("nan")
    return float(region.std() / max(float(box.std()), 1e-6))


def face_crop(grey: np.ndarray, box: tuple[float, float, float, float], size: int = 128) -> np.ndarray:
    """Face box resampled to size x size (area interpolation when shrinking, linear when enlarging)."""
    import cv2

    x, y, w, h = box
    h_img, w_img = grey.shape[:2]
    x0, y0 = int(max(0, np.floor(x))), int(max(0, np.floor(y)))
    x1, y1 = int(min(w_img, np.ceil(x + w))), int(min(h_img, np.ceil(y + h)))
    crop = grey[y0:y1, x0:x1]
    if crop.shape[0] < 2 or crop.shape[1] < 2:
        return np.zeros((size, size), grey.dtype)  # box outside the image: no detail (fails sharpness)
    interp = cv2.INTER_AREA if crop.shape[0] > size else cv2.INTER_LINEAR
    return cv2.resize(crop, (size, size), interpolation=interp)


def sharpness(grey_crop: np.ndarray) -> tuple[float, float]:
    """(variance of the Laplacian, Tenengrad mean squared Sobel magnitude) of a grey crop."""
    import cv2

    g = grey_crop.astype(np.float32)
    lap = cv2.Laplacian(g, cv2.CV_32F, ksize=3)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    return float(lap.var()), float(np.mean(gx * gx + gy * gy)) / 16.0  # /16: Sobel's 4x gain, squared


def entropy(values: np.ndarray) -> float:
    """Shannon entropy in bits of the 256-bin histogram of uint8 values (OFIQ's dynamic range)."""
    hist = np.bincount(values.ravel(), minlength=256).astype(np.float64)
    p = hist[hist > 0] / hist.sum()
    return float(-(p * np.log2(p)).sum())


def is_grey(image: np.ndarray) -> bool:
    """True when the three channels are (nearly) equal: a greyscale portrait stored as colour."""
    sample = image[:: max(1, image.shape[0] // 64), :: max(1, image.shape[1] // 64)].astype(np.int16)
    return bool(np.abs(sample[:, :, 0] - sample[:, :, 1]).mean() < 2
                and np.abs(sample[:, :, 1] - sample[:, :, 2]).mean() < 2)
