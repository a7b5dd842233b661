"""Reader and passport presence through the real pcscd + vpcd stack (see conftest.py).

A virtual card connecting to vpcd is a passport laid on the reader; closing the connection lifts it.
"""
from __future__ import annotations

import threading

import pytest
from test_pcsc_vpcd import EMRTD_AID, SelectCard, _select

from hardware.nfc.config import ReaderConfig
from hardware.nfc.errors import DocumentRemovedError, NoCardError
from hardware.nfc.pcsc import PcscConnection
from hardware.nfc.presence import (
    CardInserted,
    CardRemoved,
    PresenceEvent,
    PresenceWatcher,
    ReaderAttached,
    ReadInterrupted,
    list_devices,
)

pytestmark = pytest.mark.pcsc

WAIT = 15.0


@pytest.fixture(autouse=True)
def _readers_empty_after(pcsc_stack):  # type: ignore[no-untyped-def]
    """Each test starts with empty readers: wait until pcscd has seen every card of the test leave."""
    from hardware.nfc.pcsc import wait_for_card

    yield
    for slot in (0, 1):
        wait_for_card(pcsc_stack.reader_name(slot), timeout=WAIT, present=False)


class Recorder:
    """Collects events from the watcher thread and lets the test wait for them."""

    def __init__(self) -> None:
        self.events: list[PresenceEvent] = []
        self._cond = threading.Condition()

    def __call__(self, event: PresenceEvent) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(self, predicate, timeout: float = WAIT) -> bool:  # type: ignore[no-untyped-def]
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self.events), timeout)

    def of(self, kind: type, reader: str) -> list[PresenceEvent]:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind) and e.reader == reader]  # type: ignore[attr-defined]


def _count(kind: type, reader: str):  # type: ignore[no-untyped-def]
    return lambda events: sum(isinstance(e, kind) and e.reader == reader for e in events)  # type: ignore[attr-defined]


def test_lists_the_pcsc_readers(pcsc_stack) -> None:
    readers, problems = list_devices(include_nfcpy=False)
    assert problems == []
    assert [r.name for r in readers if r.backend == "pcsc"][:2] == [pcsc_stack.reader_name(0), pcsc_stack.reader_name(1)]


def test_readers_and_card_events(pcsc_stack) -> None:
    rec = Recorder()
    reader = pcsc_stack.reader_name(0)
    with PresenceWatcher(rec, ReaderConfig(pcsc_reader="00 00", status_timeout_s=0.2)) as watcher:
        assert rec.wait_for(lambda ev: sum(isinstance(e, ReaderAttached) for e in ev) >= 2)
        assert watcher.selected_reader() == reader and not watcher.card_present()
        bridge = pcsc_stack.bridge(SelectCard()).start()
        try:
            assert rec.wait_for(lambda ev: _count(CardInserted, reader)(ev) >= 1)
            assert rec.of(CardInserted, reader)[0] == CardInserted(reader, SelectCard.atr)
            assert watcher.card_present()
        finally:
            bridge.stop()
        assert rec.wait_for(lambda ev: _count(CardRemoved, reader)(ev) >= 1)
        assert rec.of(CardRemoved, reader)[0] == CardRemoved(reader, during_read=False)
        assert not watcher.card_present()
    kinds = [type(e).__name__ for e in rec.events if getattr(e, "reader", None) == reader]
    assert kinds == ["ReaderAttached", "CardInserted", "CardRemoved"]


def test_card_present_at_start_is_reported(vpcd_card, pcsc_stack) -> None:
    vpcd_card(SelectCard())
    rec = Recorder()
    reader = pcsc_stack.reader_name(0)
    with PresenceWatcher(rec, ReaderConfig(status_timeout_s=0.2)) as watcher:
        assert rec.wait_for(lambda ev: _count(CardInserted, reader)(ev) >= 1)
        assert watcher.card_present(reader)


def test_passport_removed_mid_read_is_a_typed_retry(vpcd_card, pcsc_stack) -> None:
    bridge = vpcd_card(SelectCard())
    rec = Recorder()
    reader = pcsc_stack.reader_name(0)
    with PresenceWatcher(rec, ReaderConfig(pcsc_reader=reader, status_timeout_s=0.2)) as watcher:
        assert rec.wait_for(lambda ev: _count(CardInserted, reader)(ev) >= 1)
        with PcscConnection(reader) as conn:
            with pytest.raises(DocumentRemovedError) as info:
                with watcher.reading() as name:
                    assert name == reader
                    assert conn.transmit(_select(EMRTD_AID)) == (b"", 0x9000)
                    bridge.stop()
                    for _ in range(5):  # pcscd notices on this or a following command
                        conn.transmit(_select(EMRTD_AID))
        assert info.value.reader == reader
        assert "Keep the passport on the reader" in str(info.value)
        assert rec.wait_for(lambda ev: _count(ReadInterrupted, reader)(ev) >= 1)
        assert rec.of(CardRemoved, reader)[-1] == CardRemoved(reader, during_read=True)


def test_passport_swapped_during_a_read_that_did_not_fail(vpcd_card, pcsc_stack) -> None:
    bridge = vpcd_card(SelectCard())
    rec = Recorder()
    reader = pcsc_stack.reader_name(0)
    with PresenceWatcher(rec, ReaderConfig(pcsc_reader=reader, status_timeout_s=0.2)) as watcher:
        assert rec.wait_for(lambda ev: _count(CardInserted, reader)(ev) >= 1)
        with pytest.raises(DocumentRemovedError, match="taken off or changed"):
            with watcher.reading():
                bridge.stop()
                assert rec.wait_for(lambda ev: _count(CardRemoved, reader)(ev) >= 1)
                other = pcsc_stack.bridge(SelectCard()).start()
                try:
                    assert rec.wait_for(lambda ev: _count(CardInserted, reader)(ev) >= 2)
                finally:
                    other.stop()


def test_reading_without_a_card_is_refused_up_front(pcsc_stack) -> None:
    rec = Recorder()
    with PresenceWatcher(rec, ReaderConfig(pcsc_reader="00 01", status_timeout_s=0.2)) as watcher:
        with pytest.raises(NoCardError, match="no passport"):
            with watcher.reading():
                pass


def test_lift_and_replace_between_wakeups_is_not_missed(pcsc_stack) -> None:
    # The callback holds the watcher thread on the first insertion while the passport is lifted and
    # put back (pcscd sees both, as a second observer confirms); the watcher must still report them.
    from hardware.nfc.pcsc import wait_for_card

    reader = pcsc_stack.reader_name(0)
    rec = Recorder()
    release = threading.Event()

    def on_event(event: PresenceEvent) -> None:
        rec(event)
        if isinstance(event, CardInserted) and len(rec.of(CardInserted, reader)) == 1:
            release.wait(WAIT)

    with PresenceWatcher(on_event, ReaderConfig(pcsc_reader=reader, status_timeout_s=0.2)) as watcher:
        first = pcsc_stack.bridge(SelectCard()).start()
        assert rec.wait_for(lambda ev: _count(CardInserted, reader)(ev) >= 1)
        first.stop()
        wait_for_card(reader, timeout=WAIT, present=False)
        second = pcsc_stack.bridge(SelectCard()).start()
        try:
            wait_for_card(reader, timeout=WAIT)
            release.set()
            assert rec.wait_for(lambda ev: _count(CardInserted, reader)(ev) >= 2)
            kinds = [type(e).__name__ for e in rec.events if getattr(e, "reader", None) == reader]
            assert kinds[-3:] == ["CardInserted", "CardRemoved", "CardInserted"]
            assert watcher.card_present(reader)
        finally:
            second.stop()
            release.set()
        assert rec.wait_for(lambda ev: _count(CardRemoved, reader)(ev) >= 2)
