"""DG1: the MRZ as stored on the chip (ICAO 9303-10 section 4.7.1): ``61 { 5F1F MRZ }``."""
from __future__ import annotations

from dataclasses import dataclass

from hardware.emrtd import mrz as _mrz
from hardware.emrtd import tlv
from hardware.emrtd.errors import LdsError
from hardware.emrtd.lds._util import children, unwrap

TAG_DG1 = 0x61


@dataclass(frozen=True)
class Dg1:
    """Parsed DG1; ``raw`` is the file as read (``repr`` redacts the MRZ)."""

    mrz: _mrz.Mrz
    raw: bytes

    def __repr__(self) -> str:
        return f"Dg1(format={self.mrz.format!r}, {len(self.raw)} bytes)"


def parse_dg1(raw: bytes) -> Dg1:
    """Parse DG1 and validate every MRZ check digit (``MrzError`` on a wrong one).

    A visa's MRZ (MRV-A/MRV-B) is refused: ICAO 9303 chips hold travel documents, never visas, so a chip whose
    DG1 claims one is malformed or forged."""
    outer = unwrap(raw, TAG_DG1, "DG1")
    for child in children(outer, "DG1"):
        if child.tag == 0x5F1F:
            mrz = _mrz.parse(child.value)
            if mrz.is_visa:
                raise LdsError("DG1 holds a visa's MRZ: an e-passport or ID card chip never does")
            return Dg1(mrz, outer.raw)
    raise LdsError("DG1 has no MRZ data object (5F1F)")


def encode_dg1(mrz: _mrz.Mrz) -> bytes:
    """Build DG1 for ``mrz``."""
    return tlv.encode(TAG_DG1, tlv.encode(0x5F1F, "".join(mrz.lines).encode("ascii")))
