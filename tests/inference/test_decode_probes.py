"""Issue 20, probes 2 and 3, at every place an image enters (API, DG2, console, ``kiosk verify``).

Probe 2: a 0.7 MB progressive JPEG with 20,000 scans took 18.6 s to decode (API ``/v1/quality``, the
console's portrait, a DG2). Probe 3: TIFF, BMP, GIF, WebP, PCX, QOI... decoded though the docs say JPEG,
PNG, JPEG 2000. Imports are inside the tests so this file runs against the code before the fix too.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from inference.errors import BadImageError, ImageTooLargeError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from jpeg_bombs import many_scan_jpeg  # noqa: E402

BIG = 40 * 2**20, 40_000_000


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return many_scan_jpeg(20_000)  # 0.7 MB; 18.6 s to decode before


def _save(fmt: str) -> bytes:
    rng = np.random.default_rng(3)
    im = Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    buf = io.BytesIO()
    im.save(buf, format=fmt)
    return buf.getvalue()



@pytest.mark.parametrize("fmt", ["TIFF", "BMP", "GIF", "WEBP", "PPM", "TGA", "PCX", "SGI", "ICO", "DDS", "QOI"])
def test_other_formats_are_refused_everywhere(fmt: str, tmp_path: Path) -> None:
    from kiosk.api.errors import ApiError
    from kiosk.api.images import decode_image as api_decode
    from kiosk.console.case import decode_image as console_decode

    try:
        data = _save(fmt)
    except (KeyError, OSError) as exc:
        pytest.skip(f"Pillow cannot write {fmt}: {exc}")
    with pytest.raises(ApiError) as err:
        api_decode(data, "image", *BIG)
    assert (err.value.status_code, err.value.code) == (400, "not_an_image")
    assert "JPEG, PNG or JPEG 2000" in err.value.message
    with pytest.raises(BadImageError, match="JPEG, PNG or JPEG 2000"):
        console_decode(data)
    from inference.image import read_image

    path = tmp_path / "portrait.jpg"
    path.write_bytes(data)
    with pytest.raises(BadImageError, match="JPEG, PNG or JPEG 2000"):
        read_image(path)


def test_api_refuses_the_many_scan_jpeg(bomb: bytes) -> None:
    from kiosk.api.errors import ApiError
    from kiosk.api.images import decode_image as api_decode

    with pytest.raises(ApiError) as err:
        api_decode(bomb, "image", *BIG)
    assert (err.value.status_code, err.value.code) == (413, "image_too_large")
    assert "scans" in err.value.message


def test_dg2_portrait_bomb_and_other_formats_are_refused(bomb: bytes) -> None:
    from hardware.emrtd.lds import encode_dg2, parse_dg2
    from kiosk.api.errors import ApiError
    from kiosk.api.images import decode_dg2

    small_bomb = many_scan_jpeg(5000, 512, 512)
    assert len(small_bomb) < 2**20  # within the DG2 byte limit
    dg2 = encode_dg2(small_bomb, 512, 512)
    with pytest.raises(ApiError) as err:
        decode_dg2(dg2, *BIG)
    assert (err.value.status_code, err.value.code) == (413, "image_too_large")
    bmp_dg2 = encode_dg2(_save("BMP"), 64, 48, image_format="jpeg")
    with pytest.raises(ApiError) as err:
        decode_dg2(bmp_dg2, *BIG)
    assert err.value.code == "dg2_image_corrupt" and "BMP" in err.value.message


def test_chip_step_keeps_a_refused_portrait_as_evidence_but_does_not_decode_it() -> None:
    from types import SimpleNamespace

    from hardware.emrtd.lds import encode_dg2, parse_dg2
    from kiosk.workflow.chip_step import decode_portrait

    data = many_scan_jpeg(5000, 512, 512)
    result = SimpleNamespace(dg2=parse_dg2(encode_dg2(data, 512, 512)))
    bgr, raw, media = decode_portrait(result)  # type: ignore[arg-type]
    assert bgr is None and raw == data and media == "image/jpeg"


def test_console_refuses_the_many_scan_jpeg(bomb: bytes) -> None:
    from kiosk.console.case import decode_image as console_decode

    with pytest.raises(ImageTooLargeError, match="scans"):
        console_decode(bomb)
    assert console_decode(_save("PNG")).shape == (48, 64, 3)


def test_kiosk_verify_portrait_other_format_and_bomb_are_bad_input(tmp_path: Path, bomb: bytes) -> None:
    from kiosk.errors import BadInputError
    from kiosk.verify import read_portrait

    p = tmp_path / "portrait.png"
    p.write_bytes(_save("WEBP"))
    with pytest.raises(BadInputError, match="JPEG, PNG or JPEG 2000"):
        read_portrait(p)
    p.write_bytes(bomb)
    with pytest.raises(BadInputError, match="scans"):
        read_portrait(p)


