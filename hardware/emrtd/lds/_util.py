"""Small helpers shared by the LDS parsers: unwrap the file's outer TLV with a typed error."""
from __future__ import annotations

from hardware.emrtd import tlv
from hardware.emrtd.errors import LdsError, TlvError


def unwrap(raw: bytes, tag: int, name: str) -> tlv.Tlv:
    """Decode ``raw`` as one TLV with ``tag``; trailing padding (some chips add zero bytes) is ignored."""
    raw = bytes(raw)
    try:
        outer, _end = tlv.decode_one(raw)
    except TlvError as exc:
        raise LdsError(f"{name} is not valid BER-TLV: {exc}") from exc
    if outer.tag != tag:
        raise LdsError(f"{name} must start with tag {tag:X}, found {outer.tag:X}")
    return outer


def children(node: tlv.Tlv, name: str) -> list[tlv.Tlv]:
    """The TLV children of ``node`` with a typed error naming the file."""
    try:
        return node.children()
    except TlvError as exc:
        raise LdsError(f"{name} contains malformed BER-TLV: {exc}") from exc


def text(value: bytes, name: str) -> str:
    """UTF-8 text of a data object (ICAO 9303-10 allows UTF-8 in DG11/DG12)."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LdsError(f"{name} is not UTF-8 text") from exc
