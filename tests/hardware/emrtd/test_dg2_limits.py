"""DG2 portraits are refused from their size and header before decoding, by the one image decoder.

The chip layer parses DG2 and never decodes pixels; the kiosk decodes the portrait with
``kiosk.workflow.chip_step.decode_dg2_face`` (``inference.image_decode``) within ``InputLimits``' DG2 limits.
"""
from __future__ import annotations

import io

import pytest
from PIL import Image

from hardware.emrtd.lds.dg2 import encode_dg2, parse_dg2
from inference.errors import ImageTooLargeError
from inference.image import InputLimits
from kiosk.workflow.chip_step import decode_dg2_face


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
    with pytest.raises(ImageTooLargeError, match="2500x2000 pixels"):
        decode_dg2_face(face.image_data)
    assert loaded == []
    monkeypatch.undo()
    assert decode_dg2_face(face.image_data, InputLimits(dg2_max_pixels=6_000_000)).shape[:2] == (2000, 2500)


def test_dg2_header_claiming_a_huge_image_is_refused() -> None:
    # A small JPEG whose frame header (SOF0) claims 20000x20000: Pillow sees the size from the header.
    data = bytearray(_jpeg(64, 64))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = (20000).to_bytes(2, "big") * 2
    with pytest.raises(ImageTooLargeError):
        decode_dg2_face(_face(bytes(data), 20000, 20000).image_data)


def test_dg2_image_over_the_byte_limit_is_refused() -> None:
    face = _face(_jpeg(64, 64) + bytes(2 << 20), 64, 64)
    with pytest.raises(ImageTooLargeError, match="bytes"):
        decode_dg2_face(face.image_data)
    assert InputLimits().dg2_max_pixels >= 640 * 480
