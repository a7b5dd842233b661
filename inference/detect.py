"""Face detection with five landmarks (YuNet, 2023mar, 640x640 fixed input).

Any image size is letterboxed into 640x640 (aspect kept, padded bottom/right) and the results mapped
back. Decoding follows YuNet's anchor-free heads at strides 8/16/32: score = sqrt(cls * obj), box
centre = (cell + offset) * stride, size = exp(log-size) * stride, landmarks = (cell + offset) * stride.
Landmark order: the eye on the image's left, the eye on the image's right, nose tip, mouth corner on
the left, mouth corner on the right (the subject's right eye first, as in the ArcFace template).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.image import check_bgr
from inference.runtime import OrtRunner

_SIZE = 640
_STRIDES = (8, 16, 32)


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

    def __init__(self, runner: OrtRunner, score_threshold: float = 0.6, nms_threshold: float = 0.3) -> None:
        self.runner = runner
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        names = runner.output_names
        self._idx = {n: names.index(n) for n in names}
        # Anchor grid per stride, computed once: (cells, 2) of (col, row).
        self._grids = {}
        for s in _STRIDES:
            n = _SIZE // s
            rows, cols = np.mgrid[0:n, 0:n]
            self._grids[s] = np.stack([cols.ravel(), rows.ravel()], axis=1).astype(np.float32)

    def preprocess(self, image: np.ndarray) -> tuple[np.ndarray, float]:
        """Letterbox to 640x640 BGR float NCHW; returns the tensor and the scale applied."""
        import cv2

        h, w = image.shape[:2]
        scale = min(_SIZE / w, _SIZE / h)
        nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
        canvas = np.zeros((_SIZE, _SIZE, 3), np.uint8)
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        canvas[:nh, :nw] = cv2.resize(image, (nw, nh), interpolation=interp)
        return canvas.transpose(2, 0, 1)[None].astype(np.float32), scale

    def postprocess(self, outputs: list[np.ndarray], scale: float, image_shape: tuple[int, ...]) -> list[Face]:
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
            grid = self._grids[s][keep]
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

    def _detect_once(self, image: np.ndarray) -> tuple[list[Face], float]:
        x, scale = self.preprocess(image)
        return self.postprocess(self.runner.run1(x), scale, image.shape), scale

    def detect(self, image: np.ndarray, refine: bool = True) -> list[Face]:
        """Faces in a BGR uint8 image of any size.

        When the image had to be shrunk to fit 640x640 (large photos), each face is detected again on a
        full-resolution crop around it: landmarks from the shrunk image are too coarse for alignment.
        """
        image = check_bgr(image)
        faces, scale = self._detect_once(image)
        if not refine or scale >= 1.0:
            return faces
        return [self._refine(image, f) for f in faces]

    def _refine(self, image: np.ndarray, face: Face) -> Face:
        x, y, w, h = face.box
        side = max(w, h) * 2.0
        x0 = int(max(0, x + w / 2 - side / 2))
        y0 = int(max(0, y + h / 2 - side / 2))
        crop = image[y0 : int(y0 + side), x0 : int(x0 + side)]
        if min(crop.shape[:2]) < 16:
            return face
        found, _ = self._detect_once(crop)
        if not found:
            return face
        cx, cy = x + w / 2 - x0, y + h / 2 - y0
        best = min(found, key=lambda f: (f.box[0] + f.box[2] / 2 - cx) ** 2 + (f.box[1] + f.box[3] / 2 - cy) ** 2)
        bx, by, bw, bh = best.box
        return Face((bx + x0, by + y0, bw, bh), best.landmarks + np.array([x0, y0], np.float32), best.score)
