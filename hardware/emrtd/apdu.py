"""ISO/IEC 7816-4 APDUs: the connection seam, command encoding, response handling.

The layering follows ICAO 9303-10/11 and ISO/IEC 7816-4 section 5: a ``CardConnection`` moves raw
APDUs (a reader driver, the virtual chip, or a wrapper such as ``ChainingConnection`` or secure
messaging); ``CommandApdu`` encodes the four cases in short or extended length (7816-4 section 5.1);
``transceive`` sends a command and raises ``ApduError`` for any status other than 9000 unless told
which warnings to accept.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol, runtime_checkable

from hardware.emrtd.errors import ApduError, EmrtdError

log = logging.getLogger(__name__)

SHORT_MAX_NC = 255
SHORT_MAX_NE = 256
EXTENDED_MAX_NE = 65536


class MalformedApduError(EmrtdError):
    """Bytes that should be an APDU (command or response) are not one."""


class SW(IntEnum):
    """Status words used by ICAO 9303 chips (ISO/IEC 7816-4 section 5.6)."""

    OK = 0x9000
    END_OF_FILE = 0x6282
    WRONG_LENGTH = 0x6700
    SECURITY_STATUS_NOT_SATISFIED = 0x6982
    AUTH_METHOD_BLOCKED = 0x6983
    CONDITIONS_NOT_SATISFIED = 0x6985
    COMMAND_NOT_ALLOWED = 0x6986
    SM_DATA_MISSING = 0x6987
    SM_DATA_INCORRECT = 0x6988
    WRONG_DATA = 0x6A80
    FUNCTION_NOT_SUPPORTED = 0x6A81
    FILE_NOT_FOUND = 0x6A82
    INCORRECT_P1P2 = 0x6A86
    REFERENCED_DATA_NOT_FOUND = 0x6A88
    WRONG_P1P2 = 0x6B00
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00
    NO_PRECISE_DIAGNOSIS = 0x6F00


class INS(IntEnum):
    """Instruction bytes used by ICAO 9303-11."""

    SELECT = 0xA4
    READ_BINARY = 0xB0
    READ_BINARY_ODD = 0xB1
    GET_CHALLENGE = 0x84
    EXTERNAL_AUTHENTICATE = 0x82
    INTERNAL_AUTHENTICATE = 0x88
    MSE = 0x22
    GENERAL_AUTHENTICATE = 0x86
    GET_RESPONSE = 0xC0


@runtime_checkable
class CardConnection(Protocol):
    """The seam between the protocol code and a card: one APDU in, data and status word out.

    Implementations raise ``CardRemovedError`` when the card or reader goes away, and never
    interpret the status word (that is ``transceive``'s job).
    """

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one command APDU; return the response data and the status word SW1SW2."""
        ...

    def close(self) -> None:
        """Release the card; further ``transmit`` calls fail."""
        ...


@dataclass(frozen=True)
class CommandApdu:
    """A command APDU (ISO/IEC 7816-4 section 5.1).

    :param ne: expected response length: None for no Le field, 1..256 (short) or up to 65536
        (extended); 256 encodes as ``00`` in short form, 65536 as ``0000`` in extended form.
    :param extended: force extended length (True), forbid it (False), or choose from Nc/Ne (None).
    """

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    ne: int | None = None
    extended: bool | None = None

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            if not 0 <= getattr(self, name) <= 0xFF:
                raise ValueError(f"APDU {name} out of range")
        if len(self.data) > 65535:
            raise ValueError("APDU data longer than 65535 bytes")
        if self.ne is not None and not 0 < self.ne <= EXTENDED_MAX_NE:
            raise ValueError("APDU Ne out of range")

    @property
    def is_extended(self) -> bool:
        """Whether this command encodes in extended length."""
        if self.extended is not None:
            return self.extended
        return len(self.data) > SHORT_MAX_NC or (self.ne is not None and self.ne > SHORT_MAX_NE)

    def header(self) -> bytes:
        """CLA INS P1 P2."""
        return bytes((self.cla, self.ins, self.p1, self.p2))

    def encode(self) -> bytes:
        """Encode as bytes (cases 1 to 4, short or extended)."""
        ext = self.is_extended
        if not ext and (len(self.data) > SHORT_MAX_NC or (self.ne or 0) > SHORT_MAX_NE):
            raise ValueError("command does not fit in a short APDU")
        out = bytearray(self.header())
        if ext:
            if self.data:
                out += b"\x00" + len(self.data).to_bytes(2, "big") + self.data
            if self.ne is not None:
                le = (self.ne % EXTENDED_MAX_NE).to_bytes(2, "big")
                out += le if self.data else b"\x00" + le
        else:
            if self.data:
                out += bytes((len(self.data),)) + self.data
            if self.ne is not None:
                out.append(self.ne % SHORT_MAX_NE)
        return bytes(out)

    @classmethod
    def parse(cls, raw: bytes) -> CommandApdu:
        """Decode a command APDU (card side); raises ``MalformedApduError`` on a bad length layout."""
        raw = bytes(raw)
        if len(raw) < 4:
            raise MalformedApduError("command APDU shorter than its 4-byte header")
        cla, ins, p1, p2 = raw[:4]
        body = raw[4:]
        if not body:
            return cls(cla, ins, p1, p2)
        if len(body) == 1:
            return cls(cla, ins, p1, p2, ne=body[0] or SHORT_MAX_NE, extended=False)
        if body[0] != 0:
            nc = body[0]
            if len(body) == 1 + nc:
                return cls(cla, ins, p1, p2, body[1:], extended=False)
            if len(body) == 2 + nc:
                return cls(cla, ins, p1, p2, body[1:-1], ne=body[-1] or SHORT_MAX_NE, extended=False)
            raise MalformedApduError("short command APDU length bytes do not match its size")
        # Extended length: body starts with 00.
        if len(body) == 3:
            n = int.from_bytes(body[1:3], "big")
            return cls(cla, ins, p1, p2, ne=n or EXTENDED_MAX_NE, extended=True)
        if len(body) < 3:
            raise MalformedApduError("extended command APDU truncated")
        nc = int.from_bytes(body[1:3], "big")
        if nc == 0:
            raise MalformedApduError("extended command APDU with Lc = 0")
        if len(body) == 3 + nc:
            return cls(cla, ins, p1, p2, body[3:], extended=True)
        if len(body) == 5 + nc:
            n = int.from_bytes(body[-2:], "big")
            return cls(cla, ins, p1, p2, body[3:-2], ne=n or EXTENDED_MAX_NE, extended=True)
        raise MalformedApduError("extended command APDU length bytes do not match its size")


@dataclass(frozen=True)
class ResponseApdu:
    """Response data and status word."""

    data: bytes
    sw: int

    @property
    def ok(self) -> bool:
        """Status 9000."""
        return self.sw == SW.OK

    def encode(self) -> bytes:
        """data || SW1 SW2."""
        return self.data + self.sw.to_bytes(2, "big")


def split_response(raw: bytes) -> tuple[bytes, int]:
    """Split a raw R-APDU into data and status word; raises ``MalformedApduError`` if < 2 bytes."""
    raw = bytes(raw)
    if len(raw) < 2:
        raise MalformedApduError(f"response APDU of {len(raw)} bytes has no status word")
    sw = int.from_bytes(raw[-2:], "big")
    if raw[-2] not in (0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C,
                       0x6D, 0x6E, 0x6F, 0x90):
        raise MalformedApduError(f"response ends with an invalid status word {sw:04X}")
    return raw[:-2], sw


class ChainingConnection:
    """Wraps a connection and resolves ``61XX`` (GET RESPONSE) and ``6CXX`` (resend with Le=XX).

    ISO/IEC 7816-4 section 5.3.4 / 5.6: T=0 transports and some chips answer 61XX when more data
    waits, and 6CXX when Le was wrong. This sits directly above the transport, below secure messaging.
    """

    def __init__(self, inner: CardConnection, max_rounds: int = 64) -> None:
        """:param inner: the transport. :param max_rounds: bound on GET RESPONSE rounds."""
        self.inner = inner
        self.max_rounds = max_rounds

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send ``apdu`` and return the complete response."""
        data, sw = self.inner.transmit(apdu)
        if sw >> 8 == 0x6C and len(apdu) >= 5 and not apdu[0] & 0x0C:
            # (Not for secure messaging: a resent protected command would reuse its SSC.)
            # Wrong Le: send the same command again with the length the chip asked for.
            cmd = CommandApdu.parse(apdu)
            retry = CommandApdu(cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data,
                                ne=(sw & 0xFF) or SHORT_MAX_NE, extended=False)
            data, sw = self.inner.transmit(retry.encode())
        out = bytearray(data)
        rounds = 0
        while sw >> 8 == 0x61:
            rounds += 1
            if rounds > self.max_rounds:
                raise MalformedApduError("chip kept answering 61XX (more data) without end")
            get = CommandApdu(0x00, INS.GET_RESPONSE, 0, 0, ne=(sw & 0xFF) or SHORT_MAX_NE)
            data, sw = self.inner.transmit(get.encode())
            out += data
        return bytes(out), sw

    def close(self) -> None:
        """Close the wrapped connection."""
        self.inner.close()


def transceive(conn: CardConnection, cmd: CommandApdu | bytes,
               accept: tuple[int, ...] = (SW.OK,)) -> ResponseApdu:
    """Send a command; raise ``ApduError(sw)`` unless the status word is in ``accept``.

    :param conn: any ``CardConnection`` (plain, chained or secure-messaging wrapped).
    :param cmd: the command, encoded or not.
    :param accept: status words that are not failures (default: 9000 only).
    """
    raw = cmd.encode() if isinstance(cmd, CommandApdu) else bytes(cmd)
    if len(raw) < 4:
        raise MalformedApduError("command APDU shorter than its 4-byte header; not sent")
    data, sw = conn.transmit(raw)
    if sw not in accept:
        raise ApduError(sw, f"chip returned status {sw:04X} to INS {raw[1]:02X}")
    return ResponseApdu(bytes(data), sw)


def atr_supports_extended_length(atr: bytes) -> bool:
    """Whether the ATR's historical bytes announce extended Lc/Le (ISO/IEC 7816-4 section 8.1.1.2.7).

    Looks for the card-capabilities compact-TLV object (tag 7, length 3) and its third software
    function byte, bit 7 (``0x40``). Returns False when the ATR cannot be parsed.
    """
    atr = bytes(atr)
    try:
        if len(atr) < 2:
            return False
        t0 = atr[1]
        k = t0 & 0x0F
        pos = 2
        y = t0 >> 4
        while True:
            pos += bin(y & 0x7).count("1")  # TA, TB, TC
            if y & 0x8:  # TD present
                td = atr[pos]
                pos += 1
                y = td >> 4
            else:
                break
        hist = atr[pos:pos + k]
        if not hist or hist[0] != 0x80:
            return False
        i = 1
        while i < len(hist):
            tag, length = hist[i] >> 4, hist[i] & 0x0F
            value = hist[i + 1:i + 1 + length]
            if tag == 7 and length >= 3:
                return bool(value[2] & 0x40)
            i += 1 + length
    except IndexError:
        return False
    return False
