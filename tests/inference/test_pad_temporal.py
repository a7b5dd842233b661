"""Temporal PAD cues (inference/pad/temporal.py) on synthetic signals: no models, no shared data."""
from __future__ import annotations

import numpy as np
import pytest

from inference.pad import temporal as pt
from inference.flash import FACE_OVAL


def _series(hz: float | None, seconds: float = 8.0, fps: float = 30.0, amp: float = 1.0, noise: float = 0.3,
            seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Skin means (BGR, ~skin tone) with a pulse of ``hz`` (None: none) in the PPG direction, plus noise and drift."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * fps)) / fps + rng.uniform(-0.004, 0.004, int(seconds * fps))  # camera jitter
    base = np.array([110.0, 140.0, 190.0])  # B, G, R
    drift = 1.0 + 0.02 * np.sin(2 * np.pi * 0.15 * t)  # slow lighting drift, common to all channels
    bgr = base[None, :] * drift[:, None] + rng.normal(0, noise, (len(t), 3))
    if hz is not None:
        ppg = np.sin(2 * np.pi * hz * t)
        bgr += amp * ppg[:, None] * np.array([0.3, 1.0, 0.5])[None, :]  # blood absorbs green most
    return t, bgr


def test_rppg_finds_a_known_pulse_and_not_in_unmodulated_skin() -> None:
    t, pulse = _series(1.2)
    snr, hz = pt.rppg_snr(t, pulse)
    assert abs(hz - 1.2) <= 0.05
    t, flat = _series(None)
    snr_flat, _ = pt.rppg_snr(t, flat)
    assert snr > 3.0, snr
    assert snr_flat < 0.0, snr_flat
    assert snr - snr_flat > 5.0


@pytest.mark.parametrize("hz", [0.9, 1.5, 2.4])
def test_rppg_follows_the_pulse_frequency(hz: float) -> None:
    t, bgr = _series(hz, seed=3)
    assert abs(pt.rppg_snr(t, bgr)[1] - hz) <= 0.05


def test_flicker_cue_sees_a_stable_beat_and_not_noise() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(180) / 30.0
    noise = 120 + rng.normal(0, 1.0, len(t))
    beat = noise + 1.5 * np.sin(2 * np.pi * 9.0 * t)  # a backlight PWM aliased to 9 Hz
    peak_noise, _ = pt.flicker_peak(t, noise)
    peak_beat, hz = pt.flicker_peak(t, beat)
    assert abs(hz - 9.0) < 0.3
    assert peak_beat > 10 * peak_noise


def test_hf_change_sees_a_pattern_sliding_over_a_still_face() -> None:
    rng = np.random.default_rng(2)
    face = rng.normal(0, 10, (pt.CROP, pt.CROP)).astype(np.float32)
    xx = np.arange(pt.CROP)[None, :].astype(np.float32)
    still = [pt.high_pass(face + rng.normal(0, 1, face.shape).astype(np.float32)) for _ in range(20)]
    moire = [pt.high_pass(face + 8 * np.sin(2 * np.pi * (xx / 3.1 + k / 7)).astype(np.float32)
                          + rng.normal(0, 1, face.shape).astype(np.float32)) for k in range(20)]
    assert pt.hf_change(moire) > 3 * pt.hf_change(still)


def _mesh_points(w: int = 320, h: int = 240) -> np.ndarray:
    """468 points: the face oval on an ellipse, every other point (eyes, lips, corners) inside it."""
    p = np.zeros((468, 3))
    cx, cy, rx, ry = w / 2, h / 2, 60, 80
    inner = np.random.default_rng(4).uniform(-0.3, 0.3, (468, 2))
    p[:, 0], p[:, 1] = cx + inner[:, 0] * rx, cy + inner[:, 1] * ry
    for k, idx in enumerate(FACE_OVAL):
        a = 2 * np.pi * k / len(FACE_OVAL)
        p[idx, :2] = cx + rx * np.sin(a), cy - ry * np.cos(a)
    p[33, :2], p[263, :2] = (cx - 30, cy - 15), (cx + 30, cy - 15)
    p[13, :2], p[14, :2] = (cx, cy + 35), (cx, cy + 39)
    return p


def test_window_of_frames_gives_every_cue_and_the_pulse() -> None:
    fps, n = 30.0, 150
    pts = _mesh_points()
    rng = np.random.default_rng(5)
    samples = []
    for i in range(n):
        t = i / fps
        img = np.full((240, 320, 3), (90, 100, 110), np.float64)
        ellipse = ((np.arange(320)[None, :] - 160) / 60) ** 2 + ((np.arange(240)[:, None] - 120) / 80) ** 2 <= 1
        img[ellipse] = (110 + 0.3 * np.sin(2 * np.pi * 1.2 * t), 140 + np.sin(2 * np.pi * 1.2 * t), 190)
        img += rng.normal(0, 2, img.shape)
        samples.append(pt.sample_frame(t, np.clip(img, 0, 255).astype(np.uint8), pts))
    cues = pt.temporal_cues(samples)
    assert set(pt.CUE_NAMES) <= set(cues)
    assert abs(cues["pulse_hz"] - 1.2) <= 0.05
    assert cues["rppg_snr_db"] > cues["rppg_bg_snr_db"] + 5
    assert all(np.isfinite(cues[k]) for k in pt.CUE_NAMES)


def test_bad_input_gets_a_typed_error() -> None:
    t, bgr = _series(1.2)
    with pytest.raises(pt.TemporalCueError, match="at least"):
        pt.rppg_snr(t[:20], bgr[:20])  # too few frames
    with pytest.raises(pt.TemporalCueError, match="span"):
        pt.rppg_snr(t[:60] / 4, bgr[:60])  # enough frames, too short in time
    with pytest.raises(pt.TemporalCueError, match="timestamps"):
        pt.rppg_snr(t[:-1], bgr)  # one timestamp short
    with pytest.raises(pt.TemporalCueError, match="increasing"):
        pt.rppg_snr(t[::-1], bgr)
    with pytest.raises(pt.TemporalCueError, match=r"\(n, 3\)"):
        pt.rppg_snr(t, bgr[:, :2])
    with pytest.raises(pt.TemporalCueError, match="no face landmarks"):
        pt.sample_frame(0.0, np.zeros((240, 320, 3), np.uint8), None)
    with pytest.raises(pt.TemporalCueError, match="468"):
        pt.sample_frame(0.0, np.zeros((240, 320, 3), np.uint8), np.zeros((10, 2)))
    with pytest.raises(pt.TemporalCueError, match="no frames"):
        pt.temporal_cues([])
    with pytest.raises(pt.TemporalCueError, match="two"):
        pt.hf_change([np.zeros((8, 8))])
    a = pt.TemporalSample(0.0, (1, 1, 1), (1, 1, 1), np.zeros((8, 8), np.float32))
    b = pt.TemporalSample(0.1, (1, 1, 1), (1, 1, 1), np.zeros((9, 9), np.float32))
    with pytest.raises(pt.TemporalCueError, match="differ in shape"):
        pt.temporal_cues([a, b])
    assert issubclass(pt.TemporalCueError, ValueError)


def test_motion_compensation_removes_colour_that_follows_the_head_and_keeps_a_pulse() -> None:
    rng = np.random.default_rng(6)
    fps = 30.0
    t = np.arange(150) / fps
    yaw = np.sin(2 * np.pi * 0.9 * t + 0.3)  # the head turning at 0.9 Hz, inside the pulse band
    motion = np.stack([320 + 40 * yaw, 240 + rng.normal(0, 0.2, len(t)), 60 + rng.normal(0, 0.1, len(t)),
                       0.3 * yaw, rng.normal(0, 0.01, len(t))], axis=1)
    base = np.array([110.0, 140.0, 190.0])
    shading = 1.0 + 0.02 * yaw  # the cheek turning into and out of the light
    puppet = base[None, :] * shading[:, None] * np.array([1.0, 1.0, 1.0])[None, :]
    puppet = puppet + 2.0 * yaw[:, None] * np.array([0.2, 1.0, 0.4])[None, :] + rng.normal(0, 0.3, (len(t), 3))
    plain, plain_hz = pt.rppg_snr(t, puppet)
    compensated, _ = pt.rppg_snr(t, puppet, motion=motion)
    assert abs(plain_hz - 0.9) < 0.1 and plain > 3.0  # without compensation the turn looks like a pulse
    assert compensated < plain - 5.0
    live = puppet + 1.0 * np.sin(2 * np.pi * 1.3 * t)[:, None] * np.array([0.3, 1.0, 0.5])[None, :]
    snr, hz = pt.rppg_snr(t, live, motion=motion)
    assert abs(hz - 1.3) < 0.1 and snr > compensated + 3.0
    with pytest.raises(pt.TemporalCueError, match="motion"):
        pt.rppg_snr(t, live, motion=motion[:10])
