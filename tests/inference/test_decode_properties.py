"""Property tests of the two decoders: any bytes give a decoded result within the limits or the project's
typed error (``BadImageError`` / ``BadClipError``), never another exception.

Budget: 300 examples for images and 150 for clips, ``deadline=None`` (the machine is shared; speed is not
what is tested). Inputs are arbitrary bytes, and valid files with bytes flipped, cut or spliced in, so
the examples reach the decoders and not only the magic-byte check.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from inference.clip_decode import open_clip
from inference.errors import BadClipError, BadImageError
from inference.image_decode import decode_image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from jpeg_bombs import many_scan_jpeg  # noqa: E402
from test_clip_decode import encoded_clip, mjpeg_avi  # noqa: E402

MAX_BYTES, MAX_PIXELS = 1 << 20, 200_000


def _image(fmt: str, **kw) -> bytes:
    rng = np.random.default_rng(7)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (40, 56, 3), dtype=np.uint8)).save(buf, format=fmt, **kw)
    return buf.getvalue()


SEED_IMAGES = [_image("JPEG"), _image("JPEG", progressive=True), _image("PNG"), _image("JPEG2000"),
               _image("JPEG2000", irreversible=True), many_scan_jpeg(60, 32, 32)]
SEED_CLIPS = [mjpeg_avi([_image("JPEG")] * 4, size=(56, 40)), encoded_clip("mpeg4", "mp4", 4),
              encoded_clip("libvpx", "webm", 4), encoded_clip("mjpeg", "matroska", 4)]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "repeat"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[at:at + draw(st.integers(1, 4096))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            data[at:at] = bytes(data[at:at + draw(st.integers(1, 512))]) * draw(st.integers(1, 8))
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(st.binary(max_size=2048), mutated(SEED_IMAGES)))
def test_any_bytes_decode_within_the_limits_or_raise_bad_image(data: bytes) -> None:
    try:
        rgb, fmt = decode_image(data, "input", MAX_BYTES, MAX_PIXELS)
    except BadImageError:
        return
    assert fmt in ("jpeg", "png", "jpeg2000")
    assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3
    assert rgb.shape[0] * rgb.shape[1] <= MAX_PIXELS


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(st.binary(max_size=2048), mutated(SEED_CLIPS)), st.integers(1, 5))
def test_any_bytes_decode_as_a_clip_within_the_limits_or_raise_bad_clip(data: bytes, max_frames: int) -> None:
    try:
        frames = list(open_clip(data, "clip", max_pixels=MAX_PIXELS, max_frames=max_frames))
    except BadClipError:
        return
    assert 1 <= len(frames) <= max_frames
    last = -1.0
    for frame, t in frames:
        assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[0] * frame.shape[1] <= MAX_PIXELS
        assert t > last
        last = t
