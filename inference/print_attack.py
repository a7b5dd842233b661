"""Print-attack simulator: a printed photo on a card, moved by hand in front of the camera.

The card is a plane, so every frame is the photo under one homography (tilt, slide, turn); it has no
3D motion, which is what the planarity test is meant to catch. Frames come with the same timing and
state scripts as the synthetic subject, so a test can play both through the same challenge.
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np

from inference.errors import BadImageError
from inference.synthetic import (NEUTRAL, Keyframe, SubjectState, SyntheticFrame, _Noise, _rotation, script_duration,
                                 state_at)


class PrintAttack:
    """A printed photo of ``photo`` (BGR) on a card in front of a plain wall, moved by homographies only.

    The card is a plane of ``card_width_fraction`` of the frame width; ``render(state)`` tilts it by
    ``state.yaw`` about its vertical axis and ``state.pitch`` about its horizontal axis (what an attacker
    does to imitate a head turn), rotates it by ``roll``, moves it by ``shift`` and ``distance``; ``blink``
    is ignored (a photo cannot blink). ``grain`` adds paper texture, ``glare`` a specular spot that slides
    with the tilt.
    """

    def __init__(self, photo: np.ndarray, frame_size: tuple[int, int] = (640, 480), card_width_fraction: float = 0.9,
                 grain: float = 4.0, glare: float = 0.35, noise_sigma: float = 2.0, seed: int = 0) -> None:
        import cv2

        if photo.ndim != 3 or photo.shape[2] != 3 or photo.dtype != np.uint8:
            raise BadImageError("the photo must be an HxWx3 uint8 BGR image")
        self.size = frame_size
        self.focal = float(frame_size[0])
        self.noise_sigma = noise_sigma
        self._noise = _Noise(frame_size, noise_sigma, np.random.default_rng(seed))
        rng = np.random.default_rng(seed + 1)
        # Printed: slightly lower contrast and saturation, paper grain.
        card = photo.astype(np.float32) * 0.85 + 25
        grey = card.mean(axis=2, keepdims=True)
        card = grey + (card - grey) * 0.85
        if grain > 0:
            card += cv2.GaussianBlur(rng.normal(0, grain, card.shape[:2]).astype(np.float32), (0, 0), 0.8)[..., None]
        self.card = np.clip(card, 0, 255).astype(np.uint8)
        self.glare = glare
        w, h = frame_size
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        wall = 150 + 40 * (xs / w) - 30 * (ys / h)
        self.wall = np.clip(np.stack([wall * 0.95, wall, wall * 1.05], axis=2), 0, 255).astype(np.uint8)
        ch, cw = self.card.shape[:2]
        self._card_w = card_width_fraction * w
        self._card_h = self._card_w * ch / cw
        self._ys, self._xs = ys, xs

    def homography(self, state: SubjectState) -> np.ndarray:
        """3x3 homography from card pixels to frame pixels for ``state`` (a rigid motion of the plane)."""
        import cv2

        w, h = self.size
        f = self.focal
        ch, cw = self.card.shape[:2]
        hw, hh = self._card_w / 2, self._card_h / 2
        corners = np.array([[-hw, -hh, 0], [hw, -hh, 0], [hw, hh, 0], [-hw, hh, 0]])
        rot = _rotation(state.yaw, state.pitch, state.roll)
        depth = f * state.distance
        cam = corners @ rot.T + np.array([state.shift[0] * state.distance, state.shift[1] * state.distance, depth])
        img = cam[:, :2] * f / cam[:, 2:3] + np.array([w / 2, h / 2])
        src = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32)
        return cv2.getPerspectiveTransform(src, img.astype(np.float32))

    def render(self, state: SubjectState) -> np.ndarray:
        """One BGR frame of the card in ``state``."""
        import cv2

        w, h = self.size
        hom = self.homography(state)
        frame = cv2.warpPerspective(self.card, hom, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT,
                                    dst=self.wall.copy())
        if self.glare > 0:
            ch, cw = self.card.shape[:2]
            gx = cw * (0.7 + state.yaw / 90.0)
            gy = ch * (0.3 - state.pitch / 90.0)
            p = hom @ np.array([gx, gy, 1.0])
            cx, cy = p[:2] / p[2]
            r = 0.12 * w
            spot = self.glare * 255 * np.exp(-((self._xs - cx) ** 2 + (self._ys - cy) ** 2) / (2 * r * r))
            mask = cv2.warpPerspective(np.ones(self.card.shape[:2], np.float32), hom, (w, h))
            frame = np.clip(frame.astype(np.float32) + (spot * mask)[..., None], 0, 255).astype(np.uint8)
        return self._noise(frame)

    def play(self, script: Sequence[Keyframe], fps: float = 30.0, start: SubjectState = NEUTRAL,
             t0: float = 0.0) -> Iterator[SyntheticFrame]:
        """Render ``script`` (the same keyframes a ``SyntheticSubject`` plays) at ``fps``."""
        n = int(math.floor(script_duration(script) * fps)) + 1
        for i in range(n):
            state, label = state_at(script, i / fps, start)
            yield SyntheticFrame(i, t0 + i / fps, self.render(state), state, label)
