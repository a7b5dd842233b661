"""BER-TLV encoding and decoding as used by ICAO 9303 (Part 10, LDS) and ISO/IEC 7816-4.

Tags are handled as integers of their full encoded bytes (``0x5F1F``, ``0x7F61``), which is how
ICAO 9303 names them. Decoding raises only ``TlvError``.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hardware.emrtd.errors import TlvError


@dataclass(frozen=True)
class Tlv:
    """One decoded TLV element; ``raw`` holds its complete encoding (tag + length + value)."""

    tag: int
    value: bytes
    raw: bytes

    @property
    def constructed(self) -> bool:
        """Whether the tag's constructed bit (b6 of the first tag byte) is set."""
        first = self.tag.to_bytes((self.tag.bit_length() + 7) // 8 or 1, "big")[0]
        return bool(first & 0x20)

    def children(self) -> list[Tlv]:
        """Decode the value as a sequence of TLVs."""
        return decode_all(self.value)

    def find(self, tag: int) -> Tlv | None:
        """First direct child with ``tag``, or None."""
        for child in self.children():
            if child.tag == tag:
                return child
        return None


def _read_tag(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise TlvError("TLV truncated: missing tag")
    first = data[pos]
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:
        while True:
            if pos >= len(data):
                raise TlvError("TLV truncated inside a multi-byte tag")
            b = data[pos]
            tag = (tag << 8) | b
            pos += 1
            if not b & 0x80:
                break
            if tag > 0xFFFFFFFF:
                raise TlvError("TLV tag longer than 4 bytes")
    return tag, pos


def _read_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise TlvError("TLV truncated: missing length")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    n = first & 0x7F
    if n == 0:
        raise TlvError("indefinite TLV length is not allowed in ICAO 9303 data")
    if n > 4:
        raise TlvError(f"TLV length field of {n} bytes is too long")
    if pos + n > len(data):
        raise TlvError("TLV truncated inside the length field")
    return int.from_bytes(data[pos : pos + n], "big"), pos + n


def decode_one(data: bytes, pos: int = 0) -> tuple[Tlv, int]:
    """Decode the TLV starting at ``pos``; returns it and the position after it."""
    start = pos
    tag, pos = _read_tag(data, pos)
    length, pos = _read_length(data, pos)
    end = pos + length
    if end > len(data):
        raise TlvError(f"TLV value truncated: need {length} bytes, have {len(data) - pos}")
    return Tlv(tag, bytes(data[pos:end]), bytes(data[start:end])), end


def iter_tlv(data: bytes) -> Iterator[Tlv]:
    """Iterate over consecutive TLVs filling ``data`` exactly."""
    pos = 0
    data = bytes(data)
    while pos < len(data):
        tlv, pos = decode_one(data, pos)
        yield tlv


def decode_all(data: bytes) -> list[Tlv]:
    """Decode consecutive TLVs filling ``data`` exactly."""
    return list(iter_tlv(data))


def decode_single(data: bytes, expected_tag: int | None = None) -> Tlv:
    """Decode exactly one TLV spanning all of ``data`` (trailing bytes are an error)."""
    tlv, end = decode_one(bytes(data))
    if end != len(data):
        raise TlvError(f"{len(data) - end} unexpected bytes after TLV {tlv.tag:X}")
    if expected_tag is not None and tlv.tag != expected_tag:
        raise TlvError(f"expected tag {expected_tag:X}, found {tlv.tag:X}")
    return tlv


def encode_length(n: int) -> bytes:
    """DER length octets for ``n``."""
    if n < 0:
        raise ValueError("negative length")
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode(tag: int, value: bytes) -> bytes:
    """Encode one TLV with a tag given as its full integer (``0x5F1F``)."""
    tag_bytes = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    return tag_bytes + encode_length(len(value)) + bytes(value)
