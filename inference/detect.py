"""Face detection with five landmarks (YuNet, 2023mar).

The converted model takes any height and width (a multiple of 32; see ``models.convert.make_hw_dynamic``),
so an image runs at its own resolution, padded bottom/right, as OpenCV runs YuNet. Images larger than
``max_side`` are shrunk first (cost grows with pixels). Never enlarging matters: on LFW's 150x150 crops,
enlarging into 640x640 caused 4 failures to enrol and raised FNMR at FMR 0.1% from 1.4% to 2.3%, and the
landmarks of a shrunk or cropped image move by several pixels, enough to blur identities.
Decoding follows YuNet's anchor-free heads at strides 8/16/32: score = sqrt(cls * obj), box centre =
(cell + offset) * stride, size = exp(log-size) * stride, landmarks = (cell + offset) * stride.
Landmark order: the eye on the image's left, the eye on the image's right, nose tip, mouth corner on
the left, mouth corner on the right (the subject's right eye first, as in the ArcFace template).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.image import check_bgr
from inference.runtime import OrtRunner

_STRIDES = (8, 16, 32)
_ALIGN = 32


@dataclass(frozen=True)
class Face:
    """One detected face in image pixel coordinates."""

    box: tuple[float, float, float, float]  # x, y, width, height
    landmarks: np.ndarray  # (5, 2) float32: eye, eye, nose, mouth corner, mouth corner
    score: float

    @property
    def inter_eye_distance(self) -> float:
        """Distance between the eye centres in pixels."""
        return float(np.linalg.norm(self.landmarks[0] - self.landmarks[1]))

    @property
    def area(self) -> float:
        """Box area in square pixels."""
        return self.box[2] * self.box[3]


class FaceDetector:
    """YuNet: ``detect(image_bgr) -> list[Face]`` sorted by score, highest first."""

    def __init__(self, runner: OrtRunner, score_threshold: float = 0.6, nms_threshold: float = 0.3,
                 max_side: int = 1280) -> None:
        self.runner = runner
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        self.max_side = max_side
        names = runner.output_names
        self._idx = {n: names.index(n) for n in names}
        self._grids: dict[tuple[int, int, int], np.ndarray] = {}

    def _grid(self, stride: int, height: int, width: int) -> np.ndarray:
        """(cells, 2) of (col, row) for one head, cached per input size."""
        key = (stride, height, width)
        if key not in self._grids:
            rows, cols = np.mgrid[0 : height // stride, 0 : width // stride]
            self._grids[key] = np.stack([cols.ravel(), rows.ravel()], axis=1).astype(np.float32)
        return self._grids[key]

    def preprocess(self, image: np.ndarray) -> tuple[np.ndarray, float]:
        """Pad (shrinking only if larger than ``max_side``) to a multiple of 32; BGR float NCHW."""
        import cv2

        h, w = image.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        if scale < 1.0:
            image = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        h2, w2 = image.shape[:2]
        ph, pw = -(-h2 // _ALIGN) * _ALIGN, -(-w2 // _ALIGN) * _ALIGN
        canvas = np.zeros((ph, pw, 3), np.uint8)
        canvas[:h2, :w2] = image
        return canvas.transpose(2, 0, 1)[None].astype(np.float32), scale

    def postprocess(self, outputs: list[np.ndarray], scale: float, image_shape: tuple[int, ...],
                    input_hw: tuple[int, int]) -> list[Face]:
        """Decode the heads, apply NMS, map back to the original image."""
        import cv2

        boxes, scores, kps = [], [], []
        for s in _STRIDES:
            cls = outputs[self._idx[f"cls_{s}"]][0, :, 0]
            obj = outputs[self._idx[f"obj_{s}"]][0, :, 0]
            score = np.sqrt(np.clip(cls, 0, 1) * np.clip(obj, 0, 1))
            keep = score >= self.score_threshold
            if not keep.any():
                continue
            grid = self._grid(s, *input_hw)[keep]
            bb = outputs[self._idx[f"bbox_{s}"]][0][keep]
            kp = outputs[self._idx[f"kps_{s}"]][0][keep]
            centre = (grid + bb[:, :2]) * s
            size = np.exp(bb[:, 2:4]) * s
            boxes.append(np.concatenate([centre - size / 2, size], axis=1))
            kps.append((kp.reshape(-1, 5, 2) + grid[:, None, :]) * s)
            scores.append(score[keep])
        if not boxes:
            return []
        b = np.concatenate(boxes) / scale
        k = np.concatenate(kps) / scale
        sc = np.concatenate(scores)
        keep_idx = cv2.dnn.NMSBoxes(b.tolist(), sc.tolist(), self.score_threshold, self.nms_threshold)
        h, w = image_shape[:2]
        faces = []
        for i in np.array(keep_idx).reshape(-1):
            x, y, bw, bh = b[i]
            x0, y0 = max(0.0, x), max(0.0, y)
            x1, y1 = min(float(w), x + bw), min(float(h), y + bh)
            if x1 - x0 < 2 or y1 - y0 < 2:
                continue
            faces.append(Face((float(x0), float(y0), float(x1 - x0), float(y1 - y0)), k[i].astype(np.float32), float(sc[i])))
        faces.sort(key=lambda f: f.score, reverse=True)
        return faces

    def detect(self, image: np.ndarray) -> list[Face]:
        """Faces in a BGR uint8 image of any size."""
        image = check_bgr(image)
        x, scale = self.preprocess(image)
        return self.postprocess(self.runner.run1(x), scale, image.shape, (x.shape[2], x.shape[3]))

def primary_face(faces: list[Face], image_shape: tuple[int, ...]) -> Face | None:
    """The face a single-subject photo is about: the largest, ties broken by closeness to the centre.

    Faces under half the size of the largest are ignored (bystanders in the background).
    """
    if not faces:
        return None
    h, w = image_shape[:2]
    biggest = max(f.area for f in faces)
    candidates = [f for f in faces if f.area >= 0.5 * biggest]
    return min(candidates, key=lambda f: (f.box[0] + f.box[2] / 2 - w / 2) ** 2 + (f.box[1] + f.box[3] / 2 - h / 2) ** 2)
