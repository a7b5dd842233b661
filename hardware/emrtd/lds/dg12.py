"""DG12: additional document details (ICAO 9303-10 section 4.7.12): ``6C { 5C tag list, 5F19 ... }``."""
from __future__ import annotations

from dataclasses import dataclass, field

from hardware.emrtd.lds._util import children, text, unwrap

TAG_DG12 = 0x6C
_TEXT_FIELDS = {
    0x5F19: "issuing_authority", 0x5F26: "date_of_issue", 0x5F1B: "endorsements",
    0x5F1C: "tax_exit_requirements", 0x5F55: "personalization_time", 0x5F56: "personalization_device",
}
_BINARY_FIELDS = {0x5F1D: "image_front", 0x5F1E: "image_rear"}


@dataclass(frozen=True)
class Dg12:
    """Parsed DG12: text fields by name, document images (front/rear) as bytes, other persons."""

    fields: dict[str, str]
    images: dict[str, bytes] = field(repr=False)
    other_persons: tuple[str, ...] = field(repr=False)
    tags: tuple[int, ...] = ()
    raw: bytes = field(default=b"", repr=False)


def parse_dg12(raw: bytes) -> Dg12:
    """Parse DG12 (dates stay as the text the chip holds: YYYYMMDD or YYYYMMDDhhmmss)."""
    outer = unwrap(raw, TAG_DG12, "DG12")
    values: dict[str, str] = {}
    images: dict[str, bytes] = {}
    others: list[str] = []
    tags: tuple[int, ...] = ()
    for child in children(outer, "DG12"):
        if child.tag == 0x5C:
            tags = tuple(int.from_bytes(child.value[i : i + 2], "big") for i in range(0, len(child.value), 2))
        elif child.tag == 0xA0:
            others.extend(text(c.value, "DG12 other person") for c in children(child, "DG12") if c.tag == 0x5F1A)
        elif child.tag in _TEXT_FIELDS:
            value = child.value
            # Some issuers store the dates as BCD (4 or 7 bytes) rather than ASCII digits.
            if child.tag in (0x5F26, 0x5F55) and value and not value.isascii():
                values[_TEXT_FIELDS[child.tag]] = value.hex()
            else:
                values[_TEXT_FIELDS[child.tag]] = text(value, "DG12 " + _TEXT_FIELDS[child.tag])
        elif child.tag in _BINARY_FIELDS:
            images[_BINARY_FIELDS[child.tag]] = child.value
    return Dg12(values, images, tuple(others), tags, outer.raw)
