"""Bounds on one passport read, so a broken or hostile chip cannot hold the kiosk or fill its memory.

A chip chooses what it answers: it can declare a 4 GB DG2 in the file's TLV header and answer 9000
to every READ BINARY, or trickle bytes for minutes. Three limits stop that:

- per-file length caps, checked against the length the file *declares* before anything past its
  header is read (so memory never grows beyond the cap);
- a total APDU count for the read (shrinking chunk sizes and re-authentication included);
- a total time for the read, checked before every APDU.

Defaults are generous for real documents (ICAO 9303-10 data groups as issued: DG1 under 100 bytes,
DG2 typically 12-40 KB, EF.SOD a few KB) and far below what would hurt a kiosk. Breaking any limit
raises ``ChipLimitError``, whose ``user_message`` is the screen text. The time limit is checked
between APDUs: one APDU that never returns is bounded by the transport's own timeout.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hardware.emrtd.apdu import CardConnection
from hardware.emrtd.errors import ChipLimitError

KIB = 1024

# Caps by file identifier (application files; EF.CardAccess at MF level). Why each value:
DEFAULT_FILE_CAPS: dict[int, int] = {
    0x011C: 8 * KIB,    # EF.CardAccess: a few SecurityInfos (PACE, CA, TA), usually < 1 KB
    0x011E: 1 * KIB,    # EF.COM: version plus a tag list, < 64 bytes
    0x011D: 64 * KIB,   # EF.SOD: hashes plus one DSC (RSA-4096 chains stay < 16 KB)
    0x0101: 1 * KIB,    # DG1: one MRZ (TD1/TD2/TD3), < 128 bytes
    0x0102: 256 * KIB,  # DG2: the portrait; real ones 12-40 KB, JPEG 2000 at most ~100 KB
    0x010B: 8 * KIB,    # DG11: additional personal details (text)
    0x010C: 64 * KIB,   # DG12: document details, may carry small endorsement images
    0x010E: 8 * KIB,    # DG14: security infos (CA/TA/PACE keys)
    0x010F: 8 * KIB,    # DG15: one active-authentication public key
}


@dataclass(frozen=True)
class ReadLimits:
    """Caps for one read.

    :param file_caps: largest accepted length by file identifier (merged over ``DEFAULT_FILE_CAPS``).
    :param other_file_cap: cap for a file with no entry (other data groups, EF.CardSecurity).
    :param max_apdus: APDUs the whole read may send (a 256 KB DG2 at 223-byte chunks needs ~1200).
    :param max_seconds: time the whole read may take (a real read takes 1-10 s).
    :param clock: time source in seconds (``time.monotonic``; tests pass their own).
    """

    file_caps: Mapping[int, int] = field(default_factory=dict)
    other_file_cap: int = 64 * KIB
    max_apdus: int = 5000
    max_seconds: float = 60.0
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        caps = [*self.file_caps.values(), self.other_file_cap]
        if any(int(c) < 16 for c in caps) or self.max_apdus < 1 or self.max_seconds <= 0:
            raise ValueError("read limits must be positive (file caps at least 16 bytes)")

    def file_cap(self, fid: int) -> int:
        """Largest accepted length of file ``fid``."""
        if fid in self.file_caps:
            return int(self.file_caps[fid])
        return DEFAULT_FILE_CAPS.get(fid, self.other_file_cap)


class BudgetedConnection:
    """Wraps the transport and refuses the APDU that would break the read's APDU or time budget."""

    def __init__(self, inner: CardConnection, limits: ReadLimits) -> None:
        self.inner = inner
        self.limits = limits
        self.apdus = 0
        self._started: float | None = None

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Check the budget, then forward."""
        now = self.limits.clock()
        if self._started is None:
            self._started = now
        if self.apdus >= self.limits.max_apdus:
            raise ChipLimitError(f"the read needed more than {self.limits.max_apdus} APDUs: stopped")
        if now - self._started > self.limits.max_seconds:
            raise ChipLimitError(f"the read took longer than {self.limits.max_seconds:g} s: stopped")
        self.apdus += 1
        return self.inner.transmit(apdu)

    def close(self) -> None:
        """Close the wrapped connection."""
        self.inner.close()

    def __getattr__(self, name: str) -> Any:  # atr, extended_length, simulated_seconds...
        return getattr(self.inner, name)
