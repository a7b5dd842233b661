"""EF.COM: LDS version, Unicode version and the list of data groups present (ICAO 9303-10 section 4.6.1).

EF.COM is ``60 { 5F01 LDS version "aabb", 5F36 Unicode version "aabbcc", 5C tag list }``.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hardware.emrtd import tlv
from hardware.emrtd.errors import LdsError
from hardware.emrtd.lds._util import children, unwrap
from hardware.emrtd.lds.files import TAG_COM, TAG_TO_DG, dg_tag


@dataclass(frozen=True)
class Com:
    """Parsed EF.COM; ``raw`` is the file exactly as read."""

    lds_version: str  # "1.7"
    unicode_version: str  # "4.0.0"
    tags: tuple[int, ...]
    raw: bytes

    @property
    def data_groups(self) -> tuple[int, ...]:
        """Numbers of the data groups EF.COM lists (unknown tags are skipped)."""
        return tuple(TAG_TO_DG[t] for t in self.tags if t in TAG_TO_DG)


def _dotted(value: bytes, parts: int, name: str) -> str:
    s = value.decode("ascii", errors="replace")
    if len(s) != 2 * parts or not s.isdigit():
        raise LdsError(f"EF.COM {name} must be {2 * parts} digits")
    return ".".join(str(int(s[i : i + 2])) for i in range(0, len(s), 2))


def parse_com(raw: bytes) -> Com:
    """Parse EF.COM."""
    outer = unwrap(raw, TAG_COM, "EF.COM")
    lds = uni = None
    tags: tuple[int, ...] | None = None
    for child in children(outer, "EF.COM"):
        if child.tag == 0x5F01:
            lds = _dotted(child.value, 2, "LDS version")
        elif child.tag == 0x5F36:
            uni = _dotted(child.value, 3, "Unicode version")
        elif child.tag == 0x5C:
            tags = tuple(child.value)
    if lds is None or uni is None or tags is None:
        raise LdsError("EF.COM lacks the LDS version, Unicode version or tag list")
    return Com(lds, uni, tags, outer.raw)


def encode_com(data_groups: Iterable[int], lds_version: str = "0107", unicode_version: str = "040000") -> bytes:
    """Build EF.COM listing ``data_groups`` (numbers, e.g. ``[1, 2, 15]``)."""
    tag_list = bytes(dg_tag(n) for n in sorted(set(data_groups)))
    body = (
        tlv.encode(0x5F01, lds_version.encode("ascii"))
        + tlv.encode(0x5F36, unicode_version.encode("ascii"))
        + tlv.encode(0x5C, tag_list)
    )
    return tlv.encode(TAG_COM, body)
