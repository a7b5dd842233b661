"""LDS file identifiers and data-group tags (ICAO 9303-10 section 4.6.1, Table 34 / section 4.7).

A data group is known by three numbers: its number (1-16), its tag in EF.COM and at the head of the
file (``0x61`` for DG1...), and its file identifier (``0x0101`` for DG1...). These tables convert.
"""
from __future__ import annotations

from hardware.emrtd.errors import LdsError

FID_COM = 0x011E
FID_SOD = 0x011D
FID_CARD_ACCESS = 0x011C
FID_CARD_SECURITY = 0x011D  # in the master file, not in the eMRTD application
TAG_COM = 0x60
TAG_SOD = 0x77

DG_TAGS: dict[int, int] = {
    1: 0x61, 2: 0x75, 3: 0x63, 4: 0x76, 5: 0x65, 6: 0x66, 7: 0x67, 8: 0x68,
    9: 0x69, 10: 0x6A, 11: 0x6B, 12: 0x6C, 13: 0x6D, 14: 0x6E, 15: 0x6F, 16: 0x70,
}
TAG_TO_DG: dict[int, int] = {tag: dg for dg, tag in DG_TAGS.items()}


def dg_fid(number: int) -> int:
    """File identifier of data group ``number`` (``0x0101`` for DG1)."""
    if number not in DG_TAGS:
        raise LdsError(f"there is no data group {number} (ICAO 9303 defines DG1-DG16)")
    return 0x0100 + number


def dg_tag(number: int) -> int:
    """Tag of data group ``number`` (``0x61`` for DG1)."""
    if number not in DG_TAGS:
        raise LdsError(f"there is no data group {number} (ICAO 9303 defines DG1-DG16)")
    return DG_TAGS[number]


def dg_number_from_tag(tag: int) -> int:
    """Data-group number for a tag found in EF.COM or at the head of a file."""
    if tag not in TAG_TO_DG:
        raise LdsError(f"tag {tag:X} is not a data-group tag")
    return TAG_TO_DG[tag]


def file_name(fid: int) -> str:
    """The conventional file name used when saving (``EF_COM.bin``, ``EF_SOD.bin``, ``DG1.bin``)."""
    if fid == FID_COM:
        return "EF_COM.bin"
    if fid == FID_SOD:
        return "EF_SOD.bin"
    if 0x0101 <= fid <= 0x0110:
        return f"DG{fid - 0x0100}.bin"
    return f"EF_{fid:04X}.bin"
