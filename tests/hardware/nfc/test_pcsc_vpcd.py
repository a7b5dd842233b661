"""pyscard through a real pcscd + vsmartcard-vpcd: discovery, APDUs, insert/remove events, errors."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from hardware.emrtd.errors import CardRemovedError
from hardware.nfc.errors import NoCardError, NoReaderError
from hardware.nfc.monitor import CardEvent, CardMonitor
from hardware.nfc.pcsc import PcscConnection, find_reader, list_readers

pytestmark = pytest.mark.pcsc

EMRTD_AID = bytes.fromhex("A0000002471001")


class SelectCard:
    """A minimal ISO 7816-4 card: SELECT by AID and READ BINARY of a 300-byte file (no security)."""

    atr = bytes.fromhex("3B8880014D525444000000000F")

    def __init__(self) -> None:
        self.selected = False
        self.content = bytes(range(256)) + bytes(44)
        self.resets = 0

    def reset(self) -> None:
        self.selected = False
        self.resets += 1

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        ins, p1, p2 = apdu[1], apdu[2], apdu[3]
        if ins == 0xA4 and p1 == 0x04:
            lc = apdu[4]
            if apdu[5:5 + lc] == EMRTD_AID:
                self.selected = True
                return b"", 0x9000
            return b"", 0x6A82
        if ins == 0xB0:
            if not self.selected:
                return b"", 0x6986
            offset = (p1 << 8) | p2
            le = apdu[4] if len(apdu) == 5 else 0
            le = le or 256
            return self.content[offset:offset + le], 0x9000
        return b"", 0x6D00


def _select(aid: bytes) -> bytes:
    return bytes([0x00, 0xA4, 0x04, 0x0C, len(aid)]) + aid


def test_reader_discovery(pcsc_stack) -> None:
    names = list_readers()
    assert pcsc_stack.reader_name(0) in names
    assert find_reader("kiosk virtual") in names
    with pytest.raises(NoReaderError, match="No card reader named"):
        find_reader("no such reader")


def test_apdus_through_pcscd(vpcd_card, pcsc_stack) -> None:
    card = SelectCard()
    vpcd_card(card)
    with PcscConnection(pcsc_stack.reader_name(0)) as conn:
        assert conn.atr == SelectCard.atr
        assert conn.transmit(_select(b"\xA0\x00\x00\x00\x00")) == (b"", 0x6A82)
        assert conn.transmit(_select(EMRTD_AID)) == (b"", 0x9000)
        data, sw = conn.transmit(bytes.fromhex("00B0000000"))
        assert sw == 0x9000 and data == card.content[:256]
        data, sw = conn.transmit(bytes.fromhex("00B001002C"))
        assert sw == 0x9000 and data == card.content[256:300]


def test_connect_without_card_is_no_card_error(pcsc_stack) -> None:
    with pytest.raises(NoCardError, match="no passport"):
        PcscConnection(pcsc_stack.reader_name(1))


def test_insert_and_remove_events(pcsc_stack) -> None:
    events: list[CardEvent] = []
    changed = threading.Condition()

    def record(event: CardEvent) -> None:
        with changed:
            events.append(event)
            changed.notify_all()

    def wait_for(count: int) -> None:
        with changed:
            assert changed.wait_for(lambda: len(events) >= count, timeout=10), events

    reader = pcsc_stack.reader_name(0)
    with CardMonitor(record, record, readers=[reader], poll_s=0.2):
        bridge = pcsc_stack.bridge(SelectCard()).start()
        wait_for(1)
        bridge.stop()
        wait_for(2)
        pcsc_stack.bridge(SelectCard()).start().stop()  # a short touch may be missed, never misordered
        bridge = pcsc_stack.bridge(SelectCard()).start()
        try:
            with changed:
                assert changed.wait_for(lambda: events[-1].present, timeout=10)
        finally:
            bridge.stop()
        with changed:
            assert changed.wait_for(lambda: not events[-1].present, timeout=10)
    assert events[0] == CardEvent(reader, True, SelectCard.atr)
    assert events[1] == CardEvent(reader, False, b"")
    assert all(a.present != b.present for a, b in zip(events, events[1:])), "events alternate"


def test_card_removed_mid_session(vpcd_card, pcsc_stack) -> None:
    bridge = vpcd_card(SelectCard())
    with PcscConnection(pcsc_stack.reader_name(0)) as conn:
        assert conn.transmit(_select(EMRTD_AID)) == (b"", 0x9000)
        bridge.stop()
        with pytest.raises(CardRemovedError):
            for _ in range(3):  # pcscd may notice the removal on the first or a following command
                conn.transmit(_select(EMRTD_AID))


def test_no_pcscd_gives_a_clear_error(tmp_path) -> None:
    # libpcsclite caches its socket path per process: a child process points it at an empty folder.
    env = dict(os.environ, PCSCLITE_CSOCK_NAME=str(tmp_path / "pcscd.comm"))
    code = ("from hardware.nfc.pcsc import find_reader\n"
            "from hardware.nfc.errors import NoReaderError\n"
            "try:\n    find_reader()\nexcept NoReaderError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("No card reader found: plug in the reader and check that pcscd is running")



def test_no_reader_attached_message(monkeypatch) -> None:
    import hardware.nfc.pcsc as pcsc

    monkeypatch.setattr(pcsc, "list_readers", lambda: [])
    with pytest.raises(NoReaderError, match="^No card reader found: plug in the reader and check that pcscd is running$"):
        pcsc.find_reader()


def test_error_mapping_for_every_pcsc_failure(monkeypatch) -> None:
    from smartcard import scard as real

    import hardware.nfc.pcsc as pcsc
    from hardware.nfc.errors import ReaderError, ReaderTimeoutError, TransportError

    cases = {
        real.SCARD_E_NO_SERVICE: NoReaderError, real.SCARD_E_NO_READERS_AVAILABLE: NoReaderError,
        real.SCARD_W_REMOVED_CARD: CardRemovedError, real.SCARD_E_NO_SMARTCARD: NoCardError,
        real.SCARD_E_TIMEOUT: ReaderTimeoutError, real.SCARD_E_SHARING_VIOLATION: ReaderError,
        real.SCARD_F_INTERNAL_ERROR: TransportError,
    }
    for code, kind in cases.items():
        assert type(pcsc._error_for(code, "a test")) is kind, hex(code & 0xFFFFFFFF)

    class FakeScard:
        """Only what ``_transmit`` touches; the reader vanishes on the first command."""

        def __getattr__(self, name: str):  # constants come from the real module
            return getattr(real, name)

        @staticmethod
        def SCardTransmit(card, protocol, apdu):  # noqa: N802 - PC/SC name
            return real.SCARD_E_READER_UNAVAILABLE, []

    monkeypatch.setattr(pcsc, "_scard", FakeScard())
    conn = object.__new__(pcsc.PcscConnection)
    conn._card, conn._protocol = 1, real.SCARD_PROTOCOL_T1
    with pytest.raises(CardRemovedError, match="reader went away"):
        conn._transmit(_select(EMRTD_AID))
