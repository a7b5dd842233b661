"""Faults the virtual chip can be told to commit, to exercise the reader's recovery and its limits."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ChipFaults:
    """Faults on demand.

    :param remove_after_bytes: the card leaves the field once it has served this many file bytes
        (the READ BINARY that crosses the limit raises ``CardRemovedError``; one shot).
    :param corrupt_mac_on_response: the k-th secure-messaging response (1-based, counted over the
        chip's life) carries a wrong MAC (one shot).
    :param bac_disabled: EXTERNAL AUTHENTICATE answers 6A88, like German passports since 2023.
    :param max_read: READ BINARY asking for more than this many bytes is refused ...
    :param oversize_sw: ... with 6700, or 6CXX (pass 0x6C00) naming ``max_read``, or 6282 with
        ``max_read`` bytes of data (pass 0x6282).
    :param endless_file: a hostile chip: this file (a FID, 0x0102 for DG2) declares ``endless_length``
        bytes in its TLV header and answers every READ BINARY at any offset with filler and 9000,
        without ever holding the file in memory.
    """

    remove_after_bytes: int | None = None
    corrupt_mac_on_response: int | None = None
    bac_disabled: bool = False
    max_read: int | None = None
    oversize_sw: int = 0x6700
    endless_file: int | None = None
    endless_length: int = 0xFFFFFFFF


class EndlessFile:
    """A file that declares ``length`` bytes after its tag and yields zeros wherever it is read."""

    def __init__(self, tag: bytes, length: int) -> None:
        self.header = tag + b"\x84" + length.to_bytes(4, "big")

    def __getitem__(self, window: slice) -> bytes:
        start, stop = int(window.start), int(window.stop)
        head = self.header[start:stop]
        return head + bytes(max(0, stop - max(start, len(self.header))))
