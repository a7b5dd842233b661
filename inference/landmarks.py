"""Face mesh (468 points + face presence score) and iris landmarks (MediaPipe models).

The mesh runs on a 192x192 crop centred on the face, 1.5x the detector box, rotated so the eyes are
level (as MediaPipe does); points are mapped back into image pixels, z in the same pixel scale. Iris
runs on 64x64 crops around each eye, square, 2.3x the eye-corner distance; the model was trained on
the eye that appears on the image's left, so the other eye is mirrored in and out (MediaPipe does the
same).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.detect import Face
from inference.image import check_bgr
from inference.runtime import OrtRunner

# Mesh indices of the eye corners (image-left eye: outer 33, inner 133; image-right eye: inner 362, outer 263).
EYE_CORNERS = ((33, 133), (362, 263))


@dataclass(frozen=True)
class EyeLandmarks:
    """Iris centre + 4 iris edge points and 71 eye-contour points, image pixels."""

    iris: np.ndarray  # (5, 2)
    contour: np.ndarray  # (71, 2)

    @property
    def iris_diameter(self) -> float:
        """Mean of the horizontal and vertical iris diameters in pixels."""
        e = self.iris[1:]
        return float((np.linalg.norm(e[0] - e[2]) + np.linalg.norm(e[1] - e[3])) / 2)


@dataclass(frozen=True)
class FaceLandmarks:
    """468 mesh points (x, y in image pixels; z relative depth in pixels) and the face presence score."""

    points: np.ndarray  # (468, 3) float32
    face_score: float
    eyes: tuple[EyeLandmarks, EyeLandmarks] | None = None


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


def _crop_transform(centre: np.ndarray, side: float, angle: float, size: int) -> np.ndarray:
    """2x3 affine taking image pixels into a size x size crop of ``side`` pixels rotated by ``angle``."""
    c, s = np.cos(angle), np.sin(angle)
    k = size / side
    rot = np.array([[c, s], [-s, c]]) * k
    t = np.array([size / 2, size / 2]) - rot @ centre
    return np.hstack([rot, t[:, None]]).astype(np.float32)


def _invert(m: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.invertAffineTransform(m)


def _apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return pts @ m[:, :2].T + m[:, 2]


class FaceMesh:
    """``landmarks(image_bgr, face) -> FaceLandmarks`` (with iris when an iris runner is given)."""

    def __init__(self, mesh: OrtRunner, iris: OrtRunner | None = None, scale: float = 1.5) -> None:
        self.mesh = mesh
        self.iris = iris
        self.scale = scale
        names = mesh.output_names
        self._pts = names.index("conv2d_21")
        self._flag = names.index("conv2d_31")

    def crop_transform(self, face: Face) -> np.ndarray:
        """The image->crop affine for ``face`` (eyes level, 1.5x the box)."""
        x, y, w, h = face.box
        left, right = face.landmarks[0], face.landmarks[1]
        angle = float(np.arctan2(right[1] - left[1], right[0] - left[0]))
        return _crop_transform(np.array([x + w / 2, y + h / 2]), max(w, h) * self.scale, angle, 192)

    def landmarks(self, image: np.ndarray, face: Face, with_iris: bool = True) -> FaceLandmarks:
        """Mesh (and iris) for one detected face."""
        import cv2

        image = check_bgr(image)
        m = self.crop_transform(face)
        crop = cv2.warpAffine(image, m, (192, 192), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        x = (crop[:, :, ::-1].astype(np.float32) / 255.0)[None]
        out = self.mesh.run1(x)
        raw = out[self._pts].reshape(468, 3)
        inv = _invert(m)
        xy = _apply(inv, raw[:, :2])
        z = raw[:, 2:3] * (1.0 / float(np.linalg.norm(m[0, :2])))
        points = np.hstack([xy, z]).astype(np.float32)
        score = _sigmoid(float(out[self._flag].ravel()[0]))
        eyes = self._eyes(image, points) if (with_iris and self.iris is not None) else None
        return FaceLandmarks(points, score, eyes)

    def eye(self, image: np.ndarray, points: np.ndarray, side: int) -> EyeLandmarks:
        """Iris and eye contour of one eye (``side`` 0: the image-left eye, 1: the image-right eye)."""
        import cv2

        assert self.iris is not None
        a, b = EYE_CORNERS[side]
        p, q = points[a, :2], points[b, :2]
        angle = float(np.arctan2(q[1] - p[1], q[0] - p[0]))
        side_px = max(float(np.linalg.norm(q - p)) * 2.3, 4.0)
        m = _crop_transform((p + q) / 2, side_px, angle, 64)
        if side == 1:
            m = np.array([[-1, 0, 64], [0, 1, 0]], np.float32) @ np.vstack([m, [0, 0, 1]])
        crop = cv2.warpAffine(image, m, (64, 64), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        contour, iris = self.iris.run1((crop[:, :, ::-1].astype(np.float32) / 255.0)[None])
        inv = _invert(m)
        return EyeLandmarks(_apply(inv, iris.reshape(5, 3)[:, :2]).astype(np.float32),
                            _apply(inv, contour.reshape(71, 3)[:, :2]).astype(np.float32))

    def _eyes(self, image: np.ndarray, points: np.ndarray) -> tuple[EyeLandmarks, EyeLandmarks]:
        return self.eye(image, points, 0), self.eye(image, points, 1)


def carry_eye(eye: EyeLandmarks, before: np.ndarray, after: np.ndarray, side: int) -> EyeLandmarks:
    """``eye`` (found on the mesh points ``before``) moved with its eye corners to the mesh points ``after``.

    The similarity that takes the two eye corners from ``before`` to ``after`` moves every point, so a
    carried eye follows the head; its shape (and so its openness ratio) is the one last measured.
    """
    a, b = EYE_CORNERS[side]
    p0, q0 = complex(*before[a, :2]), complex(*before[b, :2])
    p1, q1 = complex(*after[a, :2]), complex(*after[b, :2])
    k = (q1 - p1) / (q0 - p0) if q0 != p0 else 1 + 0j

    def move(pts: np.ndarray) -> np.ndarray:
        z = (pts[:, 0] + 1j * pts[:, 1] - p0) * k + p1
        return np.stack([z.real, z.imag], axis=1).astype(np.float32)

    return EyeLandmarks(move(eye.iris), move(eye.contour))
