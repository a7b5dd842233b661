"""The virtual chip as a card: raw APDU behaviour, access rules, chaining, and fuzzed commands."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.emrtd import tlv
from hardware.emrtd.apdu import SW, CommandApdu
from hardware.emrtd.errors import CardRemovedError
from hardware.emrtd.password import AccessKey
from hardware.emrtd.session import EF_COM, EmrtdSession, dg_fid
from hardware.emrtd.virtual import ChipFaults, VirtualChip
from hardware.emrtd.virtual.pace_card import PaceOffer

H = bytes.fromhex
KEY = AccessKey.from_mrz("L898902C<", "740812", "120415")
FILES = {EF_COM: tlv.encode(0x60, tlv.encode(0x5C, b"\x61\x75")), dg_fid(1): tlv.encode(0x61, b"A" * 93),
         dg_fid(2): tlv.encode(0x75, bytes(range(256)) * 4)}


def test_select_and_plain_access_rules() -> None:
    chip = VirtualChip(FILES, mrz_key=KEY, pace=[PaceOffer.ecdh()])
    assert chip.transmit(H("00A4000C023F00")) == (b"", SW.OK)
    data, sw = chip.transmit(H("00B09C0000"))  # READ BINARY by SFI 1C: EF.CardAccess in the clear
    assert sw in (SW.OK, SW.END_OF_FILE) and data == chip.mf_files[0x011C]
    assert chip.transmit(H("00A4040C07A0000002471002"))[1] == SW.FILE_NOT_FOUND
    assert chip.transmit(H("00A4040C07A0000002471001"))[1] == SW.OK
    assert chip.transmit(H("00B0810004"))[1] == SW.SECURITY_STATUS_NOT_SATISFIED  # DG1 by SFI
    assert chip.transmit(H("00A4020C020199"))[1] == SW.FILE_NOT_FOUND
    assert chip.transmit(H("0020000000"))[1] == SW.INS_NOT_SUPPORTED
    assert chip.transmit(H("0CB0000004"))[1] == SW.SM_DATA_MISSING
    assert chip.transmit(H("00B000"))[1] == SW.WRONG_LENGTH  # malformed


def test_plain_command_ends_secure_messaging() -> None:
    chip = VirtualChip(FILES, mrz_key=KEY)
    session = EmrtdSession(chip)
    session.authenticate_bac(KEY)
    assert chip.sm is not None
    assert chip.transmit(H("00A4020C02011E"))[1] == SW.OK
    assert chip.sm is None and chip.authenticated is None
    assert chip.transmit(H("00B0000004"))[1] == SW.SECURITY_STATUS_NOT_SATISFIED


def test_extended_length_refused_unless_enabled() -> None:
    cmd = CommandApdu(0, 0xB0, 0, 0, ne=1000).encode()
    assert VirtualChip(FILES)._process(cmd)[1] == SW.WRONG_LENGTH
    chip = VirtualChip(FILES, extended_length=True)
    assert chip.transmit(cmd)[1] != SW.WRONG_LENGTH


def test_get_response_chaining_for_long_answers() -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    from hardware.emrtd.testing import RecordingConnection

    chip = VirtualChip(FILES, mrz_key=KEY, aa_private_key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    rec = RecordingConnection(chip)
    session = EmrtdSession(rec)
    session.authenticate_bac(KEY)
    # A protected 256-byte RSA signature does not fit a short answer: it comes back through 61XX.
    sig = session.send(CommandApdu(0, 0x88, 0, 0, bytes(8), ne=256)).data
    assert len(sig) == 256
    assert any(sw >> 8 == 0x61 for _, _, sw in rec.exchanges)
    assert any(cmd[1] == 0xC0 for cmd, _, _ in rec.exchanges)


def test_extended_session_reads_large_chunks() -> None:
    chip = VirtualChip(FILES, mrz_key=KEY, extended_length=True)
    session = EmrtdSession(chip, extended_length=True, max_chunk=600)
    session.authenticate_bac(KEY)
    assert session.read_file(dg_fid(2)) == FILES[dg_fid(2)]
    assert max(session.stats.chunk_sizes) > 256


def test_removed_card_until_reset() -> None:
    chip = VirtualChip(FILES, mrz_key=KEY, faults=ChipFaults(remove_after_bytes=10))
    session = EmrtdSession(chip)
    session.authenticate_bac(KEY)
    with pytest.raises(CardRemovedError):
        session.read_file(dg_fid(1))
    with pytest.raises(CardRemovedError):
        chip.transmit(H("00A4040C07A0000002471001"))
    chip.reset()
    assert chip.transmit(H("00A4040C07A0000002471001"))[1] == SW.OK


def test_remove_method() -> None:
    chip = VirtualChip(FILES)
    chip.remove()
    with pytest.raises(CardRemovedError):
        chip.transmit(H("00A4040C07A0000002471001"))


@settings(max_examples=400, deadline=None)
@given(st.binary(min_size=0, max_size=80))
def test_random_commands_never_crash_the_chip(raw: bytes) -> None:
    chip = VirtualChip(FILES, mrz_key=KEY, can=AccessKey.from_can("123456"), pace=[PaceOffer.ecdh()])
    data, sw = chip.transmit(raw)
    assert 0x6000 <= sw <= 0x9FFF and isinstance(data, bytes)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([0x00, 0x0C, 0x10]), st.sampled_from([0xA4, 0xB0, 0xB1, 0x84, 0x82, 0x22, 0x86, 0x88]),
       st.integers(0, 255), st.integers(0, 255), st.binary(max_size=60))
def test_random_well_formed_commands_in_a_session(cla: int, ins: int, p1: int, p2: int, data: bytes) -> None:
    chip = VirtualChip(FILES, mrz_key=KEY, pace=[PaceOffer.ecdh()])
    session = EmrtdSession(chip)
    session.authenticate_bac(KEY)
    out, sw = chip.transmit(CommandApdu(cla, ins, p1, p2, data, ne=256).encode())
    assert 0x6000 <= sw <= 0x9FFF


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([(0xC1, 0xA4), (0x41, 0xA4), (0x41, 0xA6)]),
       st.lists(st.tuples(st.sampled_from([0x80, 0x83, 0x84, 0x91]), st.binary(max_size=12)), max_size=3),
       st.lists(st.tuples(st.sampled_from([0x80, 0x81, 0x83, 0x85]), st.binary(max_size=70)), max_size=2))
def test_fuzz_authentication_protocol_data(p1p2: tuple[int, int], mse: list[tuple[int, bytes]],
                                           ga: list[tuple[int, bytes]]) -> None:
    chip = VirtualChip(FILES, mrz_key=KEY, pace=[PaceOffer.ecdh()])
    body = b"".join(tlv.encode(t, v) for t, v in mse)
    chip.transmit(CommandApdu(0x00, 0x22, p1p2[0], p1p2[1], body).encode() if body else H("0022C1A4"))
    for cla in (0x10, 0x10, 0x10, 0x00):
        dyn = tlv.encode(0x7C, b"".join(tlv.encode(t, v) for t, v in ga))
        _, sw = chip.transmit(CommandApdu(cla, 0x86, 0, 0, dyn, ne=256).encode())
        assert 0x6000 <= sw <= 0x9FFF


def test_pace_mse_with_valid_oid_then_garbage_steps() -> None:
    chip = VirtualChip(FILES, mrz_key=KEY, pace=[PaceOffer.ecdh()])
    assert chip.transmit(H("0022C1A40F800A04007F00070202040202830101"))[1] == SW.OK
    data, sw = chip.transmit(H("10860000027C0000"))
    assert sw == SW.OK and data[:4] == H("7C128010")
    assert chip.transmit(H("10860000057C0381010400"))[1] in (SW.WRONG_DATA, SW.NO_PRECISE_DIAGNOSIS)
