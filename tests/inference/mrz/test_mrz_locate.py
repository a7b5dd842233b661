"""The MRZ locator: typed errors for frames without an MRZ or that are not images."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.errors import BadImageError, MrzNotFoundError
from inference.mrz import locate_mrz


def test_blank_and_noise_frames_are_not_located() -> None:
    rng = np.random.default_rng(3)
    frames = [np.full((720, 1280, 3), 200, np.uint8), rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8),
              np.zeros((720, 1280), np.uint8)]
    for frame in frames:
        with pytest.raises(MrzNotFoundError, match="no MRZ found"):
            locate_mrz(frame)


def test_a_page_of_short_words_is_not_an_mrz() -> None:
    frame = np.full((720, 1280, 3), 230, np.uint8)
    for i, y in enumerate(range(80, 700, 60)):
        cv2.putText(frame, "Name" if i % 2 else "Date 12", (100 + 40 * i, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                    (20, 20, 20), 2)
    with pytest.raises(MrzNotFoundError):
        locate_mrz(frame)


def test_two_mrz_like_lines_are_located_and_split() -> None:
    frame = np.full((720, 1280, 3), 225, np.uint8)
    for y in (560, 610):
        cv2.putText(frame, "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", (60, y), cv2.FONT_HERSHEY_PLAIN, 1.9,
                    (20, 20, 20), 2)
    band = locate_mrz(frame)
    assert len(band.lines) == 2
    assert all(ln.ndim == 2 and ln.shape[1] > 5 * ln.shape[0] for ln in band.lines)


@pytest.mark.parametrize("frame", [np.zeros((0, 0, 3), np.uint8), np.zeros((100, 100, 3), np.float32),
                                   np.zeros((100, 100, 4), np.uint8), "not an image"])
def test_not_an_image_is_a_bad_image_error(frame: object) -> None:
    with pytest.raises(BadImageError):
        locate_mrz(frame)  # type: ignore[arg-type]


def test_tiny_frame_is_not_located() -> None:
    with pytest.raises(MrzNotFoundError, match="too small"):
        locate_mrz(np.full((40, 40, 3), 128, np.uint8))
