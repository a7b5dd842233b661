"""Glyph heights: OCR-B's O stands shorter than its 0, which is what tells them apart."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from inference.mrz.glyphs import LETTER_RATIO, digit_height_ratio

LINE = "P<UTOO0O0X1234<<5OSO0<<80"


def _render(text: str, size: int) -> tuple[np.ndarray, tuple[float, ...]]:
    """A grey line of ``text`` in OCR-B at a fixed pitch, as a camera crop, and the characters' centres."""
    from kiosk.mrz.render import FontMissingError, ocr_b_path

    try:
        font = ImageFont.truetype(str(ocr_b_path()), size)
    except FontMissingError as exc:
        pytest.skip(f"OCR-B not installed: {exc}")
    pitch = 0.7 * size
    img = Image.new("L", (int(pitch * (len(text) + 2)), int(size * 1.6)), 225)
    draw = ImageDraw.Draw(img)
    for i, ch in enumerate(text):
        draw.text((pitch * (i + 1), size * 0.2), ch, font=font, fill=25)
    left, _, right, _ = font.getbbox("0")
    return np.asarray(img), tuple(pitch * (i + 1) + (left + right) / 2 for i in range(len(text)))


@pytest.mark.parametrize("size", [24, 40])
def test_o_stands_shorter_than_zero(size: int) -> None:
    crop, centres = _render(LINE, size)
    ratio = digit_height_ratio(crop, LINE, (1.0,) * len(LINE), centres)
    o = [r for r, c in zip(ratio, LINE) if c == "O"]
    zero = [r for r, c in zip(ratio, LINE) if c == "0"]
    assert all(r is not None for r in o + zero)
    assert max(o) < (LETTER_RATIO["O"] + 1) / 2 < min(zero)  # type: ignore[type-var]
    # Only characters of a look-alike pair are measured.
    assert all(r is None for r, c in zip(ratio, LINE) if c in "PUTX34<")


def test_unmeasurable_lines_give_no_ratio() -> None:
    crop, centres = _render(LINE, 24)
    n = len(LINE)
    assert digit_height_ratio(crop, LINE, (1.0,) * n, centres[:-1]) == (None,) * n  # centres do not match
    assert digit_height_ratio(crop, LINE, (0.5,) * n, centres) == (None,) * n  # no reference read surely
    blank = np.full_like(crop, 225)
    assert all(r is None for r in digit_height_ratio(blank, LINE, (1.0,) * n, centres))
