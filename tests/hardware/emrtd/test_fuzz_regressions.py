"""Regressions from the fuzz campaign (tests/fuzz): each input once escaped the typed error family
(``EmrtdError``), or cost more memory or time than a chip file may. Inputs are built from valid files
of the virtual passport with the one change that mattered, so each test says what is wrong."""
from __future__ import annotations

import pytest

from hardware.emrtd import lds
from hardware.emrtd.errors import LdsError
from hardware.emrtd.virtual.document import synthetic_portrait


def test_dg2_image_declaring_huge_size_is_refused_before_decoding() -> None:
    # A 16 x 16 JPEG whose frame header says 9000 x 9000: Pillow decoded it (81 megapixels, ~340 MB).
    jpeg, w, h = lds.jpeg_for_dg2(synthetic_portrait((16, 16)), quality=20)
    sof = jpeg.index(b"\xff\xc0")
    patched = bytearray(jpeg)
    patched[sof + 5 : sof + 9] = (9000).to_bytes(2, "big") * 2
    face = lds.parse_dg2(lds.encode_dg2(bytes(patched), w, h)).face
    with pytest.raises(LdsError, match="9000 x 9000 pixels"):
        face.decode()
    # The same portrait with its true size still decodes.
    assert lds.parse_dg2(lds.encode_dg2(jpeg, w, h)).face.decode().size == (16, 16)
