"""PC/SC readers through pyscard: discovery, a card connection, and waiting for a card.

Events (reader hot-plug, card insertion and removal) are in ``presence.py`` and ``monitor.py``.

PC/SC (pcsc-lite on Linux, ``pcscd``) drives every CCID contactless reader; the passport chip is an
ISO/IEC 14443-4 card behind it and the reader speaks ISO/IEC 7816-4 APDUs for us (ICAO 9303-10
section 3). This module implements the chip layer's ``CardConnection`` seam
(``transmit(apdu) -> (data, sw)``, ``close()``) and nothing of the passport protocol, like
``ykman/pcsc`` beside ``yubikit``. It uses pyscard's low-level ``scard`` API so every PC/SC return
code maps to a precise typed error (service missing, no reader, card removed...).

All calls on one context/card handle run on one ``IoThread``: pcsc-lite handles are not meant to be
shared across threads.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from hardware.emrtd.errors import CardRemovedError
from hardware.nfc.errors import NoCardError, NoReaderError, ReaderError, ReaderTimeoutError, TransportError
from hardware.nfc.thread import IoThread, ThreadBoundConnection

try:  # pyscard is a hard dependency, but a broken install must give a message, not a traceback
    from smartcard import scard as _scard  # type: ignore[import-untyped]
except ImportError as _exc:  # pragma: no cover - depends on the installation
    _scard = None
    _IMPORT_ERROR: ImportError | None = _exc
else:
    _IMPORT_ERROR = None

log = logging.getLogger(__name__)

NO_READER_MESSAGE = "No card reader found: plug in the reader and check that pcscd is running"
# SCardStatus card states (pcsc-lite pcsclite.h); pyscard does not export them.
_STATUS_ABSENT = 0x0002
_STATUS_PRESENT = 0x0004


def _api() -> Any:
    if _scard is None:
        raise NoReaderError(f"{NO_READER_MESSAGE} (pyscard is not installed: {_IMPORT_ERROR})")
    return _scard


def _u32(code: int) -> int:
    return code & 0xFFFFFFFF


def _error_for(hresult: int, what: str) -> Exception:
    """Map a PC/SC return code to the typed error a caller can act on."""
    s = _api()
    code = _u32(hresult)
    text = s.SCardGetErrorMessage(hresult)
    if code in (_u32(s.SCARD_E_NO_SERVICE), _u32(s.SCARD_E_SERVICE_STOPPED)):
        return NoReaderError(f"{NO_READER_MESSAGE} (the PC/SC service is not available: {text})")
    if code in (_u32(s.SCARD_E_NO_READERS_AVAILABLE), _u32(s.SCARD_E_UNKNOWN_READER),
                _u32(s.SCARD_E_READER_UNAVAILABLE)):
        return NoReaderError(f"{NO_READER_MESSAGE} ({what}: {text})")
    if code in (_u32(s.SCARD_W_REMOVED_CARD), _u32(s.SCARD_W_RESET_CARD), _u32(s.SCARD_W_UNPOWERED_CARD),
                _u32(s.SCARD_W_UNRESPONSIVE_CARD)):
        return CardRemovedError(f"the passport left the reader during {what}: put it back and hold it still")
    if code == _u32(s.SCARD_E_NO_SMARTCARD):
        return NoCardError(f"no passport on the reader ({what}): place the photo page on the reader")
    if code == _u32(s.SCARD_E_TIMEOUT):
        return ReaderTimeoutError(f"the reader timed out during {what}")
    if code == _u32(s.SCARD_E_SHARING_VIOLATION):
        return ReaderError(f"the reader is in use by another program ({what}): close it and try again")
    return TransportError(f"reader failure during {what}: {text} (0x{code:08X})")


def _establish(s: Any) -> int:
    hresult, ctx = s.SCardEstablishContext(s.SCARD_SCOPE_USER)
    if hresult != s.SCARD_S_SUCCESS:
        raise _error_for(hresult, "connecting to the PC/SC service")
    return int(ctx)


def _list(s: Any, ctx: int) -> list[str]:
    hresult, names = s.SCardListReaders(ctx, [])
    if _u32(hresult) == _u32(s.SCARD_E_NO_READERS_AVAILABLE):
        return []
    if hresult != s.SCARD_S_SUCCESS:
        raise _error_for(hresult, "listing readers")
    return list(names)


def list_readers() -> list[str]:
    """Names of the PC/SC readers attached now (empty list when none).

    Raises ``NoReaderError`` when the PC/SC service (pcscd) is not running.
    """
    s = _api()
    ctx = _establish(s)
    try:
        return _list(s, ctx)
    finally:
        s.SCardReleaseContext(ctx)


def find_reader(name: str | None = None) -> str:
    """The reader to use: the one whose name equals or contains ``name``, else the first one.

    Raises ``NoReaderError`` with a person-readable message when nothing matches.
    """
    names = list_readers()
    if not names:
        raise NoReaderError(NO_READER_MESSAGE)
    if name is None:
        return names[0]
    for candidate in names:
        if candidate == name:
            return candidate
    matches = [c for c in names if name.lower() in c.lower()]
    if not matches:
        raise NoReaderError(f"No card reader named {name!r}: attached readers are {', '.join(names)}")
    return matches[0]


class PcscConnection(ThreadBoundConnection):
    """A card connection through one PC/SC reader (the ``CardConnection`` seam of the chip layer).

    :param reader: exact reader name or a part of it; ``None`` takes the first reader.
    :param timeout: seconds any single call may take before ``ReaderTimeoutError``.
    :param exclusive: open the card exclusively so no other program interleaves APDUs mid-read.
    :param extended_length: whether this reader passes extended-length APDUs (PC/SC cannot tell;
        the chip layer only uses them where both sides support it).
    """

    _label = "PC/SC connection"

    def __init__(self, reader: str | None = None, *, timeout: float = 30.0, exclusive: bool = True,
                 extended_length: bool = False) -> None:
        self.reader_name = find_reader(reader)
        self.extended_length = extended_length
        self._io = IoThread(name="pcsc-io", default_timeout=timeout)
        self._ctx: int | None = None
        self._card: int | None = None
        self._protocol = 0
        self.atr = b""
        try:
            self._io.call(self._open, exclusive)
        except BaseException:
            self.close()
            raise

    def _open(self, exclusive: bool) -> None:
        s = _api()
        self._ctx = _establish(s)
        share = s.SCARD_SHARE_EXCLUSIVE if exclusive else s.SCARD_SHARE_SHARED
        hresult, card, protocol = s.SCardConnect(self._ctx, self.reader_name, share,
                                                 s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1)
        if hresult != s.SCARD_S_SUCCESS:
            raise _error_for(hresult, "connecting to the passport")
        self._card, self._protocol = int(card), int(protocol)
        hresult, _name, _state, _proto, atr = s.SCardStatus(self._card)
        if hresult == s.SCARD_S_SUCCESS:
            self.atr = bytes(atr)
        log.debug("connected to PC/SC reader (protocol %d)", self._protocol)

    def _transmit(self, apdu: bytes) -> tuple[bytes, int]:
        s = _api()
        if self._card is None:
            raise TransportError("the card connection is closed")
        hresult, response = s.SCardTransmit(self._card, self._protocol, list(apdu))
        if hresult != s.SCARD_S_SUCCESS:
            if _u32(hresult) in (_u32(s.SCARD_E_READER_UNAVAILABLE), _u32(s.SCARD_E_UNKNOWN_READER),
                                 _u32(s.SCARD_E_NO_READERS_AVAILABLE), _u32(s.SCARD_E_NO_SERVICE)):
                # Mid-read, an unplugged reader (or a stopped pcscd) is a lost card to the chip layer.
                raise CardRemovedError("the card reader went away during a chip command: "
                                       "plug it back in and place the passport again")
            if _u32(hresult) in (_u32(s.SCARD_E_NOT_TRANSACTED), _u32(s.SCARD_F_COMM_ERROR)) \
                    and not self._card_present():
                # A card leaving mid-command shows up as a failed transaction, not as "removed".
                raise CardRemovedError("the passport left the reader during a chip command: "
                                       "put it back and hold it still")
            raise _error_for(hresult, "a chip command")
        if len(response) < 2:
            # vpcd (and some readers) report a card that vanished mid-command as an empty answer.
            if not self._card_present():
                raise CardRemovedError("the passport left the reader during a chip command: "
                                       "put it back and hold it still")
            raise TransportError("the reader returned a response without a status word")
        raw = bytes(response)
        return raw[:-2], (raw[-2] << 8) | raw[-1]

    def _card_present(self, settle_s: float = 1.0) -> bool:
        # The reader's presence poll may not have run yet when a transaction fails, so give it a
        # moment: a card that left shows up as absent (or as a removed-card status) within it.
        s = _api()
        deadline = time.monotonic() + settle_s
        while True:
            hresult, _name, state, _proto, _atr = s.SCardStatus(self._card)
            if hresult != s.SCARD_S_SUCCESS or not state & _STATUS_PRESENT or state & _STATUS_ABSENT:
                return False
            if time.monotonic() >= deadline:
                return True
            time.sleep(0.1)

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one command APDU; return the response data and the status word (SW1SW2 as int)."""
        return self._io.call(self._transmit, bytes(apdu))

    def _close(self) -> None:
        s = _scard
        if s is None:
            return
        if self._card is not None:
            s.SCardDisconnect(self._card, s.SCARD_LEAVE_CARD)
            self._card = None
        if self._ctx is not None:
            s.SCardReleaseContext(self._ctx)
            self._ctx = None


def _reader_states(s: Any, ctx: int, names: list[str], timeout_ms: int,
                   known: dict[str, int]) -> dict[str, int]:
    query = [(n, known.get(n, s.SCARD_STATE_UNAWARE)) for n in names]
    hresult, result = s.SCardGetStatusChange(ctx, timeout_ms, query)
    if _u32(hresult) == _u32(s.SCARD_E_TIMEOUT):
        return dict(known)
    if hresult != s.SCARD_S_SUCCESS:
        raise _error_for(hresult, "watching the reader")
    return {name: event & ~s.SCARD_STATE_CHANGED for name, event, _atr in result}


def wait_for_card(reader: str | None = None, timeout: float = 30.0, *, present: bool = True) -> str:
    """Block until a card is in the reader (``present=False``: until no card is); return the reader name.

    ``reader`` is a name or part of one (``None``: the first reader). Raises ``NoCardError`` when no
    card arrives in time, ``ReaderTimeoutError`` when a card is not taken away in time, and
    ``NoReaderError`` when the reader or the PC/SC service is missing.
    """
    name = find_reader(reader)
    s = _api()
    ctx = _establish(s)
    try:
        deadline = time.monotonic() + timeout
        states: dict[str, int] = {}
        while True:
            states = _reader_states(s, ctx, [name], 200, states)
            state = states.get(name, 0)
            if state & (s.SCARD_STATE_UNKNOWN | s.SCARD_STATE_UNAVAILABLE):
                raise NoReaderError(f"the reader {name!r} went away")
            has_card = bool(state & s.SCARD_STATE_PRESENT) and not state & s.SCARD_STATE_MUTE
            if state and has_card == present:
                return name
            if time.monotonic() >= deadline:
                if present:
                    raise NoCardError(f"no passport was placed on the reader within {timeout:g} s")
                raise ReaderTimeoutError(f"the card was not taken off the reader within {timeout:g} s")
    finally:
        s.SCardReleaseContext(ctx)
