"""Head pose and eye/mouth openness from the 468-point face mesh.

Pose: solvePnP of six mesh points (nose tip, chin, outer eye corners, mouth corners) against a generic
anthropometric 3D layout, with a pinhole camera whose focal length is the image width (a webcam's
horizontal field of view is near 53 degrees; the error this leaves in the angles is small next to the
thresholds we use). Conventions, from the camera's point of view:
  yaw   > 0 when the nose turns towards the image's right,
  pitch > 0 when the face tilts up,
  roll  > 0 when the face rotates clockwise in the image.
Openness ratios are scale-free: eye aspect ratio (EAR; open eyes near 0.25-0.35, closed below ~0.15)
and mouth aspect ratio (inner-lip gap over mouth width).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Mesh indices: nose tip, chin, image-left eye outer corner, image-right eye outer corner,
# image-left mouth corner, image-right mouth corner.
POSE_POINTS = (1, 152, 33, 263, 61, 291)
# Generic 3D face (millimetre-like units; x right, y up, z towards the camera).
MODEL_3D = np.array([
    [0.0, 0.0, 0.0],
    [0.0, -330.0, -65.0],
    [-225.0, 170.0, -135.0],
    [225.0, 170.0, -135.0],
    [-150.0, -150.0, -125.0],
    [150.0, -150.0, -125.0],
], dtype=np.float64)

LEFT_EYE = (33, 133, 159, 145, 158, 153)  # outer, inner, upper1, lower1, upper2, lower2 (image-left eye)
RIGHT_EYE = (263, 362, 386, 374, 385, 380)
MOUTH = (61, 291, 13, 14)  # corners, inner upper lip, inner lower lip


@dataclass(frozen=True)
class HeadPose:
    """Head rotation in degrees (see the module docstring for signs)."""

    yaw: float
    pitch: float
    roll: float


def camera_matrix(width: int, height: int) -> np.ndarray:
    """Pinhole intrinsics with focal length = image width and the principal point at the centre."""
    f = float(width)
    return np.array([[f, 0, width / 2.0], [0, f, height / 2.0], [0, 0, 1]], dtype=np.float64)


def head_pose(points: np.ndarray, image_size: tuple[int, int]) -> HeadPose:
    """Pose from mesh points (N>=468, x/y in image pixels); ``image_size`` is (width, height)."""
    import cv2

    img_pts = np.asarray(points, np.float64)[list(POSE_POINTS), :2]
    # Image y grows downwards; the model's y grows upwards: flip the model into image convention.
    model = MODEL_3D * np.array([1.0, -1.0, -1.0])
    ok, rvec, _ = cv2.solvePnP(model, img_pts, camera_matrix(*image_size), None, flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        return HeadPose(float("nan"), float("nan"), float("nan"))
    rot, _ = cv2.Rodrigues(rvec)
    # Euler angles of R = Rz(roll) @ Ry(yaw) @ Rx(pitch) in the camera frame (x right, y down, z forward).
    yaw = np.degrees(np.arcsin(np.clip(-rot[2, 0], -1.0, 1.0)))
    pitch = np.degrees(np.arctan2(rot[2, 1], rot[2, 2]))
    roll = np.degrees(np.arctan2(rot[1, 0], rot[0, 0]))
    # Signs to the documented convention: the nose (towards -z in this frame) turning to image right is
    # a negative rotation about y here; tilting up moves the nose towards -y, a positive rotation about x.
    return HeadPose(float(-yaw), float(pitch), float(roll))


def _ratio(points: np.ndarray, idx: tuple[int, ...]) -> float:
    p = np.asarray(points, np.float64)[:, :2]
    width = np.linalg.norm(p[idx[0]] - p[idx[1]])
    gaps = [np.linalg.norm(p[idx[k]] - p[idx[k + 1]]) for k in range(2, len(idx), 2)]
    return float(np.mean(gaps) / width) if width > 0 else 0.0


def eye_aspect_ratio(points: np.ndarray) -> tuple[float, float]:
    """(image-left eye, image-right eye) aspect ratios: lid gap over eye width."""
    return _ratio(points, LEFT_EYE), _ratio(points, RIGHT_EYE)


def mouth_aspect_ratio(points: np.ndarray) -> float:
    """Inner-lip gap over mouth width."""
    return _ratio(points, MOUTH)
