"""APDU encoding (ISO/IEC 7816-4 section 5.1), response chaining, 6CXX retry, and a fuzzed parser."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.emrtd.apdu import (
    ChainingConnection,
    CommandApdu,
    MalformedApduError,
    SW,
    atr_supports_extended_length,
    split_response,
    transceive,
)
from hardware.emrtd.errors import ApduError, EmrtdError
from hardware.emrtd.testing import ScriptedConnection, ScriptMismatchError
from hardware.emrtd.virtual import VirtualChip

H = bytes.fromhex


@pytest.mark.parametrize("cmd,hexstr", [
    (CommandApdu(0, 0xA4, 4, 0x0C, H("A0000002471001")), "00A4040C07A0000002471001"),
    (CommandApdu(0, 0x84, 0, 0, ne=8), "0084000008"),
    (CommandApdu(0, 0xB0, 0, 0, ne=256), "00B0000000"),
    (CommandApdu(0, 0xB0, 0, 0, ne=1024), "00B00000000400"),
    (CommandApdu(0, 0xB0, 0, 0, ne=65536), "00B00000000000"),
    (CommandApdu(0, 0x82, 0, 0, bytes(2), ne=40), "008200000200" "0028"),
    (CommandApdu(0, 0x86, 0, 0, bytes(300), ne=256), "00860000" "00012C" + "00" * 300 + "0100"),
    (CommandApdu(0, 0x22, 0xC1, 0xA4, H("830101")), "0022C1A403830101"),
    (CommandApdu(0, 0x20, 0, 0), "00200000"),
])
def test_encode_and_parse_round_trip(cmd: CommandApdu, hexstr: str) -> None:
    assert cmd.encode() == H(hexstr)
    back = CommandApdu.parse(H(hexstr))
    assert (back.cla, back.ins, back.p1, back.p2, back.data, back.ne) == (
        cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data, cmd.ne)
    assert back.is_extended == cmd.is_extended


def test_short_apdu_refuses_long_data() -> None:
    with pytest.raises(ValueError):
        CommandApdu(0, 0xB0, 0, 0, bytes(300), extended=False).encode()


def test_response_chaining_61xx() -> None:
    conn = ScriptedConnection([("00B0000000", "AABB6102"), ("00C0000002", "CCDD9000")])
    assert ChainingConnection(conn).transmit(H("00B0000000")) == (H("AABBCCDD"), 0x9000)


def test_wrong_le_6cxx_is_retried() -> None:
    conn = ScriptedConnection([("00B00000E0", "6C80"), ("00B0000080", "00" * 0x80 + "9000")])
    data, sw = ChainingConnection(conn).transmit(H("00B00000E0"))
    assert (len(data), sw) == (0x80, 0x9000)


def test_transceive_raises_apdu_error_with_sw() -> None:
    conn = ScriptedConnection([("00A4020C020101", "6A82")])
    with pytest.raises(ApduError) as info:
        transceive(conn, CommandApdu(0, 0xA4, 2, 0x0C, H("0101")))
    assert info.value.sw == SW.FILE_NOT_FOUND


def test_scripted_connection_rejects_unexpected_commands() -> None:
    conn = ScriptedConnection({"0084000008": "4608F919887022129000"})
    with pytest.raises(ScriptMismatchError):
        conn.transmit(H("0084000010"))


def test_atr_extended_length_flag() -> None:
    assert atr_supports_extended_length(VirtualChip({}, extended_length=True).atr)
    assert not atr_supports_extended_length(VirtualChip({}, extended_length=False).atr)
    assert not atr_supports_extended_length(b"\x3b")


@given(st.binary(max_size=300))
def test_split_response_fuzz(raw: bytes) -> None:
    try:
        data, sw = split_response(raw)
    except MalformedApduError:
        return
    assert data + sw.to_bytes(2, "big") == raw


@given(st.binary(max_size=300))
def test_command_parse_fuzz(raw: bytes) -> None:
    try:
        cmd = CommandApdu.parse(raw)
    except EmrtdError:
        return
    assert cmd.encode() == raw or cmd.ne in (256, 65536)


@given(st.lists(st.tuples(st.binary(max_size=40), st.integers(0, 0xFFFF)), min_size=1, max_size=4))
def test_chaining_over_arbitrary_answers_raises_only_typed_errors(answers: list[tuple[bytes, int]]) -> None:
    class Replay:
        def __init__(self) -> None:
            self.i = 0

        def transmit(self, apdu: bytes) -> tuple[bytes, int]:
            if self.i >= len(answers):
                raise ScriptMismatchError("no more answers")
            self.i += 1
            return answers[self.i - 1]

        def close(self) -> None:
            pass

    try:
        transceive(ChainingConnection(Replay()), H("00B0000010"))
    except EmrtdError:
        pass
