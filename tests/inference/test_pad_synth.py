"""Synthetic attack renderers (``inference.pad.synth``): deterministic per seed, and each changes the image
the way its docstring claims (moire peak where the grids alias, halftone dots at the cell's frequency,
lower saturation for print, a bluer white and lifted blacks for a screen). Small synthetic images only."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.errors import BadImageError
from inference.pad.synth import halftone, pixel_grid, render_print, render_replay


def _face_like(seed: int = 0) -> np.ndarray:
    """A smooth 160x200 BGR image with a skin-coloured ellipse and soft texture (no face detector needed)."""
    rng = np.random.default_rng(seed)
    img = np.zeros((160, 200, 3), np.float32) + np.array([90, 120, 140], np.float32)
    cv2.ellipse(img, (100, 80), (45, 60), 0, 0, 360, (110, 150, 200), -1)
    img += cv2.GaussianBlur(rng.normal(0, 12, img.shape[:2]).astype(np.float32), (0, 0), 2)[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


def _peak_bin(grey: np.ndarray) -> tuple[int, int]:
    g = grey - grey.mean()
    p = np.abs(np.fft.fft2(g)) ** 2
    p[0, 0] = 0
    n = g.shape[0]
    p[n // 2:, :] = 0  # one half-plane: the spectrum of a real image is symmetric
    r, c = np.unravel_index(int(np.argmax(p)), p.shape)
    return int(r), int(min(c, g.shape[1] - c))


@pytest.mark.parametrize("render", [render_print, render_replay])
def test_same_seed_same_bytes_other_seed_other_image(render) -> None:
    img = _face_like()
    a, b, c = render(img, 7), render(img, 7), render(img, 8)
    assert a.image.dtype == np.uint8 and a.image.shape == img.shape
    assert np.array_equal(a.image, b.image) and a.params == b.params
    assert not np.array_equal(a.image, c.image) and a.params != c.params


@pytest.mark.parametrize("pitch", [1.125, 0.9])
def test_pixel_grid_adds_the_aliased_moire_peak(pitch: float) -> None:
    flat = np.full((256, 256, 3), 128.0, np.float32)
    out = pixel_grid(flat, pitch, 0.0)
    grey = out.mean(axis=2)
    assert grey.std() > 5.0  # a flat screen shows its grid
    assert abs(out.mean() - 128.0) < 8.0  # the grid keeps the content's mean light
    power = np.abs(np.fft.fft2(grey - grey.mean())) ** 2
    expected = 256 * abs(1 / pitch - round(1 / pitch))  # the screen's row gaps beat against the camera rows
    k = int(round(expected))
    at = power[k - 1:k + 2, 0].max()
    assert at > 1000 * np.median(power)  # an isolated peak, not broadband noise
    assert at >= 0.3 * power.max()  # and one of the strongest components of the image


def test_halftone_dots_sit_at_the_cell_frequency() -> None:
    flat = np.full((240, 240, 3), 150.0, np.float32)
    out = halftone(flat, 6.0, angles=(0.0, 0.0, 0.0))
    assert set(np.unique(out)) <= {0.0, 255.0}
    assert abs(out.mean() - 150.0) < 25.0  # dot area follows the ink amount
    r, c = _peak_bin(out.mean(axis=2))
    # cos(u)cos(v) with period 6 px: energy at (1/6, 1/6) cycles/px and its harmonics on the axes.
    assert (r, c) in {(40, 40), (40, 0), (0, 40), (80, 0), (0, 80)}


def test_print_compresses_the_gamut_and_replay_shifts_the_white_point() -> None:
    img = _face_like(1)
    sat = lambda x: cv2.cvtColor(x, cv2.COLOR_BGR2HSV)[:, :, 1].mean()  # noqa: E731
    pr = render_print(img, 3)
    assert 0.5 <= pr.params["saturation"] <= 0.8 and sat(pr.image) < sat(img)
    rp = render_replay(img, 3)
    assert rp.params["pitch"] >= 0.85 and 1.8 <= rp.params["gamma"] <= 2.6
    # The screen content (centre) is bluer relative to red than the source.
    h, w = img.shape[:2]
    centre = rp.image[h // 2 - 10:h // 2 + 10, w // 2 - 10:w // 2 + 10].astype(float).mean(axis=(0, 1))
    src = img[h // 2 - 10:h // 2 + 10, w // 2 - 10:w // 2 + 10].astype(float).mean(axis=(0, 1))
    assert centre[0] / centre[2] > src[0] / src[2]


def test_bad_input_is_a_typed_error() -> None:
    with pytest.raises(BadImageError):
        render_print(np.zeros((100, 100, 3), np.float32), 0)
    with pytest.raises(BadImageError):
        render_replay(np.zeros((4, 4, 3), np.uint8), 0)


def test_lens_contrast_scales_the_grid_modulation() -> None:
    flat = np.full((128, 128, 3), 128.0, np.float32)
    full, half = pixel_grid(flat, 1.125), pixel_grid(flat, 1.125, contrast=0.5)
    assert abs(half.std() / full.std() - 0.5) < 0.01 and abs(half.mean() - 128.0) < abs(full.mean() - 128.0) + 1e-3
