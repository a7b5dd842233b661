"""DG2 images are refused from their size and header before decoding, with an LdsError-family error."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from hardware.emrtd.errors import LdsError
from hardware.emrtd.lds.dg2 import DG2_MAX_PIXELS, Dg2ImageTooLargeError, encode_dg2, parse_dg2


def _jpeg(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (width, height)).save(buf, format="JPEG", quality=50)
    return buf.getvalue()


def _face(image: bytes, width: int, height: int):
    return parse_dg2(encode_dg2(image, width, height, colour_space=3)).face


def test_dg2_image_over_the_pixel_limit_is_refused_before_decoding(monkeypatch) -> None:
    face = _face(_jpeg(2500, 2000), 2500, 2000)  # 5 MP: a valid JPEG, over the 4 MP default
    loaded: list[int] = []
    real_load = Image.Image.load
    monkeypatch.setattr(Image.Image, "load", lambda self: loaded.append(1) or real_load(self))
    with pytest.raises(Dg2ImageTooLargeError, match="2500x2000 pixels"):
        face.decode()
    assert loaded == []
    assert issubclass(Dg2ImageTooLargeError, LdsError)
    monkeypatch.undo()
    assert face.decode(max_pixels=6_000_000).size == (2500, 2000)


def test_dg2_header_claiming_a_huge_image_is_refused() -> None:
    # A small JPEG whose frame header (SOF0) claims 20000x20000: Pillow sees the size from the header.
    data = bytearray(_jpeg(64, 64))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = (20000).to_bytes(2, "big") * 2
    with pytest.raises(Dg2ImageTooLargeError):
        _face(bytes(data), 20000, 20000).decode()


def test_dg2_image_over_the_byte_limit_is_refused() -> None:
    face = _face(_jpeg(64, 64) + bytes(2 << 20), 64, 64)
    with pytest.raises(Dg2ImageTooLargeError, match="bytes"):
        face.to_array()
    assert DG2_MAX_PIXELS >= 640 * 480
