"""Reading an e-passport end to end: an ordered list of steps over one card connection.

The sequence follows ICAO 9303-11 section 4.2 (access control: PACE when EF.CardAccess offers it,
else BAC), 9303-10 section 4 (the LDS files) and 9303-11 sections 6.1/6.2 (chip and active
authentication), the way gmrtd's ``reader`` runs it:

    EF.CardAccess (clear) -> PACE, or BAC as fallback -> SELECT eMRTD application -> EF.COM ->
    EF.SOD -> DG1 -> DG2 -> DG11/DG12/DG14/DG15 when listed -> chip authentication (DG14) ->
    active authentication (DG15, challenge from the caller) -> passive authentication (optional
    callback) -> done.

Progress is a stable contract: ``ReadPhase`` numbers never change meaning (``str()`` is for logs
only), and the callback gets bytes read out of bytes expected for file phases. A failed read returns
the partial result and a redacted APDU log (header, lengths and status words: never data bytes)
instead of raising, so the kiosk can show what went wrong and support can see where.

Every read is bounded (``read_limits.ReadLimits``): per-file caps on the declared length, and an APDU
and time budget. A chip that breaks one ends the read with ``ChipLimitError``, whose screen text is
``ChipReadResult.user_message``.
"""
from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hardware.emrtd import active_auth, chip_auth, lds, pace_cam
from hardware.emrtd.apdu import CardConnection
from hardware.emrtd.atr import atr_announces_extended_length
from hardware.emrtd.errors import AccessControlError, ApduError, EmrtdError, LdsError
from hardware.emrtd.lds import security_infos
from hardware.emrtd.password import AccessKey, PasswordType
from hardware.emrtd.read_limits import BudgetedConnection, ReadLimits
from hardware.emrtd.session import EF_CARD_SECURITY, EF_COM, EF_SOD, EmrtdSession, dg_fid
from hardware.errors import HardwareError

log = logging.getLogger(__name__)

SW_BAC_NOT_AVAILABLE = 0x6A88
OPTIONAL_DATA_GROUPS = (11, 12, 14, 15)


class ReadPhase(enum.IntEnum):
    """Stable numbered phases of a read. The numbers are the contract; ``str()`` is for logs.

    ``CONNECT`` is for the caller (opening the reader, waiting for the card) and tags APDUs sent
    before the first step. On the BAC path the application is selected inside ``BAC`` (BAC needs
    it first), so ``SELECT_APPLICATION`` is reported only after PACE. Phases that do not apply
    (no DG11, no challenge for AA...) are skipped, never reported out of order.
    """

    CONNECT = 0
    CARD_ACCESS = 1
    PACE = 2
    BAC = 3
    SELECT_APPLICATION = 4
    COM = 5
    SOD = 6
    DG1 = 7
    DG2 = 8
    DG11 = 9
    DG12 = 10
    DG14 = 11
    DG15 = 12
    CHIP_AUTHENTICATION = 13
    ACTIVE_AUTHENTICATION = 14
    PASSIVE_AUTHENTICATION = 15
    DONE = 16

    def __str__(self) -> str:
        return self.name.lower().replace("_", " ")


class AccessMethod(enum.Enum):
    """Which access control to use: PACE first with BAC fallback (AUTO), or one of them only."""

    AUTO = "auto"
    PACE = "pace"
    BAC = "bac"


_DG_PHASES = {1: ReadPhase.DG1, 2: ReadPhase.DG2, 11: ReadPhase.DG11, 12: ReadPhase.DG12,
              14: ReadPhase.DG14, 15: ReadPhase.DG15}


@dataclass(frozen=True)
class ReadProgress:
    """One progress report: the phase and, for file phases, bytes read out of bytes expected."""

    phase: ReadPhase
    bytes_read: int = 0
    bytes_expected: int = 0


@dataclass(frozen=True)
class ApduLogEntry:
    """One exchange, redacted: header bytes, lengths and status word only (no data bytes)."""

    phase: ReadPhase
    cla: int
    ins: int
    p1: int
    p2: int
    command_length: int
    response_length: int
    sw: int | None
    seconds: float

    def __str__(self) -> str:
        sw = f"{self.sw:04X}" if self.sw is not None else "----"
        return (f"[{self.phase}] {self.cla:02X} {self.ins:02X} {self.p1:02X} {self.p2:02X} "
                f"cmd={self.command_length} rsp={self.response_length} sw={sw}")


class _LoggingConnection:
    """Wraps the transport: counts exchanges and keeps the redacted log, tagged with the phase."""

    def __init__(self, inner: CardConnection) -> None:
        self.inner = inner
        self.phase = ReadPhase.CONNECT
        self.entries: list[ApduLogEntry] = []

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        start = time.perf_counter()
        header = bytes(apdu[:4]).ljust(4, b"\0")
        sw: int | None = None
        rlen = 0
        try:
            data, status = self.inner.transmit(apdu)
            sw, rlen = int(status), len(data)
            return data, status
        finally:
            self.entries.append(ApduLogEntry(self.phase, header[0], header[1], header[2], header[3],
                                             len(apdu), rlen, sw, time.perf_counter() - start))

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> Any:  # extended_length, simulated_seconds, atr...
        return getattr(self.inner, name)


@dataclass
class ChipReadResult:
    """Everything a read produced (also when it failed part-way).

    ``files`` holds raw bytes by file identifier (``0x011E`` EF.COM, ``0x011D`` EF.SOD, ``0x0101``
    DG1...); ``card_access`` is EF.CardAccess when the chip has one, ``card_security`` EF.CardSecurity
    when PACE-CAM needed it (give it to passive authentication: it carries the key CAM was checked
    against). Parsed objects keep their own
    raw bytes. ``phase_seconds`` is host wall time per phase; ``phase_link_seconds`` the simulated
    link time per phase when the transport models one (the virtual chip). ``error`` is the typed
    error that stopped the read (``None`` when it completed) and ``failed_phase`` where.
    """

    files: dict[int, bytes] = field(default_factory=dict)
    card_access: bytes | None = None
    card_security: bytes | None = None  # EF.CardSecurity (MF level), read after PACE-CAM
    access_method: str | None = None
    pace_mapping: str | None = None  # "GM" or "CAM" when PACE was used
    pace_cam: Any = None  # pace_cam.CamData: what an auditor needs to re-check PACE-CAM
    com: Any = None
    sod: Any = None
    dg1: Any = None
    dg2: Any = None
    dg11: Any = None
    dg12: Any = None
    dg14: Any = None
    dg15: Any = None
    chip_authentication: Any = None
    active_authentication: Any = None
    passive_authentication: Any = None
    phase_seconds: dict[ReadPhase, float] = field(default_factory=dict)
    phase_link_seconds: dict[ReadPhase, float] = field(default_factory=dict)
    apdu_count: int = 0
    chunk_sizes: list[int] = field(default_factory=list)
    apdu_log: list[ApduLogEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: HardwareError | None = None
    failed_phase: ReadPhase | None = None

    @property
    def ok(self) -> bool:
        """True when every step ran (authentication verdicts are in their own fields)."""
        return self.error is None

    @property
    def total_seconds(self) -> float:
        """Host wall time of all phases."""
        return sum(self.phase_seconds.values())

    @property
    def link_seconds(self) -> float:
        """Simulated link time of all phases (0 for real readers)."""
        return sum(self.phase_link_seconds.values())

    def data_groups(self) -> dict[int, bytes]:
        """Raw data groups read, by number (``{1: dg1_bytes, 2: ...}``)."""
        return {fid - 0x0100: raw for fid, raw in self.files.items() if 0x0101 <= fid <= 0x0110}

    @property
    def user_message(self) -> str | None:
        """Screen text for the error that stopped the read when it has one (limits broken), else None."""
        return getattr(self.error, "user_message", None) if self.error is not None else None

    def raise_for_error(self) -> None:
        """Raise the error that stopped the read, if any."""
        if self.error is not None:
            raise self.error


ProgressCallback = Callable[[ReadProgress], None]
PassiveAuthCallback = Callable[[ChipReadResult], Any]


class EmrtdReader:
    """Reads one passport through one connection.

    :param connection: any ``CardConnection`` (PC/SC, nfcpy, the virtual chip in-process).
    :param access_key: MRZ or CAN key (``AccessKey.from_mrz`` / ``from_can``).
    :param method: ``AccessMethod.AUTO`` (PACE first, BAC fallback), ``PACE`` or ``BAC`` only.
    :param progress: called with a ``ReadProgress`` at every phase start and after every chunk; it runs
        on the reading thread and must return quickly.
    :param aa_challenge: 8 random bytes for active authentication. The caller supplies them (from its
        own randomness, or bound to a transaction) so a relayed chip cannot have prepared an answer;
        without a challenge AA is skipped even when DG15 is present.
    :param chip_authentication: run chip authentication when DG14 offers it.
    :param passive_auth: optional callback run on the result (for example passive authentication
        against a trust store); its return value lands in ``passive_authentication``.
    :param data_groups: data groups to read besides DG1 and DG2 when EF.COM lists them.
    :param extended_length: use extended-length reads (only when chip and reader both support it).
    :param limits: per-file length caps, APDU and time budget of the read (``ReadLimits()`` defaults);
        a chip that breaks one stops the read with ``ChipLimitError``.
    """

    def __init__(self, connection: CardConnection, access_key: AccessKey, *,
                 method: AccessMethod = AccessMethod.AUTO, progress: ProgressCallback | None = None,
                 aa_challenge: bytes | None = None, chip_authentication: bool = True,
                 passive_auth: PassiveAuthCallback | None = None,
                 data_groups: tuple[int, ...] = OPTIONAL_DATA_GROUPS,
                 extended_length: bool | None = None, limits: ReadLimits | None = None) -> None:
        if aa_challenge is not None and len(aa_challenge) != 8:
            raise ValueError("the active authentication challenge must be 8 bytes")
        if method is AccessMethod.BAC and access_key.kind is PasswordType.CAN:
            raise AccessControlError("BAC needs the MRZ: a CAN works only with PACE")
        self.limits = limits or ReadLimits()
        self._conn = _LoggingConnection(BudgetedConnection(connection, self.limits))
        self.access_key = access_key
        self.method = method
        self._progress = progress
        self.aa_challenge = aa_challenge
        self.do_chip_authentication = chip_authentication
        self._passive_auth = passive_auth
        self.optional_data_groups = tuple(data_groups)
        if extended_length is None:
            # Both sides must support it: the reader says so itself, the chip in its ATR.
            extended_length = bool(getattr(connection, "extended_length", False)) and \
                atr_announces_extended_length(bytes(getattr(connection, "atr", b"") or b"")) is True
        self.session = EmrtdSession(self._conn, extended_length=extended_length,
                                    max_file_bytes=self.limits.other_file_cap)
        self._result = ChipReadResult()
        self._phase_start = 0.0
        self._link_start = 0.0

    # -- bookkeeping -----------------------------------------------------------------------------

    def _link_now(self) -> float:
        value = getattr(self._conn.inner.inner, "simulated_seconds", 0.0)
        return float(value) if isinstance(value, (int, float)) else 0.0

    def _enter(self, phase: ReadPhase) -> None:
        self._close_phase()
        self._conn.phase = phase
        self._phase_start = time.perf_counter()
        self._link_start = self._link_now()
        self._report(ReadProgress(phase))

    def _close_phase(self) -> None:
        phase = self._conn.phase
        if self._phase_start:
            r = self._result
            r.phase_seconds[phase] = r.phase_seconds.get(phase, 0.0) + time.perf_counter() - self._phase_start
            link = self._link_now() - self._link_start
            if link:
                r.phase_link_seconds[phase] = r.phase_link_seconds.get(phase, 0.0) + link
        self._phase_start = 0.0

    def _report(self, event: ReadProgress) -> None:
        if self._progress is not None:
            try:
                self._progress(event)
            except Exception:  # a broken progress display must not break the read
                log.exception("progress callback failed")

    def _file_progress(self, phase: ReadPhase) -> Callable[[int, int], None]:
        return lambda done, total: self._report(ReadProgress(phase, done, total))

    # -- steps -----------------------------------------------------------------------------------

    def read(self) -> ChipReadResult:
        """Run every step; return the result (``result.error`` tells whether and where it failed)."""
        r = self._result
        try:
            self._access_control()
            self._read_files()
            self._authenticate_chip()
            if self._passive_auth is not None:
                self._enter(ReadPhase.PASSIVE_AUTHENTICATION)
                r.passive_authentication = self._passive_auth(r)
            self._enter(ReadPhase.DONE)
        except HardwareError as exc:
            r.error = exc
            r.failed_phase = self._conn.phase
            log.info("passport read failed in phase %s: %s", r.failed_phase, type(exc).__name__)
        finally:
            self._close_phase()
            r.apdu_log = list(self._conn.entries)
            r.apdu_count = len(r.apdu_log)
            r.chunk_sizes = list(self.session.stats.chunk_sizes)
        return r

    def _access_control(self) -> None:
        r = self._result
        key = self.access_key
        if self.method is not AccessMethod.BAC:
            self._enter(ReadPhase.CARD_ACCESS)
            r.card_access = self.session.read_card_access(self.limits.file_cap(0x011C))
            if r.card_access is None and (self.method is AccessMethod.PACE or key.kind is PasswordType.CAN):
                raise AccessControlError("the chip offers no PACE (no EF.CardAccess): "
                                         + ("a CAN cannot be used" if key.kind is PasswordType.CAN
                                            else "try BAC"))
        if r.card_access is not None and self.method is not AccessMethod.BAC:
            self._enter(ReadPhase.PACE)
            try:
                self._pace(r.card_access)
                r.access_method = "PACE"
            except (AccessControlError, ApduError) as exc:
                if self.method is AccessMethod.PACE or key.kind is PasswordType.CAN:
                    raise
                r.notes.append(f"PACE failed ({exc}); trying BAC")
                log.info("PACE failed (%s); falling back to BAC", type(exc).__name__)
        if r.access_method is None:
            self._enter(ReadPhase.BAC)
            try:
                self.session.authenticate_bac(key)  # selects the application, then BAC
            except (AccessControlError, ApduError) as exc:
                if getattr(exc, "sw", None) == SW_BAC_NOT_AVAILABLE:
                    raise AccessControlError(
                        "this passport has BAC switched off and PACE did not succeed: "
                        "check the document number, birth and expiry dates (or the CAN)") from exc
                raise
            r.access_method = "BAC"
        else:
            self._enter(ReadPhase.SELECT_APPLICATION)
            self.session.select_application()

    def _pace(self, card_access: bytes) -> None:
        result = self.session.authenticate_pace(self.access_key, card_access)
        r = self._result
        r.pace_mapping = result.info.mapping
        if result.cam is not None:
            r.pace_cam = result.cam
            r.chip_authentication = self._verify_cam(result)

    def _verify_cam(self, pace_result: Any) -> Any:
        """PACE-CAM: read EF.CardSecurity (MF level, under the new secure messaging) and check the
        chip against its signed key. A chip that cannot show the file fails chip authentication
        (never falls back to BAC: PACE itself succeeded)."""
        r = self._result
        try:
            r.card_security = self.session.read_file(EF_CARD_SECURITY, max_length=self.limits.file_cap(EF_SOD))
            infos = security_infos.parse_card_security(r.card_security)
        except (ApduError, LdsError) as exc:  # a removed card or broken secure messaging still stops the read
            r.notes.append(f"EF.CardSecurity unusable for PACE-CAM ({exc})")
            infos = None
        return pace_cam.verify_cam(pace_result.cam, pace_result.domain, infos)

    def _read(self, phase: ReadPhase, fid: int) -> bytes:
        self._enter(phase)
        raw = self.session.read_file(fid, progress=self._file_progress(phase), max_length=self.limits.file_cap(fid))
        self._result.files[fid] = raw
        return raw

    def _read_files(self) -> None:
        r = self._result
        r.com = lds.parse_com(self._read(ReadPhase.COM, EF_COM))
        r.sod = lds.parse_sod(self._read(ReadPhase.SOD, EF_SOD))
        r.dg1 = lds.parse_dg1(self._read(ReadPhase.DG1, dg_fid(1)))
        r.dg2 = lds.parse_dg2(self._read(ReadPhase.DG2, dg_fid(2)))
        listed = set(r.com.data_groups)
        for number in self.optional_data_groups:
            if number not in listed or number not in _DG_PHASES:
                continue
            try:
                raw = self._read(_DG_PHASES[number], dg_fid(number))
            except ApduError as exc:
                # Listed but unreadable (access denied, missing): note it, passive authentication
                # will judge; a removed card or broken secure messaging still stops the read.
                r.notes.append(f"DG{number} could not be read (status {exc.sw:04X})")
                continue
            self._parse_optional(number, raw)

    def _parse_optional(self, number: int, raw: bytes) -> None:
        r = self._result
        if number == 11:
            r.dg11 = lds.parse_dg11(raw)
        elif number == 12:
            r.dg12 = lds.parse_dg12(raw)
        elif number == 14:
            r.dg14 = _parse_dg14(raw)
        elif number == 15:
            r.dg15 = lds.parse_dg15(raw)

    def _authenticate_chip(self) -> None:
        r = self._result
        if r.chip_authentication is None and self.do_chip_authentication and r.dg14 is not None:
            # (PACE-CAM already authenticated the chip: ICAO 9303-11 4.4.3.5 makes CA redundant)
            self._enter(ReadPhase.CHIP_AUTHENTICATION)
            r.chip_authentication = _chip_authentication(self.session, r.dg14)
        if r.dg15 is not None and self.aa_challenge is not None:
            self._enter(ReadPhase.ACTIVE_AUTHENTICATION)
            r.active_authentication = _active_authentication(self.session, r.dg15, r.dg14, self.aa_challenge)
        elif r.dg15 is not None:
            r.notes.append("active authentication skipped: no challenge supplied")


def _parse_dg14(raw: bytes) -> Any:
    return security_infos.parse_dg14(raw)


def _chip_authentication(session: EmrtdSession, dg14: Any) -> Any:
    return chip_auth.perform_chip_authentication(session, dg14)


def _active_authentication(session: EmrtdSession, dg15: Any, dg14: Any, challenge: bytes) -> Any:
    return active_auth.perform_active_authentication(session, dg15, challenge, dg14=dg14)


def read_passport(connection: CardConnection, access_key: AccessKey, **options: Any) -> ChipReadResult:
    """Convenience: ``EmrtdReader(connection, access_key, **options).read()``."""
    return EmrtdReader(connection, access_key, **options).read()


def phase_table(result: ChipReadResult) -> Mapping[str, float]:
    """Per-phase seconds keyed by phase name (host time plus simulated link time), for reports."""
    out: dict[str, float] = {}
    for phase in ReadPhase:
        if phase in result.phase_seconds or phase in result.phase_link_seconds:
            out[phase.name.lower()] = round(result.phase_seconds.get(phase, 0.0)
                                            + result.phase_link_seconds.get(phase, 0.0), 6)
    return out


__all__ = ["AccessMethod", "ApduLogEntry", "atr_announces_extended_length", "ChipReadResult", "EmrtdError", "EmrtdReader", "ReadPhase",
           "ReadProgress", "phase_table", "read_passport"]
