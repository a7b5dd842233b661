"""Passive anti-spoofing with FaceAntiSpoofing (Deep Tree Network lineage; print and replay).

Input: a square face crop, 256x256 RGB in [0, 1]. Outputs: eight leaf class predictions and an
eight-leaf routing mask; the spoof score is sum(|class_pred| * leaf_mask), clipped to [0, 1]; higher
means attack (its origin app calls anything above 0.2 an attack). See ``../shared/DESIGN.md``: on our
evaluation data these weights work only on their home domain, so the kiosk fuses this score with
other liveness evidence rather than trusting it alone.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.detect import Face
from inference.image import check_bgr
from inference.runtime import OrtRunner


@dataclass(frozen=True)
class SpoofScore:
    """Spoof score in [0, 1] (higher: more likely an attack)."""

    score: float


def square_crop(image: np.ndarray, box: tuple[float, float, float, float], scale: float = 1.0,
                size: int = 256) -> np.ndarray:
    """Square crop around a face box (side = scale * max(w, h)), padded by edge replication, resized."""
    import cv2

    x, y, w, h = box
    side = max(w, h) * scale
    cx, cy = x + w / 2, y + h / 2
    m = np.array([[size / side, 0, size / 2 - cx * size / side], [0, size / side, size / 2 - cy * size / side]],
                 dtype=np.float32)
    return cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


class AntiSpoof:
    """``score(image_bgr, face) -> SpoofScore``."""

    model_id = "antispoof"

    def __init__(self, runner: OrtRunner, crop_scale: float = 1.0) -> None:
        self.runner = runner
        self.crop_scale = crop_scale
        # Output order from the TFLite graph: Identity = leaf class predictions, Identity_1 = leaf mask.
        names = runner.output_names
        self._pred = names.index("Identity")
        self._mask = names.index("Identity_1")

    def preprocess(self, image: np.ndarray, face: Face) -> np.ndarray:
        """The model tensor for one face."""
        crop = square_crop(check_bgr(image), face.box, self.crop_scale, 256)
        return (crop[:, :, ::-1].astype(np.float32) / 255.0)[None]

    def score(self, image: np.ndarray, face: Face) -> SpoofScore:
        """Spoof score of one face."""
        out = self.runner.run1(self.preprocess(image, face))
        value = float(np.sum(np.abs(out[self._pred]) * out[self._mask]))
        return SpoofScore(min(1.0, max(0.0, value)))
