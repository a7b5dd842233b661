"""Connection fakes that sit beside the ``CardConnection`` seam (like gmrtd's mock transceiver).

Kept in non-test code so the demo mode and other packages' tests can replay transcripts:

- ``ScriptedConnection``: replays request-hex -> response-hex pairs in order (the response hex
  includes SW1SW2), and fails loudly on any unexpected command.
- ``RecordingConnection``: wraps a connection and records every exchange (for transcripts in tests;
  never log what it records, it holds chip data).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from hardware.emrtd.apdu import CardConnection, split_response
from hardware.emrtd.errors import EmrtdError


class ScriptMismatchError(EmrtdError):
    """A scripted connection received a command the script did not expect."""


def _hex(s: str) -> bytes:
    return bytes.fromhex("".join(s.split()))


class ScriptedConnection:
    """Replays a fixed transcript.

    :param script: ``[(request_hex, response_hex), ...]`` in order, or a mapping (order of insertion).
        ``response_hex`` ends with the status word, e.g. ``"4608F919887022129000"``.
    """

    def __init__(self, script: Iterable[tuple[str, str]] | Mapping[str, str]) -> None:
        pairs = script.items() if isinstance(script, Mapping) else script
        self._pairs = [(_hex(req), _hex(rsp)) for req, rsp in pairs]
        self._pos = 0
        self.closed = False

    @property
    def remaining(self) -> int:
        """How many scripted exchanges have not happened yet."""
        return len(self._pairs) - self._pos

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Check ``apdu`` against the next scripted request and return its response."""
        if self.closed:
            raise ScriptMismatchError("scripted connection is closed")
        if self._pos >= len(self._pairs):
            raise ScriptMismatchError(f"unexpected extra command {bytes(apdu).hex().upper()}")
        req, rsp = self._pairs[self._pos]
        if bytes(apdu) != req:
            raise ScriptMismatchError(
                f"exchange {self._pos}: expected {req.hex().upper()}, got {bytes(apdu).hex().upper()}")
        self._pos += 1
        return split_response(rsp)

    def close(self) -> None:
        """Mark closed."""
        self.closed = True


class RecordingConnection:
    """Wraps a connection and keeps ``exchanges`` as ``(command, response_data, sw)`` tuples."""

    def __init__(self, inner: CardConnection) -> None:
        self.inner = inner
        self.exchanges: list[tuple[bytes, bytes, int]] = []

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Forward and record."""
        data, sw = self.inner.transmit(apdu)
        self.exchanges.append((bytes(apdu), bytes(data), sw))
        return data, sw

    def close(self) -> None:
        """Close the wrapped connection."""
        self.inner.close()
