from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.emrtd import tlv
from hardware.emrtd.errors import TlvError


def test_multibyte_tag_and_long_length_round_trip() -> None:
    value = bytes(300)
    raw = tlv.encode(0x5F1F, value)
    assert raw[:5] == bytes.fromhex("5F1F82012C")
    decoded = tlv.decode_single(raw, 0x5F1F)
    assert decoded.value == value and decoded.raw == raw


def test_constructed_children() -> None:
    inner = tlv.encode(0x5F01, b"0107") + tlv.encode(0x5C, b"\x61\x75")
    outer = tlv.decode_single(tlv.encode(0x60, inner))
    assert outer.constructed
    assert [c.tag for c in outer.children()] == [0x5F01, 0x5C]
    assert outer.find(0x5C).value == b"\x61\x75"


@pytest.mark.parametrize("bad", ["", "5F", "5F1F", "5F1F82", "5F1F8201", "610380", "6185FFFFFFFFFF"])
def test_truncated_input_raises_typed_error(bad: str) -> None:
    with pytest.raises(TlvError):
        tlv.decode_all(bytes.fromhex(bad) or b"\x5f")


@given(st.binary(max_size=64))
def test_fuzz_only_typed_errors(data: bytes) -> None:
    try:
        tlv.decode_all(data)
    except TlvError:
        pass
