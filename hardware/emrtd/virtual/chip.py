"""A virtual eMRTD chip that answers real ICAO 9303 APDUs (the card side of Parts 10 and 11).

``VirtualChip`` holds the files, the access keys and the optional CA/AA private keys, and plays
the card side of BAC (Part 11 section 4.3), PACE generic mapping (section 4.4, in
``virtual.pace_card``), chip and active authentication (sections 6.1/6.2, in ``virtual.auth_card``)
and 3DES/AES secure messaging (section 9.8, through ``sm.SecureMessaging``' card-side methods).

It is a ``CardConnection`` (``transmit``/``close``) plus ``reset()`` and ``atr``, so the same object
works in-process, behind the vpcd socket and behind nfcpy's udp driver.

Deterministic link model: each APDU adds ``latency_s + bits / bitrate_bps`` to
``simulated_seconds`` (optionally also slept for real), so benchmarks report link time without
depending on this machine's speed. Faults on demand (``ChipFaults``) exercise the reader's
recovery paths. Access rules: application files need BAC or PACE first; DG3 and DG4 (EAC
protected biometrics) are always refused with 6982.
"""
from __future__ import annotations

import hmac
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hardware.emrtd import crypto, tlv
from hardware.emrtd.apdu import SW, CommandApdu, INS, MalformedApduError
from hardware.emrtd.bac import derive_bac_keys, session_from_seeds
from hardware.emrtd.errors import CardRemovedError, EmrtdError, SecureMessagingError
from hardware.emrtd.password import AccessKey, PasswordType
from hardware.emrtd.sm import SecureMessaging
from hardware.emrtd.virtual.faults import ChipFaults, EndlessFile

log = logging.getLogger(__name__)

EMRTD_AID = bytes.fromhex("A0000002471001")
MF = "MF"
APP = "APP"
PROTECTED_DGS = (0x0103, 0x0104)  # DG3 fingerprints, DG4 iris: Extended Access Control only

Response = tuple[bytes, int]


@dataclass
class LinkModel:
    """Simulated link: per-APDU chip latency and link bitrate (None = infinitely fast).

    :param latency_s: chip processing time added to every APDU.
    :param bitrate_bps: link speed; command and response bytes (with SW) cost 8 bits each.
    :param sleep: also sleep for real (off by default: tests and benchmarks stay deterministic).
    """

    latency_s: float = 0.0
    bitrate_bps: float | None = None
    sleep: bool = False

    def cost(self, n_bytes: int) -> float:
        """Seconds one APDU exchange of ``n_bytes`` (both directions) takes on this link."""
        seconds = self.latency_s
        if self.bitrate_bps:
            seconds += n_bytes * 8 / self.bitrate_bps
        return seconds


@dataclass
class ChipCounters:
    """What the chip has done (for tests and benchmarks)."""

    apdus: int = 0
    simulated_seconds: float = 0.0
    file_bytes_served: int = 0
    sm_responses: int = 0
    bytes_on_link: int = 0
    read_sizes: list[int] = field(default_factory=list)


class VirtualChip:
    """A passport chip in software.

    :param files: application files ``{fid: bytes}`` (EF.COM 011E, EF.SOD 011D, DG1 0101, ...); an
        EF.CardAccess (011C) given here is moved to the MF.
    :param mf_files: MF-level files (EF.CardAccess 011C, EF.CardSecurity 011D). When PACE is
        configured and no 011C is given, EF.CardAccess is built from ``pace``.
    :param mrz_key: the document's MRZ key (enables BAC and PACE with the MRZ).
    :param can: the card access number key (enables PACE with the CAN).
    :param pace: PACE configurations the chip offers (``virtual.pace_card.PaceOffer``); empty = no PACE.
    :param ca_private_key: chip-authentication private key (a ``cryptography`` EC private key or a
        ``domain_params.DhPrivateKey``)
        matching the ChipAuthenticationPublicKeyInfo in DG14.
    :param aa_private_key: active-authentication private key (RSA or EC, ``cryptography``) of DG15.
    :param aa_hash: hash for ECDSA active authentication (``"sha256"``...) as DG14 announces it.
    :param extended_length: accept extended-length APDUs (else they get 6700).
    :param faults: fault injection.
    :param link: link model for simulated time.
    :param rng: randomness (tests may pass a seeded source).
    """

    def __init__(self, files: Mapping[int, bytes], *, mf_files: Mapping[int, bytes] | None = None,
                 mrz_key: AccessKey | None = None, can: AccessKey | None = None,
                 pace: Sequence[Any] = (), ca_private_key: Any = None, aa_private_key: Any = None,
                 aa_hash: str = "sha256", extended_length: bool = False,
                 faults: ChipFaults | None = None, link: LinkModel | None = None,
                 rng: Callable[[int], bytes] = os.urandom) -> None:
        if mrz_key is not None and mrz_key.kind is not PasswordType.MRZ:
            raise ValueError("mrz_key must be an MRZ AccessKey")
        if can is not None and can.kind is not PasswordType.CAN:
            raise ValueError("can must be a CAN AccessKey")
        self.files = {int(k): bytes(v) for k, v in files.items()}
        self.mf_files = {int(k): bytes(v) for k, v in (mf_files or {}).items()}
        if 0x011C in self.files:  # EF.CardAccess lives at MF level, whoever passed it here
            self.mf_files.setdefault(0x011C, self.files.pop(0x011C))
        self.mrz_key = mrz_key
        self.can = can
        self.pace_offers = list(pace)
        self.ca_private_key = ca_private_key
        self.aa_private_key = aa_private_key
        self.aa_hash = aa_hash
        self.extended_length = extended_length
        self.faults = faults or ChipFaults()
        self.link = link or LinkModel()
        self.rng = rng
        self.counters = ChipCounters()
        self._lock = threading.RLock()
        self._removed = False
        self._removal_done = False
        self._mac_fault_done = False
        if self.pace_offers and 0x011C not in self.mf_files:
            from hardware.emrtd.virtual.pace_card import build_card_access

            self.mf_files[0x011C] = build_card_access(self.pace_offers)
        self.reset()

    # -- CardConnection --------------------------------------------------------------------------

    @property
    def atr(self) -> bytes:
        """An ISO 14443-4 style ATR; historical bytes announce extended length when enabled."""
        caps = 0x80 | (0x40 if self.extended_length else 0x00)  # command chaining, extended Lc/Le
        hist = bytes((0x80, 0x73, 0x80, 0x21, caps))
        body = bytes((0x80 | len(hist), 0x80, 0x01)) + hist
        tck = 0
        for b in body:
            tck ^= b
        return b"\x3b" + body + bytes((tck,))

    def reset(self) -> None:
        """Power cycle: forget selection, secure messaging and authentication; a removed card is back."""
        with self._lock:
            self._removed = False
            self.df = MF
            self.ef: int | None = None
            self.sm: SecureMessaging | None = None
            self.authenticated: str | None = None  # "BAC", "PACE" once access control succeeded
            self.challenge: bytes | None = None
            self.state: dict[str, Any] = {}  # protocol state of PACE / CA handlers
            self._pending_sm: SecureMessaging | None = None
            self._pending_response = b""
            self._pending_sw: int = SW.OK

    def remove(self) -> None:
        """Take the card out of the field: every ``transmit`` raises ``CardRemovedError``."""
        self._removed = True

    def close(self) -> None:
        """Nothing to release (a reader driver would disconnect here)."""

    @property
    def simulated_seconds(self) -> float:
        """Accumulated simulated link time."""
        return self.counters.simulated_seconds

    def transmit(self, apdu: bytes) -> Response:
        """Process one command APDU and return ``(data, sw)``."""
        with self._lock:
            if self._removed:
                raise CardRemovedError("the card left the reader's field")
            data, sw = self._process(bytes(apdu))
            n = len(apdu) + len(data) + 2
            cost = self.link.cost(n)
            self.counters.apdus += 1
            self.counters.bytes_on_link += n
            self.counters.simulated_seconds += cost
        if self.link.sleep and cost > 0:
            time.sleep(cost)
        return data, sw

    # -- dispatch --------------------------------------------------------------------------------

    def _drop_session(self) -> None:
        self.sm = None
        self.authenticated = None
        self.state = {}

    def _process(self, raw: bytes) -> Response:
        try:
            cmd = CommandApdu.parse(raw)
        except MalformedApduError:
            return b"", SW.WRONG_LENGTH
        if cmd.is_extended and not self.extended_length:
            return b"", SW.WRONG_LENGTH
        if cmd.ins == INS.GET_RESPONSE and cmd.cla == 0x00:
            return self._get_response(cmd)
        self._pending_response = b""
        data, sw = self._process_command(cmd)
        if not cmd.is_extended and len(data) > 256:
            # ISO/IEC 7816-4 section 5.3.4: the rest waits for GET RESPONSE (61XX).
            self._pending_response = data[256:]
            self._pending_sw = sw
            return data[:256], 0x6100 | (min(len(self._pending_response), 256) & 0xFF)
        return data, sw

    def _get_response(self, cmd: CommandApdu) -> Response:
        if not self._pending_response:
            return b"", SW.CONDITIONS_NOT_SATISFIED
        n = cmd.ne or 256
        chunk, self._pending_response = self._pending_response[:n], self._pending_response[n:]
        if self._pending_response:
            return chunk, 0x6100 | (min(len(self._pending_response), 256) & 0xFF)
        return chunk, self._pending_sw

    def _process_command(self, cmd: CommandApdu) -> Response:
        if cmd.cla & 0x0C == 0x0C:
            if self.sm is None:
                return b"", SW.SM_DATA_MISSING
            try:
                plain = self.sm.unwrap_command(cmd)
            except (SecureMessagingError, MalformedApduError):
                # The SSC is out of step: the session is over (Part 11 section 9.8.4).
                self._drop_session()
                return b"", SW.SM_DATA_INCORRECT
            outer_ne = cmd.ne or 256
            sm = self.sm
            data, sw = self._dispatch(plain, secure=True, outer_ne=outer_ne)
            if self.sm is not sm:  # the handler ended or replaced the session
                return data, sw
            wrapped, outer = sm.wrap_response(data, sw, odd_ins=bool(plain.ins & 1) and bool(data))
            self.counters.sm_responses += 1
            k = self.faults.corrupt_mac_on_response
            if k is not None and not self._mac_fault_done and self.counters.sm_responses >= k:
                self._mac_fault_done = True
                wrapped = wrapped[:-1] + bytes((wrapped[-1] ^ 0x01,))
            if self._pending_sm is not None:  # chip authentication: new keys after this answer
                self.sm, self._pending_sm = self._pending_sm, None
            return wrapped, outer
        if self.sm is not None:
            # A plain command inside a secure-messaging session ends it (Part 11 section 9.8.4).
            self._drop_session()
        return self._dispatch(cmd, secure=False, outer_ne=cmd.ne or 256)

    def _dispatch(self, cmd: CommandApdu, *, secure: bool, outer_ne: int) -> Response:
        handlers: dict[int, Callable[[CommandApdu, bool, int], Response]] = {
            INS.SELECT: self._select,
            INS.READ_BINARY: self._read_binary,
            INS.READ_BINARY_ODD: self._read_binary,
            INS.GET_CHALLENGE: self._get_challenge,
            INS.EXTERNAL_AUTHENTICATE: self._external_authenticate,
            INS.MSE: self._mse,
            INS.GENERAL_AUTHENTICATE: self._general_authenticate,
            INS.INTERNAL_AUTHENTICATE: self._internal_authenticate,
        }
        handler = handlers.get(cmd.ins)
        if handler is None:
            return b"", SW.INS_NOT_SUPPORTED
        if cmd.cla & 0x10 and cmd.ins != INS.GENERAL_AUTHENTICATE:
            return b"", SW.CLA_NOT_SUPPORTED
        try:
            return handler(cmd, secure, outer_ne)
        except CardRemovedError:
            raise
        except EmrtdError as exc:
            log.debug("virtual chip rejected a command: %s", type(exc).__name__)
            self.state = {}  # a protocol (PACE, CA) in progress is aborted
            return b"", SW.WRONG_DATA
        except (ValueError, KeyError, IndexError) as exc:
            # Malformed data inside well-formed TLVs (an OID that is no OID...): a card answers
            # 6F00 rather than dying, and the vpcd/nfcpy front ends keep running.
            log.debug("virtual chip could not process a command: %s", type(exc).__name__)
            self.state = {}
            return b"", SW.NO_PRECISE_DIAGNOSIS

    # -- files -----------------------------------------------------------------------------------

    def _current_files(self) -> dict[int, bytes]:
        return self.files if self.df == APP else self.mf_files

    def _select(self, cmd: CommandApdu, secure: bool, outer_ne: int) -> Response:
        if cmd.p1 == 0x04:
            if cmd.data != EMRTD_AID:
                return b"", SW.FILE_NOT_FOUND
            self.df, self.ef = APP, None
            return b"", SW.OK
        if cmd.p1 in (0x00, 0x02):
            if cmd.p1 == 0x00 and cmd.data in (b"", b"\x3f\x00"):
                self.df, self.ef = MF, None
                return b"", SW.OK
            if len(cmd.data) != 2:
                return b"", SW.WRONG_DATA
            fid = int.from_bytes(cmd.data, "big")
            if fid not in self._current_files():
                return b"", SW.FILE_NOT_FOUND
            self.ef = fid
            if cmd.p2 & 0x0C == 0x0C:
                return b"", SW.OK
            fcp = tlv.encode(0x62, tlv.encode(0x80, len(self._current_files()[fid]).to_bytes(2, "big"))
                             + tlv.encode(0x83, cmd.data))
            return fcp, SW.OK
        return b"", SW.INCORRECT_P1P2

    def _readable(self, fid: int) -> int | None:
        """Status word refusing the read, or None when allowed."""
        if self.df == APP:
            if self.authenticated is None or self.sm is None:
                return SW.SECURITY_STATUS_NOT_SATISFIED
            if fid in PROTECTED_DGS:
                return SW.SECURITY_STATUS_NOT_SATISFIED
        elif fid != 0x011C and self.sm is None:  # EF.CardSecurity needs PACE
            return SW.SECURITY_STATUS_NOT_SATISFIED
        return None

    def _sm_room(self, outer_ne: int) -> int:
        """Largest plain answer whose protected form fits ``outer_ne`` bytes."""
        assert self.sm is not None
        block = self.sm.alg.block_size
        n = outer_ne
        while n > 0:
            padded = (n // block + 1) * block
            body = 1 + padded
            size = 1 + len(tlv.encode_length(body)) + body + 4 + 10
            if size <= outer_ne:
                return n
            n -= 1
        return 0

    def _read_binary(self, cmd: CommandApdu, secure: bool, outer_ne: int) -> Response:
        files = self._current_files()
        if cmd.ins == INS.READ_BINARY:
            if cmd.p1 & 0x80:
                sfi = cmd.p1 & 0x1F
                matches = [fid for fid in files if fid & 0xFF == sfi]
                if not matches:
                    return b"", SW.FILE_NOT_FOUND
                self.ef = matches[0]
                offset = cmd.p2
            else:
                offset = ((cmd.p1 & 0x7F) << 8) | cmd.p2
        else:
            fid = (cmd.p1 << 8) | cmd.p2
            if fid:
                if fid not in files:
                    return b"", SW.FILE_NOT_FOUND
                self.ef = fid
            try:
                off_do = tlv.decode_single(cmd.data, 0x54)
            except EmrtdError:
                return b"", SW.WRONG_DATA
            if not 1 <= len(off_do.value) <= 3:
                return b"", SW.WRONG_DATA
            offset = int.from_bytes(off_do.value, "big")
        if self.ef is None or self.ef not in files:
            return b"", SW.CONDITIONS_NOT_SATISFIED
        refusal = self._readable(self.ef)
        if refusal is not None:
            return b"", refusal
        ne = cmd.ne or 0
        if ne == 0:
            return b"", SW.WRONG_LENGTH
        mr = self.faults.max_read
        sw_eof = SW.OK
        if mr is not None and ne > mr:
            if self.faults.oversize_sw >> 8 == 0x6C:
                return b"", 0x6C00 | (mr & 0xFF)
            if self.faults.oversize_sw == SW.END_OF_FILE:
                ne, sw_eof = mr, SW.END_OF_FILE
            else:
                return b"", self.faults.oversize_sw
        content: Any = files[self.ef]
        if self.ef == self.faults.endless_file:
            content = EndlessFile(content[:1] or b"\x75", self.faults.endless_length)
        elif offset > len(content) or (offset == len(content) and content):
            return b"", SW.WRONG_P1P2
        if secure and not self.extended_length:
            ne = min(ne, self._sm_room(outer_ne))
        elif not secure:
            ne = min(ne, outer_ne)
        if cmd.ins & 1:
            ne -= 4  # room for the DO53 header
        data = content[offset:offset + max(ne, 0)]
        if len(data) < ne and sw_eof == SW.OK:
            sw_eof = SW.END_OF_FILE
        if self.df == APP:
            self._serve(len(data))
        self.counters.read_sizes.append(len(data))
        if cmd.ins & 1:
            data = tlv.encode(0x53, data)
        return data, sw_eof

    def _serve(self, n: int) -> None:
        limit = self.faults.remove_after_bytes
        if limit is not None and not self._removal_done and self.counters.file_bytes_served + n > limit:
            self._removal_done = True
            self._removed = True
            raise _Removed()
        self.counters.file_bytes_served += n

    # -- BAC -------------------------------------------------------------------------------------

    def _get_challenge(self, cmd: CommandApdu, secure: bool, outer_ne: int) -> Response:
        if cmd.ne != 8:
            return b"", SW.WRONG_LENGTH
        self.challenge = self.rng(8)
        return self.challenge, SW.OK

    def _external_authenticate(self, cmd: CommandApdu, secure: bool, outer_ne: int) -> Response:
        if self.faults.bac_disabled or self.mrz_key is None:
            return b"", SW.REFERENCED_DATA_NOT_FOUND
        if self.challenge is None or secure:
            return b"", SW.CONDITIONS_NOT_SATISFIED
        rnd_ic, self.challenge = self.challenge, None
        if len(cmd.data) != 40:
            return b"", SW.WRONG_LENGTH
        k_enc, k_mac = derive_bac_keys(self.mrz_key.bac_seed())
        e_ifd, m_ifd = cmd.data[:32], cmd.data[32:]
        if not hmac.compare_digest(crypto.retail_mac(k_mac, e_ifd), m_ifd):
            return b"", SW.SECURITY_STATUS_NOT_SATISFIED
        s = crypto.des3_cbc_decrypt(k_enc, e_ifd)
        rnd_ifd, k_ifd = s[:8], s[16:32]
        if s[8:16] != rnd_ic:
            return b"", SW.SECURITY_STATUS_NOT_SATISFIED
        k_ic = self.rng(16)
        e_ic = crypto.des3_cbc_encrypt(k_enc, rnd_ic + rnd_ifd + k_ic)
        self.sm = session_from_seeds(k_ifd, k_ic, rnd_ic, rnd_ifd)
        self.authenticated = "BAC"
        return e_ic + crypto.retail_mac(k_mac, e_ic), SW.OK

    # -- PACE, CA, AA (card-side protocol code lives in sibling modules) ---------------------------

    def _mse(self, cmd: CommandApdu, secure: bool, outer_ne: int) -> Response:
        from hardware.emrtd.virtual import auth_card, pace_card

        if (cmd.p1, cmd.p2) == (0xC1, 0xA4):
            return pace_card.mse_set_at(self, cmd, secure)
        if (cmd.p1, cmd.p2) in ((0x41, 0xA4), (0x41, 0xA6)):
            return auth_card.mse_chip_auth(self, cmd, secure)
        return b"", SW.INCORRECT_P1P2

    def _general_authenticate(self, cmd: CommandApdu, secure: bool, outer_ne: int) -> Response:
        from hardware.emrtd.virtual import auth_card, pace_card

        if self.state.get("protocol") == "PACE":
            return pace_card.general_authenticate(self, cmd, secure)
        if self.state.get("protocol") == "CA":
            return auth_card.general_authenticate_ca(self, cmd, secure)
        return b"", SW.CONDITIONS_NOT_SATISFIED

    def _internal_authenticate(self, cmd: CommandApdu, secure: bool, outer_ne: int) -> Response:
        from hardware.emrtd.virtual import auth_card

        return auth_card.internal_authenticate(self, cmd, secure)

    def start_pending_session(self, sm: SecureMessaging) -> None:
        """Switch to ``sm`` after the current (still old-key) response: chip authentication."""
        self._pending_sm = sm


class _Removed(CardRemovedError):
    """Raised inside processing when the removal fault fires."""
