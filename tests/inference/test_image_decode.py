"""The one image decoder (issue 20, probes 2 and 3): only JPEG, PNG and JPEG 2000 by magic bytes, and the
decoding work bounded from the bytes, everywhere an image enters (API, ``kiosk verify``, DG2, console)."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from inference.errors import BadImageError, ImageTooComplexError, ImageTooLargeError, UnsupportedImageError
from inference.image import InputLimits, read_image
from inference.image_decode import MAX_JPEG_SCANS, decode_image, jpeg_scan_count

sys.path.insert(0, str(Path(__file__).resolve().parent))
from jpeg_bombs import many_scan_jpeg, progressive_jpeg  # noqa: E402

LIMITS = InputLimits()
BIG = 40 * 2**20, 40_000_000


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return many_scan_jpeg(20_000)  # 0.7 MB; 18.6 s to decode before


def _save(fmt: str, **kw) -> bytes:
    rng = np.random.default_rng(3)
    im = Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


# Every format Pillow can write besides the three accepted ones (probe 3: all decoded before).
OTHER_FORMATS = ["TIFF", "BMP", "GIF", "WEBP", "PPM", "TGA", "PCX", "SGI", "ICO", "DDS", "QOI", "XBM"]


def _other(fmt: str) -> bytes:
    if fmt == "XBM":
        buf = io.BytesIO()
        Image.new("1", (64, 48)).save(buf, format="XBM")
        return buf.getvalue()
    try:
        return _save(fmt)
    except (KeyError, OSError) as exc:  # this Pillow build cannot write it
        pytest.skip(f"Pillow cannot write {fmt}: {exc}")


# ---------------------------------------------------------------- the decoder itself

def test_normal_jpeg_png_and_jpeg2000_decode() -> None:
    for fmt, kw in (("JPEG", {}), ("JPEG", {"progressive": True}), ("PNG", {}), ("JPEG2000", {})):
        rgb, found = decode_image(_save(fmt, **kw), "t", *BIG)
        assert rgb.shape == (48, 64, 3) and rgb.dtype == np.uint8, (fmt, found)
    assert jpeg_scan_count(progressive_jpeg()) == 10 and jpeg_scan_count(_save("JPEG")) == 1


def test_many_scan_jpeg_is_refused_before_decoding(bomb: bytes, monkeypatch) -> None:
    assert len(bomb) < 1_000_000 and jpeg_scan_count(bomb, limit=10**6) == 20_010
    loaded: list[int] = []
    monkeypatch.setattr(Image.Image, "load", lambda self: loaded.append(1))
    with pytest.raises(ImageTooComplexError, match=f"more than {MAX_JPEG_SCANS} scans"):
        decode_image(bomb, "portrait.jpg", *BIG)
    assert loaded == []  # refused from the bytes: the decoder never ran
    assert issubclass(ImageTooComplexError, ImageTooLargeError)


def test_a_progressive_jpeg_at_the_scan_limit_still_decodes() -> None:
    data = many_scan_jpeg(MAX_JPEG_SCANS - 10, 64, 64)
    assert jpeg_scan_count(data) == MAX_JPEG_SCANS
    assert decode_image(data, "t", *BIG)[0].shape == (64, 64, 3)
    with pytest.raises(ImageTooComplexError):
        decode_image(many_scan_jpeg(MAX_JPEG_SCANS - 9, 64, 64), "t", *BIG)


def test_jpeg2000_with_too_many_tiles_is_refused() -> None:
    im = Image.new("RGB", (520, 520), (10, 20, 30))
    buf = io.BytesIO()
    im.save(buf, format="JPEG2000", tile_size=(8, 8))
    with pytest.raises(ImageTooComplexError, match="4,225 tiles"):
        decode_image(buf.getvalue(), "t", *BIG)


@pytest.mark.parametrize("fmt", OTHER_FORMATS)
def test_other_formats_are_refused_by_content_naming_what_was_found(fmt: str, tmp_path: Path) -> None:
    data = _other(fmt)
    with pytest.raises(UnsupportedImageError, match="JPEG, PNG or JPEG 2000") as err:
        decode_image(data, "portrait", *BIG)
    assert "not an accepted image format" in str(err.value)
    path = tmp_path / "portrait.jpg"  # the name does not matter, the content does
    path.write_bytes(data)
    with pytest.raises(UnsupportedImageError):
        read_image(path)


def test_the_error_names_the_format_found() -> None:
    with pytest.raises(UnsupportedImageError, match="is TIFF"):
        decode_image(_save("TIFF"), "portrait", *BIG)
    with pytest.raises(UnsupportedImageError, match="is BMP"):
        decode_image(_save("BMP"), "portrait", *BIG)


def test_image_over_the_limits_is_still_refused_from_its_header() -> None:
    with pytest.raises(ImageTooLargeError, match="pixels"):
        decode_image(_save("PNG"), "t", 10**6, 100)
    with pytest.raises(ImageTooLargeError, match="bytes"):
        decode_image(_save("PNG"), "t", 10, 10**6)
    with pytest.raises(BadImageError):
        decode_image(b"", "t", *BIG)


def test_exif_orientation_is_applied_as_opencv_does() -> None:
    import cv2

    im = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    buf = io.BytesIO()
    im.save(buf, format="JPEG", exif=exif)
    rgb, _ = decode_image(buf.getvalue(), "t", *BIG)
    ref = cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_COLOR)
    assert rgb.shape == ref.shape == (64, 48, 3)
