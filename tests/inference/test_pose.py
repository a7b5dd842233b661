"""Head-pose signs and magnitudes on synthetic projections of the 3D layout, and on a real face."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.pose import MODEL_3D, POSE_POINTS, camera_matrix, head_pose


def _project(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """468 'mesh' points whose pose points are the model rotated by the given angles (convention of pose.py)."""
    model = MODEL_3D * np.array([1.0, -1.0, -1.0])
    ry, rx, rz = np.radians([-yaw, pitch, roll])
    Ry = np.array([[np.cos(ry), 0, np.sin(ry)], [0, 1, 0], [-np.sin(ry), 0, np.cos(ry)]])
    Rx = np.array([[1, 0, 0], [0, np.cos(rx), -np.sin(rx)], [0, np.sin(rx), np.cos(rx)]])
    Rz = np.array([[np.cos(rz), -np.sin(rz), 0], [np.sin(rz), np.cos(rz), 0], [0, 0, 1]])
    rvec, _ = cv2.Rodrigues(Rz @ Ry @ Rx)
    pts, _ = cv2.projectPoints(model, rvec, np.array([0.0, 0.0, 2500.0]), camera_matrix(640, 480), None)
    mesh = np.zeros((468, 3))
    mesh[list(POSE_POINTS), :2] = pts.reshape(-1, 2)
    return mesh


@pytest.mark.parametrize("yaw, pitch, roll", [(0, 0, 0), (25, 0, 0), (-25, 0, 0), (0, 20, 0), (0, -20, 0),
                                              (0, 0, 15), (15, -10, 5)])
def test_recovers_known_rotation(yaw: float, pitch: float, roll: float) -> None:
    p = head_pose(_project(yaw, pitch, roll), (640, 480))
    assert p.yaw == pytest.approx(yaw, abs=1.0)
    assert p.pitch == pytest.approx(pitch, abs=1.0)
    assert p.roll == pytest.approx(roll, abs=1.0)


def test_turning_right_moves_nose_right() -> None:
    # Documented convention: yaw > 0 when the nose moves towards the image's right.
    base, turned = _project(0, 0, 0), _project(20, 0, 0)
    eyes_mid = lambda m: (m[33, 0] + m[263, 0]) / 2  # noqa: E731
    assert turned[1, 0] - eyes_mid(turned) > base[1, 0] - eyes_mid(base)
