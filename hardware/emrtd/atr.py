"""What a chip's ATR says about it (ISO/IEC 7816-3 section 8.2, 7816-4 section 12.1.1).

The reader uses extended-length APDUs only when both the reader and the chip support them; the chip
says so (if at all) in the card-capabilities object of its ATR's historical bytes.
"""
from __future__ import annotations


def _historical_bytes(atr: bytes) -> bytes | None:
    """The historical bytes of an ATR (ISO/IEC 7816-3 section 8.2), or None when it is malformed."""
    if len(atr) < 2:
        return None
    count = atr[1] & 0x0F
    pos, indicator = 2, atr[1]
    while True:
        presence = indicator >> 4
        pos += bin(presence & 0x7).count("1")  # TA, TB, TC
        if not presence & 0x8:
            break
        if pos >= len(atr):
            return None
        indicator = atr[pos]  # TDi
        pos += 1
    if pos + count > len(atr):
        return None
    return atr[pos:pos + count]


def atr_announces_extended_length(atr: bytes) -> bool | None:
    """Whether the chip's ATR says it takes extended Lc/Le (ISO/IEC 7816-4 section 12.1.1.9).

    Looks for the card-capabilities compact-TLV object (tag 7) in historical bytes that start with
    category indicator 80h; its third byte, bit 7, announces extended length fields. Returns None
    when the ATR does not say (many passports do not): the reader then stays with short APDUs.
    """
    hist = _historical_bytes(atr)
    if not hist or hist[0] != 0x80:
        return None
    pos = 1
    while pos < len(hist):
        tag, length = hist[pos] >> 4, hist[pos] & 0x0F
        value = hist[pos + 1:pos + 1 + length]
        if len(value) < length:
            return None
        if tag == 0x7:
            return bool(value[2] & 0x40) if length >= 3 else False
        pos += 1 + length
    return None
