"""Secure messaging both ways (ICAO 9303-11 section 9.8), extended length, and fuzzed responses."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.emrtd import tlv
from hardware.emrtd.apdu import CommandApdu
from hardware.emrtd.crypto import CipherAlg
from hardware.emrtd.errors import EmrtdError, SecureMessagingError
from hardware.emrtd.sm import SecureMessaging

KEYS = {
    CipherAlg.DES3: (bytes(range(16)), bytes(range(16, 32))),
    CipherAlg.AES: (bytes(range(32)), bytes(range(32, 64))),
}


def pair(alg: CipherAlg) -> tuple[SecureMessaging, SecureMessaging]:
    enc, mac = KEYS[alg]
    return SecureMessaging(alg, enc, mac, 5), SecureMessaging(alg, enc, mac, 5)


@pytest.mark.parametrize("alg", list(CipherAlg))
@pytest.mark.parametrize("cmd", [
    CommandApdu(0, 0xA4, 2, 0x0C, bytes.fromhex("011E")),
    CommandApdu(0, 0xB0, 0, 0, ne=256),
    CommandApdu(0, 0xB0, 0x7F, 0xFF, ne=1000),
    CommandApdu(0, 0xB1, 0, 0, tlv.encode(0x54, b"\x80\x00"), ne=200),
    CommandApdu(0, 0x88, 0, 0, bytes(300), ne=65536),
    CommandApdu(0, 0x20, 0, 0),
])
def test_round_trip(alg: CipherAlg, cmd: CommandApdu) -> None:
    terminal, card = pair(alg)
    wrapped = terminal.wrap_command(cmd)
    if cmd.is_extended:
        assert wrapped.is_extended
    plain = card.unwrap_command(CommandApdu.parse(wrapped.encode()))
    assert (plain.ins, plain.p1, plain.p2, plain.data, plain.ne) == (cmd.ins, cmd.p1, cmd.p2, cmd.data, cmd.ne)
    if cmd.ins & 1:
        assert wrapped.data[0] == 0x85  # odd INS carries DO85
    payload = bytes(range(256)) * 2
    data, sw = card.wrap_response(payload[:301], 0x6282, odd_ins=bool(cmd.ins & 1))
    assert terminal.unwrap_response(data, sw) == (payload[:301], 0x6282)
    assert terminal.ssc == card.ssc == 7


@pytest.mark.parametrize("alg", list(CipherAlg))
def test_tampered_command_is_rejected_by_card(alg: CipherAlg) -> None:
    terminal, card = pair(alg)
    raw = bytearray(terminal.wrap_command(CommandApdu(0, 0xB0, 0, 0, ne=8)).encode())
    raw[3] ^= 1  # P2 is covered by the MAC
    with pytest.raises(SecureMessagingError):
        card.unwrap_command(CommandApdu.parse(bytes(raw)))


def test_plain_error_status_without_objects_is_passed_through() -> None:
    terminal, _ = pair(CipherAlg.AES)
    terminal.wrap_command(CommandApdu(0, 0xA4, 2, 0x0C, b"\x01\x05"))
    assert terminal.unwrap_response(b"", 0x6A82) == (b"", 0x6A82)


@pytest.mark.parametrize("sw", [0x9000, 0x6987, 0x6988])
def test_unprotected_success_or_sm_error_raises(sw: int) -> None:
    terminal, _ = pair(CipherAlg.DES3)
    terminal.wrap_command(CommandApdu(0, 0xB0, 0, 0, ne=8))
    with pytest.raises(SecureMessagingError):
        terminal.unwrap_response(b"", sw)


@settings(max_examples=300)
@given(st.sampled_from(list(CipherAlg)), st.binary(max_size=120), st.integers(0, 0xFFFF))
def test_unwrap_response_fuzz_raises_only_typed_errors(alg: CipherAlg, data: bytes, sw: int) -> None:
    terminal, _ = pair(alg)
    try:
        terminal.unwrap_response(data, sw)
    except EmrtdError:
        pass


@settings(max_examples=200)
@given(st.sampled_from(list(CipherAlg)), st.binary(max_size=60), st.integers(0, 7))
def test_unwrap_response_structured_fuzz(alg: CipherAlg, garbage: bytes, which: int) -> None:
    # Well-formed DO layout with garbage inside: must fail with a typed error, never crash.
    terminal, _ = pair(alg)
    objs = [tlv.encode(0x87, garbage), tlv.encode(0x99, garbage[:2]), tlv.encode(0x8E, garbage[:8]),
            tlv.encode(0x85, garbage)]
    body = b"".join(objs[i] for i in range(4) if which & (1 << (i % 3)))
    try:
        terminal.unwrap_response(body, 0x9000)
    except EmrtdError:
        pass


@settings(max_examples=300)
@given(st.sampled_from(list(CipherAlg)), st.binary(max_size=70), st.binary(max_size=3))
def test_correctly_maced_garbage_reaches_the_decryptor_and_fails_typed(alg: CipherAlg, garbage: bytes,
                                                                       sw: bytes) -> None:
    # The MAC is right, so the padding indicator, block alignment, decryption and unpadding see garbage.
    terminal, card = pair(alg)
    ssc = (terminal.ssc + 1).to_bytes(alg.block_size, "big")
    body = tlv.encode(0x87, garbage) + tlv.encode(0x99, sw)
    body += tlv.encode(0x8E, card._mac(ssc, body))
    try:
        data, status = terminal.unwrap_response(body, 0x9000)
    except EmrtdError:
        return
    assert len(sw) == 2 and status == int.from_bytes(sw, "big")
