"""Face tracker: identity across small motion, loss after missed frames, a second face is flagged."""
from __future__ import annotations

import numpy as np
import pytest

from inference.detect import Face
from inference.tracking import FaceTracker, TrackerConfig, centre_shift, iou

SHAPE = (480, 640, 3)


def _face(x: float, y: float, w: float = 120, h: float = 150, score: float = 0.9) -> Face:
    lm = np.array([[x + 0.3 * w, y + 0.4 * h], [x + 0.7 * w, y + 0.4 * h], [x + 0.5 * w, y + 0.6 * h],
                   [x + 0.35 * w, y + 0.8 * h], [x + 0.65 * w, y + 0.8 * h]], np.float32)
    return Face((x, y, w, h), lm, score)


def test_geometry() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == pytest.approx(1.0)
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    assert centre_shift((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(0.5)


def test_small_motion_keeps_identity() -> None:
    tr = FaceTracker()
    first = tr.update([_face(260, 150)], SHAPE)
    assert first.new_track and first.track_id is not None and first.faces_count == 1
    for k in range(1, 30):
        u = tr.update([_face(260 + 4 * k, 150 + 2 * np.sin(k))], SHAPE)
        assert u.track_id == first.track_id and not u.new_track and not u.lost
        assert u.face is not None and u.face.box[0] == pytest.approx(260 + 4 * k)


def test_fast_motion_with_low_iou_still_matches_by_centre() -> None:
    tr = TrackerConfig(min_iou=0.9)  # IoU alone would break the track
    t = FaceTracker(tr)
    a = t.update([_face(200, 150)], SHAPE)
    b = t.update([_face(230, 150)], SHAPE)  # centre moves a quarter of the width
    assert b.track_id == a.track_id and b.face is not None


def test_follows_the_tracked_face_not_the_bigger_newcomer() -> None:
    tr = FaceTracker()
    a = tr.update([_face(100, 150)], SHAPE)
    u = tr.update([_face(380, 100, 160, 200), _face(104, 150)], SHAPE)
    assert u.track_id == a.track_id
    assert u.face is not None and u.face.box[0] == pytest.approx(104)
    assert u.faces_count == 2 and u.second_face
    v = tr.update([_face(380, 100, 160, 200), _face(106, 150)], SHAPE)
    assert v.faces_count == 2 and not v.second_face  # flagged once, when it enters
    w = tr.update([_face(108, 150)], SHAPE)
    x = tr.update([_face(380, 100, 160, 200), _face(110, 150)], SHAPE)
    assert w.faces_count == 1 and x.second_face  # and again when it comes back


def test_small_background_face_is_not_counted() -> None:
    tr = FaceTracker()
    u = tr.update([_face(260, 150), _face(20, 20, 30, 36)], SHAPE)
    assert u.faces_count == 1 and not u.second_face


def test_track_is_lost_after_missed_frames_and_a_new_person_gets_a_new_id() -> None:
    tr = FaceTracker(TrackerConfig(max_missed=2))
    a = tr.update([_face(100, 150)], SHAPE)
    assert tr.update([], SHAPE).track_id == a.track_id  # one miss: kept
    assert tr.update([], SHAPE).track_id == a.track_id
    lost = tr.update([_face(450, 150)], SHAPE)  # third miss of the old face; someone elsewhere
    assert lost.lost and lost.new_track and lost.track_id != a.track_id


def test_jump_is_not_the_same_person() -> None:
    tr = FaceTracker(TrackerConfig(max_missed=0))
    a = tr.update([_face(60, 150)], SHAPE)
    b = tr.update([_face(460, 150)], SHAPE)
    assert b.lost and b.new_track and b.track_id != a.track_id


def test_follow_requires_a_track_and_reset_forgets() -> None:
    tr = FaceTracker()
    with pytest.raises(ValueError):
        tr.follow(_face(0, 0))
    a = tr.update([_face(100, 150)], SHAPE)
    f = tr.follow(_face(102, 150))
    assert f.track_id == a.track_id and f.faces_count == 1
    tr.reset()
    assert tr.track_id is None
    assert tr.update([_face(100, 150)], SHAPE).track_id != a.track_id
