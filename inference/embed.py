"""Face embedders: SFace (128-d, primary) and MobileFaceNet (192-d, second opinion).

Both take a BGR image and the detector's five landmarks, align to the 112x112 template, and return a
unit-length float32 vector; the cosine of two embeddings is their dot product.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.align import align_face
from inference.image import check_bgr
from inference.runtime import OrtRunner


@dataclass(frozen=True)
class Embedding:
    """A unit-length face template and the model that made it."""

    model_id: str
    vector: np.ndarray  # float32, L2-normalised

    def cosine(self, other: Embedding) -> float:
        """Cosine similarity in [-1, 1]; both must come from the same model."""
        if other.model_id != self.model_id:
            raise ValueError(f"cannot compare {self.model_id} with {other.model_id} templates")
        return float(np.dot(self.vector, other.vector))


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float32).ravel()
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


class SFaceEmbedder:
    """SFace: aligned 112x112 RGB, 0..255, NCHW -> 128-d."""

    model_id = "sface"

    def __init__(self, runner: OrtRunner) -> None:
        self.runner = runner

    def preprocess(self, aligned_bgr: np.ndarray) -> np.ndarray:
        """Aligned BGR crop to the model's tensor."""
        return aligned_bgr[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32)

    def embed_aligned(self, aligned_bgr: np.ndarray) -> Embedding:
        """Embedding of an already aligned 112x112 BGR crop."""
        out = self.runner.run1(self.preprocess(aligned_bgr))[0]
        return Embedding(self.model_id, _normalise(out))

    def embed(self, image: np.ndarray, landmarks: np.ndarray) -> Embedding:
        """Align with the five landmarks, then embed."""
        return self.embed_aligned(align_face(check_bgr(image), landmarks))


class MobileFaceNetEmbedder(SFaceEmbedder):
    """MobileFaceNet: aligned 112x112 RGB scaled to [-1, 1], NHWC, fixed batch of 2 -> 192-d."""

    model_id = "mobilefacenet"

    def preprocess(self, aligned_bgr: np.ndarray) -> np.ndarray:
        """Aligned BGR crop to the model's tensor (the batch of two is filled with the same face)."""
        x = (aligned_bgr[:, :, ::-1].astype(np.float32) - 127.5) / 128.0
        batch = self.runner.inputs[0].shape[0]
        return np.repeat(x[None], batch, axis=0)
