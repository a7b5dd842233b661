"""DG11: additional personal details (ICAO 9303-10 section 4.7.11): ``6B { 5C tag list, 5F0E ... }``.

Values are kept as UTF-8 text keyed by field name; ``repr`` is redacted (personal data).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hardware.emrtd.lds._util import children, text, unwrap

TAG_DG11 = 0x6B
FIELDS_DG11 = {
    0x5F0E: "full_name", 0x5F10: "personal_number", 0x5F2B: "full_date_of_birth",
    0x5F11: "place_of_birth", 0x5F42: "permanent_address", 0x5F12: "telephone",
    0x5F13: "profession", 0x5F14: "title", 0x5F15: "personal_summary",
    0x5F16: "proof_of_citizenship", 0x5F17: "other_valid_td_numbers", 0x5F18: "custody_information",
}


@dataclass(frozen=True)
class Dg11:
    """Parsed DG11: ``fields`` maps field names to text, ``other_names`` from the A0 template."""

    fields: dict[str, str] = field(repr=False)
    other_names: tuple[str, ...] = field(repr=False)
    tags: tuple[int, ...] = ()
    raw: bytes = field(default=b"", repr=False)


def parse_dg11(raw: bytes) -> Dg11:
    """Parse DG11 (unknown tags are ignored, as 9303-10 allows proprietary ones)."""
    outer = unwrap(raw, TAG_DG11, "DG11")
    values: dict[str, str] = {}
    others: list[str] = []
    tags: tuple[int, ...] = ()
    for child in children(outer, "DG11"):
        if child.tag == 0x5C:
            tags = tuple(int.from_bytes(child.value[i : i + 2], "big") for i in range(0, len(child.value), 2))
        elif child.tag == 0xA0:
            others.extend(text(c.value, "DG11 other name") for c in children(child, "DG11") if c.tag == 0x5F0F)
        elif child.tag in FIELDS_DG11:
            values[FIELDS_DG11[child.tag]] = text(child.value, "DG11 " + FIELDS_DG11[child.tag])
    return Dg11(values, tuple(others), tags, outer.raw)
