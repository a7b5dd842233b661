"""Secure messaging (ICAO 9303-11 section 9.8) for both sides of the link.

Commands carry DO87 (even INS) or DO85 (odd INS) with the padded, encrypted data, DO97 with Le
and DO8E with the MAC; responses carry DO87/DO85, DO99 (the status word) and DO8E. The send
sequence counter (SSC) is incremented before every command and every response. 3DES sessions
(BAC, or PACE/CA with 3DES) encrypt with a zero IV and MAC with the retail MAC over an 8-byte SSC;
AES sessions use ``IV = E(KS_enc, SSC)`` and AES-CMAC truncated to 8 bytes over a 16-byte SSC
(section 9.8.6.2). Extended length is kept when the unprotected command needs it.

``SecureMessaging`` holds the keys and the SSC; the terminal uses ``wrap_command`` and
``unwrap_response`` (through ``SMConnection``), the virtual chip ``unwrap_command`` and
``wrap_response``. Any MAC or format failure raises ``SecureMessagingError`` and marks the session
broken: the SSC is then out of step and the caller must authenticate again.
"""
from __future__ import annotations

import hmac
import logging

from hardware.emrtd import crypto, tlv
from hardware.emrtd.apdu import (
    EXTENDED_MAX_NE,
    SHORT_MAX_NC,
    SHORT_MAX_NE,
    CardConnection,
    CommandApdu,
    MalformedApduError,
)
from hardware.emrtd.crypto import CipherAlg
from hardware.emrtd.errors import SecureMessagingError, TlvError

log = logging.getLogger(__name__)

SW_SM_MISSING = 0x6987
SW_SM_INCORRECT = 0x6988


class SecureMessaging:
    """Session keys and send sequence counter of one secure-messaging session.

    :param alg: ``CipherAlg.DES3`` or ``CipherAlg.AES``.
    :param ks_enc: encryption key (16 bytes for 3DES; 16, 24 or 32 for AES).
    :param ks_mac: MAC key.
    :param ssc: initial SSC (bytes of the block size, or an int); zero after PACE and CA.
    """

    def __init__(self, alg: CipherAlg, ks_enc: bytes, ks_mac: bytes, ssc: bytes | int = 0) -> None:
        self.alg = CipherAlg(alg)
        self.ks_enc = bytes(ks_enc)
        self.ks_mac = bytes(ks_mac)
        self._block = self.alg.block_size
        self.ssc = int.from_bytes(ssc, "big") if isinstance(ssc, (bytes, bytearray)) else int(ssc)
        self.broken = False

    def __repr__(self) -> str:  # keys stay out of logs and tracebacks
        return f"SecureMessaging({self.alg.value}, ssc=<hidden>, broken={self.broken})"

    @property
    def ssc_bytes(self) -> bytes:
        """The current SSC as big-endian bytes of the cipher's block size."""
        return (self.ssc % (1 << (8 * self._block))).to_bytes(self._block, "big")

    def _next_ssc(self) -> bytes:
        if self.broken:
            raise SecureMessagingError("secure-messaging session is out of step; authenticate again")
        self.ssc += 1
        return self.ssc_bytes

    def _fail(self, message: str) -> SecureMessagingError:
        self.broken = True
        return SecureMessagingError(message)

    def _iv(self, ssc: bytes) -> bytes:
        if self.alg is CipherAlg.DES3:
            return bytes(8)
        return crypto.aes_ecb_encrypt_block(self.ks_enc, ssc)

    def _mac(self, ssc: bytes, message: bytes) -> bytes:
        return crypto.mac8(self.alg, self.ks_mac, crypto.pad(ssc + message, self._block))

    def _encrypt(self, ssc: bytes, data: bytes) -> bytes:
        return crypto.encrypt(self.alg, self.ks_enc, crypto.pad(data, self._block), self._iv(ssc))

    def _decrypt(self, ssc: bytes, data: bytes) -> bytes:
        if not data or len(data) % self._block:
            raise self._fail("encrypted secure-messaging data is not a whole number of blocks")
        return crypto.unpad(crypto.decrypt(self.alg, self.ks_enc, data, self._iv(ssc)))

    def _data_object(self, ssc: bytes, data: bytes, odd_ins: bool) -> bytes:
        if odd_ins:
            return tlv.encode(0x85, self._encrypt(ssc, data))
        return tlv.encode(0x87, b"\x01" + self._encrypt(ssc, data))

    def _parse_objects(self, body: bytes, allowed: tuple[int, ...]) -> dict[int, tlv.Tlv]:
        try:
            objects = tlv.decode_all(body)
        except TlvError as exc:
            raise self._fail(f"secure-messaging data objects are malformed: {exc}") from exc
        found: dict[int, tlv.Tlv] = {}
        for obj in objects:
            if obj.tag not in allowed or obj.tag in found:
                raise self._fail(f"unexpected secure-messaging data object {obj.tag:X}")
            found[obj.tag] = obj
        if 0x8E not in found:
            raise self._fail("secure-messaging MAC object (DO8E) is missing")
        if objects[-1].tag != 0x8E:
            raise self._fail("secure-messaging MAC object (DO8E) is not last")
        if 0x85 in found and 0x87 in found:
            raise self._fail("both DO85 and DO87 present")
        return found

    def _check_mac(self, ssc: bytes, message: bytes, mac_obj: tlv.Tlv) -> None:
        if not hmac.compare_digest(self._mac(ssc, message), mac_obj.value):
            raise self._fail("secure-messaging MAC does not verify")

    def _open_data(self, ssc: bytes, objs: dict[int, tlv.Tlv]) -> bytes:
        if 0x87 in objs:
            value = objs[0x87].value
            if not value or value[0] != 0x01:
                raise self._fail("DO87 padding-content indicator is not 01")
            return self._decrypt(ssc, value[1:])
        if 0x85 in objs:
            return self._decrypt(ssc, objs[0x85].value)
        return b""

    # -- terminal side ---------------------------------------------------------------------------

    def wrap_command(self, cmd: CommandApdu) -> CommandApdu:
        """Protect a plain command (terminal side); increments the SSC."""
        if cmd.cla & 0x0C:
            raise ValueError("command is already secure-messaging protected")
        ssc = self._next_ssc()
        cla = cmd.cla | 0x0C
        header = bytes((cla, cmd.ins, cmd.p1, cmd.p2))
        do87 = self._data_object(ssc, cmd.data, bool(cmd.ins & 1)) if cmd.data else b""
        do97 = b""
        ext = cmd.is_extended
        if cmd.ne is not None:
            le = (cmd.ne % EXTENDED_MAX_NE).to_bytes(2, "big") if ext else bytes((cmd.ne % SHORT_MAX_NE,))
            do97 = tlv.encode(0x97, le)
        mac = self._mac(ssc, crypto.pad(header, self._block) + do87 + do97)
        body = do87 + do97 + tlv.encode(0x8E, mac)
        ext = ext or len(body) > SHORT_MAX_NC
        return CommandApdu(cla, cmd.ins, cmd.p1, cmd.p2, body,
                           ne=EXTENDED_MAX_NE if ext else SHORT_MAX_NE, extended=ext)

    def unwrap_response(self, data: bytes, sw: int) -> tuple[bytes, int]:
        """Verify and decrypt a protected response (terminal side); returns plain data and DO99's SW."""
        ssc = self._next_ssc()
        if not data:
            if sw in (SW_SM_MISSING, SW_SM_INCORRECT) or sw == 0x9000:
                raise self._fail(f"chip ended secure messaging (status {sw:04X})")
            # Chips may answer an error without protection; the status itself is the answer.
            return b"", sw
        objs = self._parse_objects(bytes(data), (0x85, 0x87, 0x99, 0x8E))
        message = b"".join(objs[t].raw for t in (0x85, 0x87, 0x99) if t in objs)
        self._check_mac(ssc, message, objs[0x8E])
        inner_sw = sw
        if 0x99 in objs:
            if len(objs[0x99].value) != 2:
                raise self._fail("DO99 does not hold a two-byte status word")
            inner_sw = int.from_bytes(objs[0x99].value, "big")
        return self._open_data(ssc, objs), inner_sw

    # -- card side -------------------------------------------------------------------------------

    def unwrap_command(self, cmd: CommandApdu) -> CommandApdu:
        """Verify and decrypt a protected command (card side); increments the SSC."""
        if cmd.cla & 0x0C != 0x0C:
            raise self._fail("command is not secure-messaging protected")
        ssc = self._next_ssc()
        objs = self._parse_objects(cmd.data, (0x85, 0x87, 0x97, 0x8E))
        message = crypto.pad(cmd.header(), self._block) + b"".join(
            objs[t].raw for t in (0x85, 0x87, 0x97) if t in objs)
        self._check_mac(ssc, message, objs[0x8E])
        data = self._open_data(ssc, objs)
        ne: int | None = None
        ext = cmd.is_extended
        if 0x97 in objs:
            le = objs[0x97].value
            if len(le) == 1:
                ne = le[0] or SHORT_MAX_NE
            elif len(le) == 2:
                ne = int.from_bytes(le, "big") or EXTENDED_MAX_NE
                ext = True
            else:
                raise self._fail("DO97 does not hold a one- or two-byte Le")
        try:
            return CommandApdu(cmd.cla & ~0x0C & 0xFF, cmd.ins, cmd.p1, cmd.p2, data, ne=ne,
                               extended=ext or len(data) > SHORT_MAX_NC or (ne or 0) > SHORT_MAX_NE)
        except ValueError as exc:
            raise MalformedApduError(str(exc)) from exc

    def wrap_response(self, data: bytes, sw: int, *, odd_ins: bool = False) -> tuple[bytes, int]:
        """Protect a response (card side); returns the protected data and the outer status word."""
        ssc = self._next_ssc()
        do87 = self._data_object(ssc, data, odd_ins) if data else b""
        do99 = tlv.encode(0x99, sw.to_bytes(2, "big"))
        mac = self._mac(ssc, do87 + do99)
        # The outer SW repeats DO99, except words a transport layer would act on by itself.
        outer = 0x9000 if sw >> 8 in (0x61, 0x6C) else sw
        return do87 + do99 + tlv.encode(0x8E, mac), outer


class SMConnection:
    """A ``CardConnection`` that protects every command and unprotects every response.

    :param inner: the connection below (normally a ``ChainingConnection`` over the transport).
    :param sm: the session from BAC, PACE or chip authentication.
    """

    def __init__(self, inner: CardConnection, sm: SecureMessaging) -> None:
        self.inner = inner
        self.sm = sm

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Protect ``apdu``, send it, verify and decrypt the answer."""
        cmd = CommandApdu.parse(apdu)
        protected = self.sm.wrap_command(cmd)
        data, sw = self.inner.transmit(protected.encode())
        return self.sm.unwrap_response(data, sw)

    def close(self) -> None:
        """Close the wrapped connection."""
        self.inner.close()
