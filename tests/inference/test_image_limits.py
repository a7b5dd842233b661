"""Image files are refused from their size and header, before decoding (a 20000x20000 PNG of 49 KB
decoded into 1.2 GB before; it took 6 s and 2.4 GB of memory)."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from inference.errors import BadImageError, ImageTooLargeError
from inference.image import InputLimits, read_image


def png_1bit(width: int, height: int) -> bytes:
    """A valid black PNG of ``width`` x ``height`` (1 bit a pixel, so a few KB even when huge)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = bytes(1 + (width + 7) // 8)
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("big") / "portrait.png"
    p.write_bytes(png_1bit(20000, 20000))
    return p


def test_huge_png_is_refused_from_its_header(huge_png: Path, monkeypatch) -> None:
    assert huge_png.stat().st_size < 100_000
    decoded: list[int] = []
    monkeypatch.setattr(cv2, "imdecode", lambda *a: decoded.append(1))
    with pytest.raises(ImageTooLargeError, match="portrait.png"):
        read_image(huge_png)
    assert decoded == []


def test_pixel_limit_is_configurable_and_names_the_size(tmp_path: Path) -> None:
    p = tmp_path / "wide.png"
    p.write_bytes(png_1bit(3000, 2000))
    with pytest.raises(ImageTooLargeError, match=r"3000x2000 pixels, over the limit of 5,000,000"):
        read_image(p, InputLimits(image_max_pixels=5_000_000))
    assert read_image(p, InputLimits(image_max_pixels=6_000_000)).shape == (2000, 3000, 3)
    assert isinstance(ImageTooLargeError("x"), BadImageError)


def test_byte_limit_refuses_before_reading(tmp_path: Path, monkeypatch) -> None:
    p = tmp_path / "big.png"
    p.write_bytes(png_1bit(100, 100) + bytes(5000))
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(ImageTooLargeError, match=r"big.png has [\d,]+ bytes, over the limit of 4,096"):
        read_image(p, InputLimits(image_max_bytes=4096))


def test_images_within_the_limits_decode_as_before(store) -> None:
    path = store.asset_path("t1")
    assert np.array_equal(read_image(path), cv2.imread(str(path), cv2.IMREAD_COLOR))


def test_unknown_file_type_is_a_typed_error(tmp_path: Path) -> None:
    p = tmp_path / "notes.png"
    p.write_bytes(b"hello, this is not an image" * 10)
    with pytest.raises(BadImageError, match="notes.png"):
        read_image(p)
