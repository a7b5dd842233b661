"""Crafted images for the decoding tests: a progressive JPEG with thousands of scans, other formats."""
from __future__ import annotations

import io
import struct

import numpy as np
from PIL import Image


def progressive_jpeg(width: int = 640, height: int = 480, seed: int | None = 1) -> bytes:
    """A normal progressive JPEG (libjpeg's script: 10 scans for colour); noise, or flat grey without seed."""
    if seed is None:
        im = Image.new("RGB", (width, height), (128, 128, 128))
    else:
        rng = np.random.default_rng(seed)
        im = Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8))
    buf = io.BytesIO()
    im.save(buf, format="JPEG", progressive=True, quality=80)
    return buf.getvalue()


def _segments(data: bytes) -> tuple[bytes, list[bytes]]:
    """(the frame header, the scans: each with the tables just before it, its SOS and entropy-coded data)."""
    i, scans, head_end, start = 2, [], None, 2
    while i < len(data):
        marker = data[i + 1]
        if marker == 0xD9:
            break
        (length,) = struct.unpack_from(">H", data, i + 2)
        if marker in (0xC0, 0xC1, 0xC2):
            head_end = start = i + 2 + length  # tables before the frame header stay in the head
        if marker != 0xDA:
            i += 2 + length
            continue
        j = i + 2 + length
        while not (data[j] == 0xFF and data[j + 1] not in (0x00, *range(0xD0, 0xD8))):
            j += 1
        scans.append(data[start:j])
        i = start = j
    assert head_end is not None
    return data[:head_end], scans


def many_scan_jpeg(extra_scans: int, width: int = 1024, height: int = 1024) -> bytes:
    """A progressive JPEG with its last scan (with its tables) spliced in ``extra_scans`` more times.

    libjpeg only warns about a repeated scan and decodes it: a pass over every block of the image per
    scan: 20,000 scans of a flat 1024x1024 image are 0.7 MB and took 18.6 s to decode (probe 2 of issue 20).
    """
    data = progressive_jpeg(width, height, seed=None)  # flat: the last scan is a few dozen bytes
    head, scans = _segments(data)
    return head + b"".join(scans) + scans[-1] * extra_scans + b"\xff\xd9"
