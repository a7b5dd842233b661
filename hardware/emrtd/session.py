"""An eMRTD session: application selection, access control and robust file reading.

ICAO 9303-10 section 3.6 (SELECT, READ BINARY with offsets and DO54 for offsets beyond 32767),
9303-11 sections 4.3/4.4 (BAC/PACE) and 9.8 (secure messaging). Like yubikit's ``PivSession``:
one object on one connection, typed methods, no reader knowledge.

Reading follows what real chips and readers need (DESIGN.md section 3): chunks of at most 224
bytes (less under secure messaging so the protected answer fits a short APDU), shrinking when the
chip answers 6282 with less data, 6CXX or 6700; extended length only when the caller says both
the chip and the reader support it; and after a secure-messaging failure (SSC out of step) a new
authentication and a resumed read from the same offset.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hardware.emrtd import tlv
from hardware.emrtd.apdu import (
    SW,
    CardConnection,
    ChainingConnection,
    CommandApdu,
    INS,
    ResponseApdu,
)
from hardware.emrtd.bac import perform_bac
from hardware.emrtd.crypto import CipherAlg
from hardware.emrtd.errors import ApduError, LdsError, SecureMessagingError, TlvError
from hardware.emrtd.password import AccessKey
from hardware.emrtd.sm import SecureMessaging, SMConnection

log = logging.getLogger(__name__)

EMRTD_AID = bytes.fromhex("A0000002471001")
MF_FID = 0x3F00
EF_CARD_ACCESS = 0x011C
EF_CARD_SECURITY = 0x011D  # at MF level; same FID as EF.SOD inside the application
EF_COM = 0x011E
EF_SOD = 0x011D
MAX_CHUNK = 224
EXTENDED_CHUNK = 1024
MIN_CHUNK = 16
# Largest file the reader accepts. The biggest LDS files (DG2 in JPEG 2000, DG3 fingerprints) stay far
# below it; without a bound a cloned chip could declare up to 4 GB and keep the kiosk reading.
MAX_FILE_SIZE = 4 << 20
_SHORT_LIMIT = 256

ProgressCallback = Callable[[int, int], None]
"""``progress(bytes_read, bytes_expected)``; bytes_expected comes from the file's TLV length."""


def dg_fid(number: int) -> int:
    """File identifier of data group ``number`` (1..16): 0x0101..0x0110."""
    if not 1 <= number <= 16:
        raise ValueError("data group number must be 1..16")
    return 0x0100 + number


def _sm_capacity(alg: CipherAlg | None) -> int:
    """Largest plain chunk whose protected answer still fits a short (256-byte) response."""
    if alg is None:
        return _SHORT_LIMIT
    block = alg.block_size
    # DO87 = 87 81 LL 01 + padded data; DO99 = 4 bytes; DO8E = 10 bytes.
    room = _SHORT_LIMIT - 4 - 4 - 10
    padded = room - room % block
    return padded - 1


@dataclass
class SessionStats:
    """Counters for benchmarks and reports (no chip data)."""

    apdus: int = 0  # on the wire
    chunk_sizes: list[int] = field(default_factory=list)
    reauthentications: int = 0


class _CountingConnection:
    """Counts APDUs on the wire (including BAC/PACE steps and GET RESPONSE rounds)."""

    def __init__(self, inner: CardConnection, stats: SessionStats) -> None:
        self.inner = inner
        self.stats = stats

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Count and forward."""
        self.stats.apdus += 1
        return self.inner.transmit(apdu)

    def close(self) -> None:
        """Close the wrapped connection."""
        self.inner.close()


class EmrtdSession:
    """One eMRTD on one connection.

    :param connection: the transport (reader driver, virtual chip, ``ScriptedConnection``).
    :param extended_length: True only when both the chip and the reader support extended length.
    :param max_chunk: largest READ BINARY request (default 224, or 1024 with extended length).
    :param reauthenticate: called with the session after a secure-messaging failure; it must
        authenticate again (default: repeat the authentications done through this session).
    :param max_reauth: how many re-authentications one ``read_file`` may do.
    """

    def __init__(self, connection: CardConnection, *, extended_length: bool = False,
                 max_chunk: int | None = None,
                 reauthenticate: Callable[[EmrtdSession], None] | None = None,
                 max_reauth: int = 2) -> None:
        self.transport = connection
        self.stats = SessionStats()
        self._base = ChainingConnection(_CountingConnection(connection, self.stats))
        self.sm: SecureMessaging | None = None
        self.extended_length = extended_length
        self.max_chunk = max_chunk or (EXTENDED_CHUNK if extended_length else MAX_CHUNK)
        self._chunk = self.max_chunk
        self._reauth_cb = reauthenticate
        self._auth_steps: list[Callable[[], None]] = []
        self.max_reauth = max_reauth
        self.access_method: str | None = None

    # -- plumbing --------------------------------------------------------------------------------

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send through the current stack (secure messaging when established)."""
        conn: CardConnection = SMConnection(self._base, self.sm) if self.sm else self._base
        return conn.transmit(apdu)

    def send(self, cmd: CommandApdu, accept: tuple[int, ...] = (SW.OK,)) -> ResponseApdu:
        """Send a command; raise ``ApduError`` unless the status word is in ``accept``."""
        data, sw = self.transmit(cmd.encode())
        if sw not in accept:
            raise ApduError(sw, f"chip returned status {sw:04X} to INS {cmd.ins:02X}")
        return ResponseApdu(data, sw)

    @property
    def plain_connection(self) -> CardConnection:
        """The connection below secure messaging (for BAC/PACE/CA steps)."""
        return self._base

    def start_secure_messaging(self, sm: SecureMessaging | None) -> None:
        """Use ``sm`` for every later command (None drops back to plain)."""
        self.sm = sm

    def close(self) -> None:
        """Close the transport."""
        self.transport.close()

    # -- selection -------------------------------------------------------------------------------

    def select_master_file(self) -> None:
        """SELECT the MF (P1=00, FID 3F00). Some chips refuse it; that is not an error here."""
        try:
            self.send(CommandApdu(0x00, INS.SELECT, 0x00, 0x0C, MF_FID.to_bytes(2, "big")))
        except ApduError as exc:
            # Many passports have no selectable MF but still serve EF.CardAccess: carry on.
            log.debug("SELECT MF refused (%04X); continuing", exc.sw)

    def select_application(self) -> None:
        """SELECT the eMRTD application by AID A0000002471001."""
        self.send(CommandApdu(0x00, INS.SELECT, 0x04, 0x0C, EMRTD_AID))

    def select_file(self, fid: int) -> None:
        """SELECT an elementary file by FID in the current DF."""
        self.send(CommandApdu(0x00, INS.SELECT, 0x02, 0x0C, fid.to_bytes(2, "big")))

    def read_card_access(self) -> bytes | None:
        """Read EF.CardAccess in the clear at MF level; None when the chip has none (no PACE)."""
        self.select_master_file()
        try:
            return self.read_file(EF_CARD_ACCESS)
        except ApduError as exc:
            if exc.sw in (SW.FILE_NOT_FOUND, SW.SECURITY_STATUS_NOT_SATISFIED, SW.WRONG_P1P2,
                          SW.INCORRECT_P1P2):
                return None
            raise

    # -- access control --------------------------------------------------------------------------

    def authenticate_bac(self, key: AccessKey, *, rng: Callable[[int], bytes] = os.urandom) -> None:
        """SELECT the application, run BAC, start 3DES secure messaging (Part 11 section 4.3)."""

        def step() -> None:
            self.sm = None
            self.select_application()
            self.sm = perform_bac(self._base, key, rng=rng)

        step()
        self._auth_steps = [step]
        self.access_method = "BAC"

    def authenticate_pace(self, key: AccessKey, card_access: bytes | Any,
                          *, rng: Callable[[int], bytes] = os.urandom) -> Any:
        """Run PACE at MF level with the best PACEInfo of EF.CardAccess, then start secure messaging.

        The eMRTD application is NOT selected here: call ``select_application()`` next (it runs
        under secure messaging). Re-authentication repeats PACE and the selection.

        :param card_access: EF.CardAccess bytes (or parsed ``SecurityInfos``).
        :returns: the ``pace.PaceResult``.
        """
        from hardware.emrtd.pace import pace_from_card_access

        self.sm = None
        result = pace_from_card_access(self._base, key, card_access, rng=rng)
        self.sm = result.sm

        def step() -> None:
            self.sm = None
            self.sm = pace_from_card_access(self._base, key, card_access, rng=rng).sm
            self.select_application()

        self._auth_steps = [step]
        self.access_method = "PACE"
        return result

    def add_reauthentication_step(self, step: Callable[[], None]) -> None:
        """Append a step (for example chip authentication) to the default re-authentication."""
        self._auth_steps.append(step)

    def reauthenticate(self) -> None:
        """Authenticate again after a secure-messaging failure (callback or recorded steps)."""
        self.stats.reauthentications += 1
        self.sm = None
        if self._reauth_cb is not None:
            self._reauth_cb(self)
            return
        if not self._auth_steps:
            raise SecureMessagingError("secure messaging failed and no way to authenticate again")
        for step in self._auth_steps:
            step()

    # -- reading ---------------------------------------------------------------------------------

    def _chunk_limit(self) -> int:
        if self.extended_length:
            return self._chunk
        return min(self._chunk, _sm_capacity(self.sm.alg if self.sm else None))

    def _shrink(self, to: int) -> None:
        if to < MIN_CHUNK:
            raise ApduError(SW.WRONG_LENGTH, "chip refuses even the smallest READ BINARY chunk")
        log.debug("READ BINARY chunk shrunk to %d bytes", to)
        self._chunk = to

    def _read_binary(self, offset: int, n: int) -> bytes:
        """One READ BINARY of up to ``n`` bytes at ``offset``; shrinks and retries as needed."""
        while True:
            if offset <= 0x7FFF:
                cmd = CommandApdu(0x00, INS.READ_BINARY, offset >> 8, offset & 0xFF, ne=n)
            else:
                off = offset.to_bytes((offset.bit_length() + 7) // 8, "big")
                # The answer is wrapped in DO53: ask for its header (up to 4 bytes) as well.
                cmd = CommandApdu(0x00, INS.READ_BINARY_ODD, 0, 0, tlv.encode(0x54, off), ne=n + 4)
            data, sw = self.transmit(cmd.encode())
            if cmd.ins == INS.READ_BINARY_ODD and data:
                try:
                    data = tlv.decode_single(data, 0x53).value
                except TlvError as exc:
                    raise ApduError(sw, "READ BINARY (odd INS) answer is not a DO53") from exc
            if sw in (SW.OK, SW.END_OF_FILE) and data:
                return data
            if sw >> 8 == 0x6C and 0 < (sw & 0xFF) < n:
                self._shrink(sw & 0xFF)
            elif sw in (SW.WRONG_LENGTH, SW.END_OF_FILE) and n > MIN_CHUNK:
                self._shrink(max(MIN_CHUNK, n * 3 // 4))
            else:
                raise ApduError(sw, f"READ BINARY at offset {offset} failed with status {sw:04X}")
            n = min(n, self._chunk_limit())

    @staticmethod
    def _expected_length(head: bytes) -> int | None:
        """Total file length from the outer tag and length bytes; None if ``head`` is too short."""
        if not head:
            return None
        pos = 1
        if head[0] & 0x1F == 0x1F:
            while pos < len(head) and head[pos] & 0x80:
                pos += 1
            pos += 1
        if pos >= len(head):
            return None
        first = head[pos]
        if first < 0x80:
            return pos + 1 + first
        n = first & 0x7F
        if n == 0 or n > 4:
            raise LdsError("file does not start with a valid TLV length")
        if pos + 1 + n > len(head):
            return None
        return pos + 1 + n + int.from_bytes(head[pos + 1:pos + 1 + n], "big")

    def _read_into(self, fid: int, buf: bytearray, progress: ProgressCallback | None) -> None:
        self.select_file(fid)
        total: int | None = None
        if len(buf) >= 8:
            total = self._expected_length(bytes(buf[:8]))
        if total is None:
            # First read only 8 bytes: enough for any tag and length, small enough for any chip.
            while len(buf) < 8:
                chunk = self._read_binary(len(buf), 8 - len(buf))
                buf += chunk
                total = self._expected_length(bytes(buf))
                if total is not None:
                    break
            total = self._expected_length(bytes(buf))
            if total is None:
                raise LdsError(f"file {fid:04X} does not start with a valid TLV header")
        if total > MAX_FILE_SIZE:
            raise LdsError(f"file {fid:04X} declares {total} bytes, more than any LDS file "
                           f"({MAX_FILE_SIZE} at most); it is not read")
        if progress:
            progress(min(len(buf), total), total)
        while len(buf) < total:
            n = min(self._chunk_limit(), total - len(buf))
            chunk = self._read_binary(len(buf), n)
            self.stats.chunk_sizes.append(len(chunk))
            buf += chunk
            if len(chunk) < n and len(buf) < total and len(chunk) >= MIN_CHUNK:
                # The chip (or its I/O buffer) answers less than asked: ask for that much from now on.
                self._chunk = len(chunk)
            if progress:
                progress(min(len(buf), total), total)
        del buf[total:]

    def read_file(self, fid: int, progress: ProgressCallback | None = None) -> bytes:
        """Read a whole elementary file (its length is taken from its outer TLV).

        :param fid: file identifier (``EF_COM``, ``EF_SOD``, ``dg_fid(2)``, ``EF_CARD_ACCESS``...).
        :param progress: called as ``progress(bytes_read, bytes_expected)`` after every chunk.
        :raises ApduError: the file is missing (6A82) or protected (6982), or a read failed.
        :raises SecureMessagingError: after ``max_reauth`` re-authentications did not help.
        :raises CardRemovedError: the card left the field.
        """
        buf = bytearray()
        attempts = 0
        while True:
            try:
                self._read_into(fid, buf, progress)
                return bytes(buf)
            except SecureMessagingError:
                if attempts >= self.max_reauth or (self._reauth_cb is None and not self._auth_steps):
                    raise
                attempts += 1
                log.info("secure messaging failed while reading; authenticating again")
                self.reauthenticate()
