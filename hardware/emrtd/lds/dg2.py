"""DG2: encoded face (ICAO 9303-10 section 4.7.2; ISO/IEC 19794-5:2005 and ISO/IEC 39794-5).

Layout: ``75 { 7F61 { 02 count, 7F60 { A1 biometric header template, 5F2E or 7F2E data block }... } }``.
A ``5F2E`` block is an ISO/IEC 19794-5 facial record (``FAC\\0``, version ``010\\0``); a ``7F2E``
block holds ISO/IEC 39794-5 DER (``[1] { [APPLICATION 5] FaceImageDataBlock }``).

Images are JPEG or JPEG 2000. This module parses and never decodes pixels: the kiosk decodes a portrait
with the one image decoder (``inference.image_decode.decode_image``: allow-listed by magic bytes, bounded
in bytes, pixels and work), which this layer cannot import. Parsing raises only ``LdsError``.
"""
from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hardware.emrtd import tlv
from hardware.emrtd.errors import LdsError, TlvError
from hardware.emrtd.lds._util import children, unwrap

if TYPE_CHECKING:
    from PIL import Image

TAG_DG2 = 0x75
JPEG, JPEG2000, PNG, UNKNOWN = "jpeg", "jpeg2000", "png", "unknown"
_19794_DATA_TYPES = {0: JPEG, 1: JPEG2000}
# ISO/IEC 39794-5 ImageDataFormat codes.
_39794_DATA_TYPES = {2: JPEG, 3: JPEG2000, 4: JPEG2000, 5: PNG}
_FACIAL_INFO_LEN = 20
_IMAGE_INFO_LEN = 12


def sniff_image_format(data: bytes) -> str:
    """``jpeg``, ``jpeg2000`` or ``png`` from the image's magic bytes, else ``unknown``."""
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n" or data[:4] == b"\xff\x4f\xff\x51":
        return JPEG2000
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    return UNKNOWN


@dataclass(frozen=True)
class FaceImage:
    """One face image with the record fields around it (``repr`` omits the image bytes)."""

    image_data: bytes = field(repr=False)
    image_format: str  # from the magic bytes: jpeg, jpeg2000, png, unknown
    declared_data_type: int | None
    width: int
    height: int
    face_image_type: int | None = None
    colour_space: int | None = None
    source_type: int | None = None
    gender: int | None = None
    feature_points: int = 0


@dataclass(frozen=True)
class BiometricHeader:
    """ICAO biometric header template (9303-10 Table 39); missing elements are None."""

    version: bytes | None = None
    biometric_type: int | None = None
    biometric_subtype: int | None = None
    creation_date: bytes | None = None
    validity_period: bytes | None = None
    creator: bytes | None = None
    format_owner: int | None = None
    format_type: int | None = None


@dataclass(frozen=True)
class Dg2:
    """Parsed DG2: one entry per biometric information template; ``raw`` is the file as read."""

    headers: tuple[BiometricHeader, ...]
    faces: tuple[FaceImage, ...]
    encoding: str  # "ISO19794-5" or "ISO39794-5"
    raw: bytes = field(repr=False)

    @property
    def face(self) -> FaceImage:
        """The first (usually the only) face image."""
        return self.faces[0]


def _uint(b: bytes) -> int:
    return int.from_bytes(b, "big") if b else 0


def _parse_header(node: tlv.Tlv) -> BiometricHeader:
    values = {c.tag: c.value for c in children(node, "DG2 biometric header")}
    return BiometricHeader(
        version=values.get(0x80),
        biometric_type=_uint(values[0x81]) if 0x81 in values else None,
        biometric_subtype=_uint(values[0x82]) if 0x82 in values else None,
        creation_date=values.get(0x83),
        validity_period=values.get(0x85),
        creator=values.get(0x86),
        format_owner=_uint(values[0x87]) if 0x87 in values else None,
        format_type=_uint(values[0x88]) if 0x88 in values else None,
    )


def parse_iso19794_5(block: bytes) -> list[FaceImage]:
    """Parse an ISO/IEC 19794-5:2005 facial record data block (``FAC\\0``...)."""
    if len(block) < 14 or block[:4] != b"FAC\x00":
        raise LdsError("DG2 facial record does not start with 'FAC\\0' (ISO/IEC 19794-5)")
    count = struct.unpack(">H", block[12:14])[0]
    pos, faces = 14, []
    for _ in range(count):
        if pos + _FACIAL_INFO_LEN > len(block):
            raise LdsError("DG2 facial record is truncated (facial information block)")
        length, n_points, gender = struct.unpack(">IHB", block[pos : pos + 7])
        end = pos + length
        img_pos = pos + _FACIAL_INFO_LEN + 8 * n_points
        if end > len(block) or img_pos + _IMAGE_INFO_LEN > end:
            raise LdsError("DG2 facial record length does not fit the data")
        face_type, data_type, width, height, colour, source = struct.unpack(
            ">BBHHBB", block[img_pos : img_pos + 8]
        )
        data = block[img_pos + _IMAGE_INFO_LEN : end]
        faces.append(FaceImage(data, sniff_image_format(data), data_type, width, height,
                               face_type, colour, source, gender, n_points))
        pos = end
    if not faces:
        raise LdsError("DG2 facial record holds no image")
    return faces


def _find(node: tlv.Tlv, *path: int) -> tlv.Tlv:
    for tag in path:
        found = node.find(tag)
        if found is None:
            raise LdsError(f"ISO/IEC 39794-5 face data lacks element {tag:X}")
        node = found
    return node


def _optional(node: tlv.Tlv, *path: int) -> bytes | None:
    current: tlv.Tlv | None = node
    for tag in path:
        current = current.find(tag) if current is not None else None
    return current.value if current is not None else None


def parse_iso39794_5(block: bytes) -> list[FaceImage]:
    """Parse ISO/IEC 39794-5 face data (the content of a ``7F2E`` block)."""
    try:
        root = tlv.decode_all(block)[0]
        if root.tag == 0xA1:
            root = _find(root, 0x65)
        if root.tag != 0x65:
            raise LdsError("ISO/IEC 39794-5 face data lacks FaceImageDataBlock ([APPLICATION 5])")
        faces = []
        for rep in _find(root, 0xA1).children():
            block2d = _find(rep, 0xA1, 0xA0, 0xA0)
            data = _find(block2d, 0x80).value
            info = _find(block2d, 0xA1)
            declared_node = _optional(info, 0xA0, 0x80)
            declared = _uint(declared_node) if declared_node is not None else None
            width = _uint(_optional(info, 0xA7, 0x80) or b"")
            height = _uint(_optional(info, 0xA7, 0x81) or b"")
            fmt = sniff_image_format(data)
            if fmt == UNKNOWN and declared in _39794_DATA_TYPES:
                fmt = _39794_DATA_TYPES[declared]
            faces.append(FaceImage(data, fmt, declared, width, height))
    except (TlvError, IndexError) as exc:
        raise LdsError(f"ISO/IEC 39794-5 face data is malformed: {exc}") from exc
    if not faces:
        raise LdsError("ISO/IEC 39794-5 face data holds no representation")
    return faces


def parse_dg2(raw: bytes) -> Dg2:
    """Parse DG2 (either encoding); the image bytes are kept, decode them with ``FaceImage.decode``."""
    outer = unwrap(raw, TAG_DG2, "DG2")
    group = next((c for c in children(outer, "DG2") if c.tag == 0x7F61), None)
    if group is None:
        raise LdsError("DG2 has no biometric information group template (7F61)")
    headers: list[BiometricHeader] = []
    faces: list[FaceImage] = []
    encoding = "ISO19794-5"
    for bit in children(group, "DG2"):
        if bit.tag != 0x7F60:
            continue
        parts = {c.tag: c for c in children(bit, "DG2")}
        header = parts.get(0xA1)
        headers.append(_parse_header(header) if header else BiometricHeader())
        if 0x5F2E in parts:
            faces.extend(parse_iso19794_5(parts[0x5F2E].value))
        elif 0x7F2E in parts:
            encoding = "ISO39794-5"
            faces.extend(parse_iso39794_5(parts[0x7F2E].value))
        else:
            raise LdsError("DG2 biometric information template has no data block (5F2E / 7F2E)")
    if not faces:
        raise LdsError("DG2 holds no face image")
    return Dg2(tuple(headers), tuple(faces), encoding, outer.raw)


def _record_19794(image: bytes, width: int, height: int, data_type: int, colour_space: int) -> bytes:
    facial_len = _FACIAL_INFO_LEN + _IMAGE_INFO_LEN + len(image)
    facial = struct.pack(">IHBBB", facial_len, 0, 0, 0, 0) + bytes(3) + bytes(2) + bytes(3) + bytes(3)
    # face image type 1 = full frontal; source type 2 = digital camera (ISO/IEC 19794-5 Table 10, 12).
    info = struct.pack(">BBHHBBHH", 1, data_type, width, height, colour_space, 2, 0, 0)
    body = facial + info + image
    header = b"FAC\x00" + b"010\x00" + struct.pack(">IH", 14 + len(body), 1)
    return header + body


def encode_dg2(image: bytes, width: int, height: int, *, image_format: str | None = None,
               colour_space: int = 1) -> bytes:
    """Build an ISO/IEC 19794-5 DG2 around an encoded JPEG / JPEG 2000 ``image``.

    ``colour_space`` 1 is 24-bit RGB, 3 is greyscale (ISO/IEC 19794-5 Table 11).
    """
    fmt = image_format or sniff_image_format(image)
    if fmt not in (JPEG, JPEG2000):
        raise LdsError("DG2 images must be JPEG or JPEG 2000")
    record = _record_19794(image, width, height, 0 if fmt == JPEG else 1, colour_space)
    header = (tlv.encode(0x80, b"\x01\x01") + tlv.encode(0x81, b"\x02") + tlv.encode(0x82, b"\x00")
              + tlv.encode(0x87, b"\x01\x01") + tlv.encode(0x88, b"\x00\x08"))
    bit = tlv.encode(0x7F60, tlv.encode(0xA1, header) + tlv.encode(0x5F2E, record))
    return tlv.encode(TAG_DG2, tlv.encode(0x7F61, tlv.encode(0x02, b"\x01") + bit))


def jpeg_for_dg2(image: Any, target_size: int | None = None, *, quality: int = 90) -> tuple[bytes, int, int]:
    """Encode ``image`` (PIL image, numpy array or encoded bytes) as a JPEG for DG2.

    With ``target_size`` the JPEG quality is searched so the JPEG stays below it, then a JPEG
    comment segment pads it to exactly ``target_size`` bytes (the image is unchanged).
    Returns (jpeg bytes, width, height).
    """
    from PIL import Image

    img: Image.Image
    if isinstance(image, (bytes, bytearray)):
        try:
            # Only the formats a DG2 may hold (this builds virtual passports; it never reads a real chip).
            img = Image.open(io.BytesIO(bytes(image)), formats=["JPEG", "PNG", "JPEG2000"])
            img.load()
        except Exception as exc:  # Pillow's decoders raise many exception types
            raise LdsError(f"the face image cannot be decoded: {exc}") from exc
    elif isinstance(image, Image.Image):
        img = image
    else:
        import numpy as np

        img = Image.fromarray(np.asarray(image))
    if img.mode not in ("RGB", "L"):
        img = img.convert("RGB")

    def encode(q: int) -> bytes:
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=q)
        return buf.getvalue()

    data = encode(quality)
    if target_size is not None:
        # Leave room for at least one 4-byte comment segment, the smallest padding possible.
        limit = target_size - 4
        lo, hi = 5, 95
        best = encode(lo)
        if len(best) > limit:
            raise LdsError(f"the face image does not fit in {target_size} bytes even at low quality")
        while lo <= hi:
            mid = (lo + hi) // 2
            candidate = encode(mid)
            if len(candidate) <= limit:
                best, lo = candidate, mid + 1
            else:
                hi = mid - 1
        data = _pad_jpeg(best, target_size)
    return data, img.width, img.height


def _pad_jpeg(jpeg: bytes, target: int) -> bytes:
    """Insert COM segments after SOI so the JPEG is exactly ``target`` bytes."""
    missing = target - len(jpeg)
    segments = b""
    while missing > 0:
        if missing < 4:
            raise LdsError("cannot pad a JPEG by fewer than 4 bytes")
        n = min(missing, 65537)
        if 0 < missing - n < 4:
            n -= 4
        segments += b"\xff\xfe" + struct.pack(">H", n - 2) + bytes(n - 4)
        missing -= n
    return jpeg[:2] + segments + jpeg[2:]
