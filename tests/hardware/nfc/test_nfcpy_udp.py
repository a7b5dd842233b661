"""nfcpy's udp driver against the emulated ISO 14443-4 card: activation, chaining, WTX, removal."""
from __future__ import annotations

import threading

import pytest

from hardware.emrtd.errors import CardRemovedError
from hardware.emrtd.virtual.nfc_udp import NfcUdpCard
from hardware.nfc.errors import NoCardError, NoReaderError
from hardware.nfc.nfcpy_backend import NfcpyConnection

pytest.importorskip("nfc")

AID = bytes.fromhex("A0000002471001")


class EchoCard:
    """Answers SELECT by AID; ``00 B0`` returns ``Le`` bytes; ``00 DA`` echoes its data; ``00 EE`` is slow."""

    atr = bytes.fromhex("3B8880014D525444000000000F")

    def __init__(self) -> None:
        self.resets = 0
        self.release = threading.Event()

    def reset(self) -> None:
        self.resets += 1

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        ins = apdu[1]
        if ins == 0xA4:
            return b"", 0x9000 if apdu[5:5 + apdu[4]] == AID else 0x6A82
        if ins == 0xB0:
            le = apdu[4] or 256
            return bytes(i % 251 for i in range(le)), 0x9000
        if ins == 0xDA:
            return apdu[5:5 + apdu[4]], 0x9000
        if ins == 0xEE:
            self.release.wait(3)
            return b"done", 0x9000
        return b"", 0x6D00


@pytest.fixture
def udp_card():
    cards: list[NfcUdpCard] = []

    def make(**kwargs):  # type: ignore[no-untyped-def]
        card = NfcUdpCard(EchoCard(), **kwargs).start()
        cards.append(card)
        return card

    yield make
    for card in cards:
        card.stop()


def test_apdus_with_response_chaining(udp_card) -> None:
    card = udp_card()
    with NfcpyConnection(card.path, wait_s=5) as conn:
        assert card.card.resets >= 0
        assert conn.transmit(bytes([0, 0xA4, 4, 0x0C, 7]) + AID) == (b"", 0x9000)
        data, sw = conn.transmit(bytes.fromhex("00B0000000"))  # 256 + 2 bytes: two I-blocks
        assert sw == 0x9000 and data == bytes(i % 251 for i in range(256))
        assert card.max_frame_out <= 256
    assert card.apdu_count == 2


def test_small_card_frames_force_command_chaining(udp_card) -> None:
    card = udp_card(fsci=2)  # 32-byte frames
    payload = bytes(range(200))
    with NfcpyConnection(card.path, wait_s=5) as conn:
        assert conn.max_frame_size == 32
        assert conn.transmit(bytes([0, 0xDA, 0, 0, len(payload)]) + payload) == (payload, 0x9000)
    assert card.max_frame_in <= 32
    assert card.frames_in > 200 // 29


def test_slow_chip_is_covered_by_waiting_time_extensions(udp_card) -> None:
    card = udp_card(fwi=7)  # FWT about 39 ms
    with NfcpyConnection(card.path, wait_s=5) as conn:
        threading.Timer(0.4, card.card.release.set).start()
        assert conn.transmit(bytes.fromhex("00EE000000")) == (b"done", 0x9000)


def test_removed_card_raises_card_removed(udp_card) -> None:
    card = udp_card(fwi=8)
    with NfcpyConnection(card.path, wait_s=5) as conn:
        assert conn.transmit(bytes([0, 0xA4, 4, 0x0C, 7]) + AID)[1] == 0x9000
        card.remove()
        with pytest.raises(CardRemovedError):
            conn.transmit(bytes.fromhex("00B0000010"))


def test_no_card_in_field(udp_card) -> None:
    card = udp_card()
    card.remove()
    with pytest.raises(NoCardError):
        NfcpyConnection(card.path, wait_s=0.5)


def test_no_reader_at_path() -> None:
    with pytest.raises(NoReaderError, match="No NFC reader found"):
        NfcpyConnection("usb:ffff:ffff", wait_s=0.2)


def test_garbage_frames_never_crash_the_card() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    echo = EchoCard()
    echo.release.set()  # the slow command answers at once here
    card = NfcUdpCard(echo)  # not started: frames are fed directly
    sink = ("127.0.0.1", 9)
    try:
        @settings(max_examples=300, deadline=None)
        @given(st.lists(st.binary(min_size=1, max_size=40), max_size=8))
        def feed(frames: list[bytes]) -> None:
            card._on_frame(b"\x26", sink)
            card._on_frame(b"\x93\x20", sink)
            card._on_frame(b"\x93\x70" + card.uid + bytes([card.uid[0] ^ card.uid[1] ^ card.uid[2] ^ card.uid[3]]), sink)
            card._on_frame(b"\xe0\x80", sink)
            for frame in frames:
                card._on_frame(frame, sink)
            if card._job is not None:
                card._job.result(5)
            card._field_reset()

        feed()
    finally:
        card.stop()
