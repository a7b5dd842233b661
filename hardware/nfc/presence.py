"""Reader and passport presence: which readers exist, and when a passport arrives or leaves.

``PresenceWatcher`` runs one thread blocked in ``SCardGetStatusChange`` on every PC/SC reader plus
the PnP pseudo-reader ``\\\\?PnP?\\Notification``, so pcscd wakes it when a reader is plugged in or
out and when a card enters or leaves a field. Nothing here talks to the chip: the reader's firmware
senses the field and pcscd reports it. Events are plain frozen dataclasses handed to one callback on
the watcher's thread (no Qt; the UI bridge re-posts them to its own thread).

pcsc-lite keeps an event counter in the high 16 bits of each reader's state. A passport lifted and
put back (or swapped for another) between two wake-ups leaves the "present" bit unchanged but moves
the counter by two; the watcher reports that as a removal followed by an insertion, never as nothing.

``reading()`` wraps a chip read: a removal during it (an exception from the transport, or a removal
or swap seen by the watcher even if the read "succeeded") becomes ``DocumentRemovedError``, which the
workflow turns into "keep the passport on the reader" and a retry.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from hardware.emrtd.errors import CardRemovedError
from hardware.nfc import pcsc
from hardware.nfc.config import ReaderConfig
from hardware.nfc.errors import DocumentRemovedError, NoCardError, NoReaderError, ReaderError

log = logging.getLogger(__name__)

PNP_READER = "\\\\?PnP?\\Notification"


@dataclass(frozen=True)
class ReaderAttached:
    """A reader appeared (or was there when the watcher started)."""

    reader: str


@dataclass(frozen=True)
class ReaderDetached:
    """A reader went away (unplugged, or pcscd stopped)."""

    reader: str


@dataclass(frozen=True)
class CardInserted:
    """A card (passport) entered the reader's field; ``atr`` is empty for a touch seen only by its counter."""

    reader: str
    atr: bytes = b""


@dataclass(frozen=True)
class CardRemoved:
    """The card left the reader's field; ``during_read`` when a ``reading()`` block was running."""

    reader: str
    during_read: bool = False


@dataclass(frozen=True)
class ReadInterrupted:
    """The passport left during a chip read: tell the person and read again."""

    reader: str
    message: str = DocumentRemovedError.user_message
    retry: bool = True


@dataclass(frozen=True)
class ServiceLost:
    """pcscd is not reachable; the watcher keeps trying to reconnect."""

    message: str


@dataclass(frozen=True)
class ServiceRestored:
    """pcscd is reachable again after a ``ServiceLost``."""


PresenceEvent = (ReaderAttached | ReaderDetached | CardInserted | CardRemoved | ReadInterrupted
                 | ServiceLost | ServiceRestored)


@dataclass(frozen=True)
class ReaderInfo:
    """One reader found on this machine: ``name`` to show, ``path`` to open (PC/SC name or nfcpy path)."""

    backend: Literal["pcsc", "nfcpy"]
    name: str
    path: str


def choose_reader(names: list[str] | tuple[str, ...], config: ReaderConfig) -> str | None:
    """The reader ``config`` designates among ``names`` (exact name, else first containing it), or None."""
    usable = [n for n in names if not any(i.lower() in n.lower() for i in config.ignore_readers)]
    if config.pcsc_reader is None:
        return usable[0] if usable else None
    if config.pcsc_reader in usable:
        return config.pcsc_reader
    wanted = config.pcsc_reader.lower()
    return next((n for n in usable if wanted in n.lower()), None)


def list_nfcpy_devices() -> list[ReaderInfo]:
    """USB readers nfcpy can drive (PN53x, RC-S380, ACR122U...), by its own vendor:product table.

    Serial (tty) readers are not probed: opening serial ports to find out would disturb other devices.
    """
    try:
        from nfc.clf.device import usb_device_map  # type: ignore[import-untyped]
        from nfc.clf.transport import USB  # type: ignore[import-untyped]
    except ImportError:
        return []
    try:
        found = USB.find("usb") or []
    except Exception as exc:  # libusb missing or no permission on the USB bus
        log.info("nfcpy USB scan failed: %s", exc)
        return []
    devices = []
    for vid, pid, bus, adr in found:
        driver = usb_device_map.get((vid, pid))
        if driver is not None:
            devices.append(ReaderInfo("nfcpy", f"{driver} ({vid:04x}:{pid:04x})", f"usb:{bus:03d}:{adr:03d}"))
    return devices


def list_devices(include_nfcpy: bool = True) -> tuple[list[ReaderInfo], list[str]]:
    """Every reader found (PC/SC names, then nfcpy USB devices) and the problems met while looking."""
    readers: list[ReaderInfo] = []
    problems: list[str] = []
    try:
        readers += [ReaderInfo("pcsc", n, n) for n in pcsc.list_readers()]
    except ReaderError as exc:
        problems.append(str(exc))
    if include_nfcpy:
        readers += list_nfcpy_devices()
    return readers, problems


class _ServiceGone(Exception):
    pass


class PresenceWatcher:
    """Follows PC/SC readers and cards on its own thread and reports ``PresenceEvent``s to ``on_event``.

    :param on_event: called on the watcher thread for every event, in order; keep it quick.
    :param config: which reader is "the" reader (``selected_reader``), timeouts.
    :param scard: the PC/SC API (pyscard's ``smartcard.scard``; a stand-in in tests).
    """

    def __init__(self, on_event: Callable[[PresenceEvent], None], config: ReaderConfig | None = None,
                 *, scard: Any = None) -> None:
        self._on_event = on_event
        self.config = config or ReaderConfig()
        self._s = scard
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pcsc-presence", daemon=True)
        self._ctx: int | None = None
        self._readers: list[str] = []
        self._atr: dict[str, bytes] = {}          # readers with a card -> its ATR
        self._removals: dict[str, int] = {}       # removals seen per reader (for reading())
        self._reading: dict[str, int] = {}        # reading() blocks open per reader
        self._service_down = False

    # -- public state ------------------------------------------------------------------------------
    def readers(self) -> tuple[str, ...]:
        """The PC/SC readers attached now."""
        with self._lock:
            return tuple(self._readers)

    def selected_reader(self) -> str | None:
        """The reader the configuration designates, if attached."""
        return choose_reader(self.readers(), self.config)

    def card_present(self, reader: str | None = None) -> bool:
        """Whether a card is in ``reader`` (default: the selected reader)."""
        name = reader or self.selected_reader()
        with self._lock:
            return name is not None and name in self._atr

    def start(self, timeout: float = 5.0) -> PresenceWatcher:
        """Start the thread; return once the first reader list is known (or ``timeout`` passed)."""
        if self._s is None:
            self._s = pcsc._api()
        self._thread.start()
        self._ready.wait(timeout)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop watching and join the thread (idempotent)."""
        self._stop.set()
        ctx = self._ctx
        if ctx is not None and self._s is not None:
            self._s.SCardCancel(ctx)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def __enter__(self) -> PresenceWatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @contextmanager
    def reading(self, reader: str | None = None) -> Iterator[str]:
        """Guard a chip read on ``reader`` (default: the selected one); yields the reader name.

        Raises ``NoReaderError``/``NoCardError`` up front, and ``DocumentRemovedError`` when the card
        left during the block: from a ``CardRemovedError`` inside it, or from a removal or swap the
        watcher saw even though the block finished (its data may mix two documents).
        """
        name = reader or self.selected_reader()
        if name is None:
            raise NoReaderError(f"{pcsc.NO_READER_MESSAGE} (none matches the configured reader)")
        if not self.card_present(name):
            raise NoCardError("no passport on the reader: place the photo page on the reader")
        with self._lock:
            seen = self._removals.get(name, 0)
            self._reading[name] = self._reading.get(name, 0) + 1
        try:
            yield name
        except Exception as exc:
            if isinstance(exc, CardRemovedError) or self._removals.get(name, 0) != seen:
                raise DocumentRemovedError(name) from exc
            raise
        finally:
            with self._lock:
                self._reading[name] -= 1
        if self._removals.get(name, 0) != seen:
            raise DocumentRemovedError(name, "the passport was taken off or changed during the chip read: "
                                             f"{DocumentRemovedError.user_message}")

    # -- the thread --------------------------------------------------------------------------------
    def _emit(self, event: PresenceEvent) -> None:
        try:
            self._on_event(event)
        except Exception:  # a faulty consumer must not stop the watcher
            log.exception("presence event callback failed")

    def _card_in(self, name: str, atr: bytes) -> None:
        with self._lock:
            self._atr[name] = atr
        self._emit(CardInserted(name, atr))

    def _card_out(self, name: str) -> None:
        with self._lock:
            self._atr.pop(name, None)
            self._removals[name] = self._removals.get(name, 0) + 1
            during = self._reading.get(name, 0) > 0
        self._emit(CardRemoved(name, during))
        if during:
            self._emit(ReadInterrupted(name))

    def _set_readers(self, names: list[str]) -> None:
        with self._lock:
            old = list(self._readers)
        for gone in [n for n in old if n not in names]:
            if gone in self._atr:
                self._card_out(gone)
            with self._lock:
                self._readers.remove(gone)
            self._emit(ReaderDetached(gone))
        for new in [n for n in names if n not in old]:
            with self._lock:
                self._readers.append(new)
            self._emit(ReaderAttached(new))

    def _update(self, name: str, previous: int, event: int, atr: bytes) -> None:
        s = self._s
        present = bool(event & s.SCARD_STATE_PRESENT) and not event & (
            s.SCARD_STATE_MUTE | s.SCARD_STATE_UNKNOWN | s.SCARD_STATE_UNAVAILABLE)
        was = name in self._atr
        # Events the counter saw beyond the visible transition: pairs of (out, in) or (in, out).
        # Only states that carry a counter are compared (a vanished reader reports UNKNOWN with none).
        # One extra pair is enough to tell a consumer that the document may have changed.
        gone = s.SCARD_STATE_UNKNOWN | s.SCARD_STATE_UNAVAILABLE
        extra = 0
        if previous != s.SCARD_STATE_UNAWARE and not (previous | event) & gone:
            delta = ((event >> 16) - (previous >> 16)) & 0xFFFF
            extra = min(1, max(0, (delta - (1 if present != was else 0)) // 2))
        for _ in range(extra):
            if was:  # lifted and put back (or swapped) between two wake-ups
                self._card_out(name)
                self._card_in(name, atr if present else b"")
            else:  # a short touch
                self._card_in(name, b"")
                self._card_out(name)
        if present and not was:
            self._card_in(name, atr)
        elif present:
            with self._lock:
                self._atr[name] = atr
        elif was:
            self._card_out(name)

    def _list(self, ctx: int) -> list[str]:
        s = self._s
        hresult, names = s.SCardListReaders(ctx, [])
        code = pcsc._u32(hresult)
        if code == pcsc._u32(s.SCARD_E_NO_READERS_AVAILABLE):
            return []
        if code in (pcsc._u32(s.SCARD_E_NO_SERVICE), pcsc._u32(s.SCARD_E_SERVICE_STOPPED)):
            raise _ServiceGone(s.SCardGetErrorMessage(hresult))
        if hresult != s.SCARD_S_SUCCESS:
            raise _ServiceGone(s.SCardGetErrorMessage(hresult))
        return [n for n in names if n != PNP_READER]

    def _watch(self, ctx: int) -> None:
        s = self._s
        timeout_ms = max(1, int(self.config.status_timeout_s * 1000))
        names = self._list(ctx)
        self._set_readers(names)
        states = {n: s.SCARD_STATE_UNAWARE for n in names}
        pnp: int | None = len(names) << 16  # the reader count pcsc-lite compares against
        self._ready.set()
        while not self._stop.is_set():
            query = list(states.items()) + ([(PNP_READER, pnp)] if pnp is not None else [])
            if not query:  # no readers and no PnP support: look again after a while
                self._stop.wait(self.config.status_timeout_s)
                relist = True
            else:
                hresult, result = s.SCardGetStatusChange(ctx, timeout_ms, query)
                code = pcsc._u32(hresult)
                relist = pnp is None and code == pcsc._u32(s.SCARD_E_TIMEOUT)
                if code in (pcsc._u32(s.SCARD_E_NO_SERVICE), pcsc._u32(s.SCARD_E_SERVICE_STOPPED),
                            pcsc._u32(s.SCARD_E_INVALID_HANDLE)):
                    raise _ServiceGone(s.SCardGetErrorMessage(hresult))
                if code in (pcsc._u32(s.SCARD_E_UNKNOWN_READER), pcsc._u32(s.SCARD_E_READER_UNAVAILABLE)):
                    relist = True
                elif hresult == s.SCARD_S_SUCCESS:
                    for name, event, atr in result:
                        if name == PNP_READER:
                            if event & s.SCARD_STATE_UNKNOWN:
                                pnp = None  # this pcsc-lite has no PnP notification: relist on timeouts
                            else:
                                relist = relist or bool(event & s.SCARD_STATE_CHANGED)
                                pnp = event & ~s.SCARD_STATE_CHANGED
                            continue
                        if name not in states:
                            continue
                        self._update(name, states[name], event, bytes(atr))
                        states[name] = event & ~s.SCARD_STATE_CHANGED
                        if event & (s.SCARD_STATE_UNKNOWN | s.SCARD_STATE_UNAVAILABLE):
                            relist = True
                elif code not in (pcsc._u32(s.SCARD_E_TIMEOUT), pcsc._u32(s.SCARD_E_CANCELLED)):
                    log.warning("PC/SC status wait failed: %s", s.SCardGetErrorMessage(hresult))
                    self._stop.wait(self.config.status_timeout_s)
                    relist = True
            if relist and not self._stop.is_set():
                names = self._list(ctx)
                self._set_readers(names)
                states = {n: states.get(n, s.SCARD_STATE_UNAWARE) for n in names}

    def _run(self) -> None:
        s = self._s
        while not self._stop.is_set():
            hresult, ctx = s.SCardEstablishContext(s.SCARD_SCOPE_USER)
            if hresult != s.SCARD_S_SUCCESS:
                self._lost(f"{pcsc.NO_READER_MESSAGE} (the PC/SC service is not available)")
                self._stop.wait(self.config.service_retry_s)
                continue
            self._ctx = int(ctx)
            try:
                if self._service_down:
                    self._service_down = False
                    self._emit(ServiceRestored())
                self._watch(self._ctx)
            except _ServiceGone as exc:
                self._lost(f"{pcsc.NO_READER_MESSAGE} (the PC/SC service went away: {exc})")
                self._stop.wait(self.config.service_retry_s)
            finally:
                ctx, self._ctx = self._ctx, None
                s.SCardReleaseContext(ctx)
        self._ready.set()

    def _lost(self, message: str) -> None:
        self._set_readers([])
        if not self._service_down:
            self._service_down = True
            self._emit(ServiceLost(message))
        self._ready.set()
