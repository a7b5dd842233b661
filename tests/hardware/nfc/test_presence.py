"""Presence watcher logic that the vpcd stack cannot show: reader hot-plug, pcscd going away, selection.

vpcd's readers are fixed in pcscd's configuration and Debian's pcscd does not re-read it, so reader
arrival and departure are driven here by a stand-in for the PC/SC API that follows pcsc-lite's rules:
``SCardGetStatusChange`` returns at once when a given state differs from the current one (the PnP
pseudo-reader's state carries the reader count in its high word, a reader's its event counter), and
otherwise waits for a change or the timeout.
"""
from __future__ import annotations

import threading

import pytest
from smartcard import scard as real

from hardware.nfc.config import ReaderConfig
from hardware.nfc.presence import (
    PNP_READER,
    CardInserted,
    CardRemoved,
    PresenceEvent,
    PresenceWatcher,
    ReaderAttached,
    ReaderDetached,
    ServiceLost,
    ServiceRestored,
    choose_reader,
    list_nfcpy_devices,
)

WAIT = 15.0


class FakePcsc:
    """pcsc-lite's client API as the watcher uses it, driven by the test."""

    def __init__(self, pnp: bool = True) -> None:
        self.pnp = pnp
        self.service = True
        self.readers: list[str] = []
        self.cards: dict[str, bytes] = {}
        self.counters: dict[str, int] = {}
        self._cond = threading.Condition()
        self._cancelled = False

    def __getattr__(self, name: str):  # constants come from pyscard
        return getattr(real, name)

    # -- test controls --
    def change(self, fn) -> None:  # type: ignore[no-untyped-def]
        with self._cond:
            fn(self)
            self._cond.notify_all()

    def plug(self, reader: str) -> None:
        self.change(lambda s: s.readers.append(reader))

    def unplug(self, reader: str) -> None:
        def go(s: FakePcsc) -> None:
            s.readers.remove(reader)
            if s.cards.pop(reader, None) is not None:
                s.counters[reader] = s.counters.get(reader, 0) + 1
        self.change(go)

    def insert(self, reader: str, atr: bytes) -> None:
        def go(s: FakePcsc) -> None:
            s.cards[reader] = atr
            s.counters[reader] = s.counters.get(reader, 0) + 1
        self.change(go)

    # -- the API --
    def SCardEstablishContext(self, scope):  # noqa: N802
        return (real.SCARD_S_SUCCESS, 1) if self.service else (real.SCARD_E_NO_SERVICE, 0)

    def SCardReleaseContext(self, ctx):  # noqa: N802
        return real.SCARD_S_SUCCESS

    def SCardGetErrorMessage(self, code):  # noqa: N802
        return real.SCardGetErrorMessage(code)

    def SCardCancel(self, ctx):  # noqa: N802
        self.change(lambda s: setattr(s, "_cancelled", True))
        return real.SCARD_S_SUCCESS

    def SCardListReaders(self, ctx, groups):  # noqa: N802
        with self._cond:
            if not self.service:
                return real.SCARD_E_NO_SERVICE, []
            if not self.readers:
                return real.SCARD_E_NO_READERS_AVAILABLE, []
            return real.SCARD_S_SUCCESS, list(self.readers)

    def _state(self, name: str) -> int:
        if name == PNP_READER:
            return (len(self.readers) << 16) if self.pnp else real.SCARD_STATE_UNKNOWN
        if name not in self.readers:
            return real.SCARD_STATE_UNKNOWN
        flag = real.SCARD_STATE_PRESENT if name in self.cards else real.SCARD_STATE_EMPTY
        return (self.counters.get(name, 0) << 16) | flag

    def SCardGetStatusChange(self, ctx, timeout_ms, query):  # noqa: N802
        def answer():  # type: ignore[no-untyped-def]
            out, changed = [], False
            for name, current in query:
                state = self._state(name)
                differs = state != current
                changed |= differs
                out.append((name, state | (real.SCARD_STATE_CHANGED if differs else 0), self.cards.get(name, b"")))
            return changed, out

        with self._cond:
            if not self.service:
                return real.SCARD_E_NO_SERVICE, []
            ready = self._cond.wait_for(lambda: self._cancelled or not self.service or answer()[0],
                                        timeout_ms / 1000)
            if self._cancelled:
                self._cancelled = False
                return real.SCARD_E_CANCELLED, []
            if not self.service:
                return real.SCARD_E_NO_SERVICE, []
            if not ready:
                return real.SCARD_E_TIMEOUT, []
            return real.SCARD_S_SUCCESS, answer()[1]


class Recorder:
    def __init__(self) -> None:
        self.events: list[PresenceEvent] = []
        self._cond = threading.Condition()

    def __call__(self, event: PresenceEvent) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(self, event: PresenceEvent) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: event in self.events, WAIT)


@pytest.mark.parametrize("pnp", [True, False], ids=["pnp-notification", "no-pnp-relist"])
def test_reader_hotplug_with_a_card_in_it(pnp: bool) -> None:
    api = FakePcsc(pnp=pnp)
    api.plug("Built-in Contact Reader 00 00")
    rec = Recorder()
    config = ReaderConfig(pcsc_reader="ACR1252", ignore_readers=("Contact",), status_timeout_s=0.1)
    with PresenceWatcher(rec, config, scard=api) as watcher:
        assert rec.wait_for(ReaderAttached("Built-in Contact Reader 00 00"))
        assert watcher.selected_reader() is None
        api.plug("ACS ACR1252 Dual Reader [ACR1252 Dual Reader PICC] 00 00")
        picc = "ACS ACR1252 Dual Reader [ACR1252 Dual Reader PICC] 00 00"
        assert rec.wait_for(ReaderAttached(picc))
        assert watcher.selected_reader() == picc
        api.insert(picc, b"\x3b\x88")
        assert rec.wait_for(CardInserted(picc, b"\x3b\x88"))
        assert watcher.card_present()
        api.unplug(picc)
        assert rec.wait_for(ReaderDetached(picc))
    tail = [e for e in rec.events if getattr(e, "reader", None) == picc]
    assert tail == [ReaderAttached(picc), CardInserted(picc, b"\x3b\x88"), CardRemoved(picc), ReaderDetached(picc)]


def test_pcscd_going_away_and_coming_back() -> None:
    api = FakePcsc()
    api.plug("Reader 00 00")
    rec = Recorder()
    with PresenceWatcher(rec, ReaderConfig(status_timeout_s=0.1, service_retry_s=0.05), scard=api) as watcher:
        assert rec.wait_for(ReaderAttached("Reader 00 00"))
        api.insert("Reader 00 00", b"\x3b")
        assert rec.wait_for(CardInserted("Reader 00 00", b"\x3b"))
        api.change(lambda s: setattr(s, "service", False))
        assert rec.wait_for(ReaderDetached("Reader 00 00"))
        lost = [e for e in rec.events if isinstance(e, ServiceLost)]
        assert len(lost) == 1 and "pcscd" in lost[0].message
        assert watcher.readers() == () and not watcher.card_present("Reader 00 00")
        api.change(lambda s: setattr(s, "service", True))
        assert rec.wait_for(ServiceRestored())
        with rec._cond:
            assert rec._cond.wait_for(lambda: rec.events.count(ReaderAttached("Reader 00 00")) == 2, WAIT)
    kinds = [type(e).__name__ for e in rec.events]
    assert kinds == ["ReaderAttached", "CardInserted", "CardRemoved", "ReaderDetached", "ServiceLost",
                     "ServiceRestored", "ReaderAttached", "CardInserted"]


def test_no_service_at_start_is_an_event_not_a_crash() -> None:
    api = FakePcsc()
    api.service = False
    rec = Recorder()
    watcher = PresenceWatcher(rec, ReaderConfig(service_retry_s=0.05), scard=api).start()
    try:
        with rec._cond:
            assert rec._cond.wait_for(lambda: any(isinstance(e, ServiceLost) for e in rec.events), WAIT)
        api.plug("Reader 00 00")
        api.change(lambda s: setattr(s, "service", True))
        assert rec.wait_for(ReaderAttached("Reader 00 00"))
    finally:
        watcher.stop()


def test_a_failing_callback_does_not_stop_the_watcher() -> None:
    api = FakePcsc()
    api.plug("Reader 00 00")
    seen: list[PresenceEvent] = []
    done = threading.Event()

    def on_event(event: PresenceEvent) -> None:
        seen.append(event)
        if isinstance(event, CardInserted):
            done.set()
        raise RuntimeError("consumer bug")

    with PresenceWatcher(on_event, ReaderConfig(status_timeout_s=0.1), scard=api):
        api.insert("Reader 00 00", b"\x3b")
        assert done.wait(WAIT)


def test_choose_reader() -> None:
    names = ["Alcor Micro AU9540 00 00", "ACS ACR122U PICC Interface 00 00", "ACS ACR122U PICC Interface 01 00"]
    assert choose_reader(names, ReaderConfig()) == names[0]
    assert choose_reader(names, ReaderConfig(ignore_readers=("alcor",))) == names[1]
    assert choose_reader(names, ReaderConfig(pcsc_reader="acr122u")) == names[1]
    assert choose_reader(names, ReaderConfig(pcsc_reader=names[2])) == names[2]
    assert choose_reader(names, ReaderConfig(pcsc_reader="omnikey")) is None
    assert choose_reader([], ReaderConfig()) is None


def test_nfcpy_devices_come_from_its_usb_table(monkeypatch) -> None:
    from nfc.clf import transport

    found = [(0x054C, 0x06C1, 1, 4), (0x046D, 0x082D, 1, 5), (0x072F, 0x2200, 2, 7)]
    monkeypatch.setattr(transport.USB, "find", classmethod(lambda cls, path: found))
    devices = list_nfcpy_devices()
    assert [(d.backend, d.name, d.path) for d in devices] == [
        ("nfcpy", "rcs380 (054c:06c1)", "usb:001:004"), ("nfcpy", "acr122 (072f:2200)", "usb:002:007")]

    def broken(cls, path):  # type: ignore[no-untyped-def]
        raise OSError("no permission on the USB bus")

    monkeypatch.setattr(transport.USB, "find", classmethod(broken))
    assert list_nfcpy_devices() == []


def test_reader_config_rejects_typos() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        ReaderConfig(reader="x")  # type: ignore[call-arg]


def test_card_monitor_start_without_pcscd_is_a_clear_error(tmp_path) -> None:
    import os
    import subprocess
    import sys

    # libpcsclite caches its socket path per process: a child process points it at an empty folder.
    env = dict(os.environ, PCSCLITE_CSOCK_NAME=str(tmp_path / "pcscd.comm"))
    code = ("from hardware.nfc.monitor import CardMonitor\n"
            "from hardware.nfc.errors import NoReaderError\n"
            "try:\n    CardMonitor(print, print).start()\nexcept NoReaderError as e:\n    print('refused:', e)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("refused: No card reader found"), out.stdout
