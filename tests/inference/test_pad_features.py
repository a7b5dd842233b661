"""PAD cue features on a real face (astronaut): finite, in range, and moved the right way by
re-capture-like changes (blur, moire overlay, print-like colour, background blur)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.detect import FaceDetector, primary_face
from inference.errors import BadImageError
from inference.loader import load_runner
from inference.pad.features import FEATURE_NAMES, cue_features, lbp_stats, spectrum_features
from models.store import ModelStore


@pytest.fixture(scope="module")
def astronaut(store: ModelStore) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    img = cv2.imread(str(store.asset_path("astronaut")))
    face = primary_face(FaceDetector(load_runner("yunet", store=store)).detect(img), img.shape)
    assert face is not None
    return img, face.box


def moire(img: np.ndarray, period_px: float = 3.3, amplitude: float = 28.0) -> np.ndarray:
    """A screen-like grating (slightly rotated) added to every channel."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    wave = amplitude * np.sin(2 * np.pi * (xx * np.cos(0.2) + yy * np.sin(0.2)) / period_px)
    return np.clip(img.astype(np.float64) + wave[:, :, None], 0, 255).astype(np.uint8)


def print_cast(img: np.ndarray) -> np.ndarray:
    """Print-like: washed-out saturation, lower contrast and a warm paper tint."""
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV).astype(np.float64)
    hsv[:, :, 1] *= 0.45
    out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR).astype(np.float64)
    out = 0.6 * out + 0.4 * 170 + np.array([-12.0, 4.0, 14.0])
    return np.clip(out, 0, 255).astype(np.uint8)


def test_features_are_finite_and_in_range(astronaut) -> None:
    img, box = astronaut
    f = cue_features(img, box, 0.12).values
    assert tuple(f) == FEATURE_NAMES
    assert all(np.isfinite(v) for v in f.values())
    assert 16 <= f["cr_mean"] <= 240 and 16 <= f["cb_mean"] <= 240
    assert f["cr_mean"] > 128  # skin is reddish: Cr above neutral
    for k in ("s_mean", "hue_spread", "specular_share", "overexposed_share", "lbp_uniform_y", "lbp_uniform_cr",
              "moire_peak_share"):
        assert 0.0 <= f[k] <= 1.0, k
    for k in ("lbp_entropy_y", "lbp_entropy_cr", "lbp_entropy_cb"):
        assert 0.0 < f[k] <= np.log2(59), k
    for k in ("fft_low", "fft_mid", "fft_high"):
        assert f[k] <= 0.0, k  # log10 of a share
    # A natural face: most spectral energy at low frequencies.
    assert f["fft_low"] > f["fft_mid"] > f["fft_high"]
    assert f["antispoof"] == 0.12


def test_blur_lowers_sharpness_and_high_frequencies(astronaut) -> None:
    img, box = astronaut
    a = cue_features(img, box).values
    b = cue_features(cv2.GaussianBlur(img, (0, 0), 2.5), box).values
    assert b["face_sharpness"] < a["face_sharpness"] - 0.3
    assert b["fft_high"] < a["fft_high"] - 0.5
    assert b["lbp_entropy_y"] < a["lbp_entropy_y"]
    assert np.isnan(b["antispoof"])


def test_moire_overlay_raises_peak_features(astronaut) -> None:
    img, box = astronaut
    a = cue_features(img, box).values
    b = cue_features(moire(img), box).values
    assert b["moire_peak"] > a["moire_peak"] + 0.5
    assert b["moire_peak_share"] > 1.5 * a["moire_peak_share"]


def test_print_cast_lowers_saturation_and_contrast(astronaut) -> None:
    img, box = astronaut
    a = cue_features(img, box).values
    b = cue_features(print_cast(img), box).values
    assert b["s_mean"] < a["s_mean"] - 0.1
    assert b["y_std"] < a["y_std"] * 0.8
    assert b["cr_std"] < a["cr_std"]


def test_background_blur_raises_face_background_sharpness_ratio(astronaut) -> None:
    img, box = astronaut
    x, y, w, h = (int(v) for v in box)
    # Depth of field: the background blurred, the head kept sharp (a flat print cannot do this).
    blurred = cv2.GaussianBlur(img, (0, 0), 3.0)
    mask = np.zeros(img.shape[:2], np.uint8)
    cv2.ellipse(mask, (x + w // 2, y + h // 2), (int(0.9 * w), int(0.95 * h)), 0, 0, 360, 255, -1)
    dof = np.where(mask[:, :, None] > 0, img, blurred)
    assert cue_features(dof, box).values["sharpness_ratio"] > cue_features(img, box).values["sharpness_ratio"] + 0.1


def test_tight_crop_has_no_background_ratio(astronaut) -> None:
    img, (x, y, w, h) = astronaut
    crop = img[int(y):int(y + h), int(x):int(x + w)]
    f = cue_features(crop, (0.0, 0.0, float(crop.shape[1]), float(crop.shape[0]))).values
    assert np.isnan(f["sharpness_ratio"])
    assert np.isfinite(f["face_sharpness"])


def test_lbp_of_flat_and_of_noise() -> None:
    uni, ent = lbp_stats(np.full((20, 20), 7, np.uint8))
    assert uni == 1.0 and ent == 0.0  # all neighbours >= centre: one code (255)
    rng = np.random.default_rng(0)
    uni2, ent2 = lbp_stats(rng.integers(0, 256, (64, 64)).astype(np.uint8))
    assert uni2 < 0.75 and ent2 > 3.0  # noise: many non-uniform codes, a spread histogram


def test_grating_is_a_spectral_peak() -> None:
    rng = np.random.default_rng(1)
    noise = rng.normal(128, 10, (160, 160))
    xx = np.arange(160)[None, :].repeat(160, 0)
    grating = noise + 40 * np.sin(2 * np.pi * 0.3 * xx)
    assert spectrum_features(grating)["moire_peak"] > spectrum_features(noise)["moire_peak"] + 1.0


def test_bad_image_is_typed() -> None:
    with pytest.raises(BadImageError):
        cue_features(np.zeros((4, 4, 3), np.uint8), (0, 0, 4, 4))
    with pytest.raises(BadImageError):
        cue_features(np.zeros((64, 64, 3), np.float32), (0, 0, 10, 10))
