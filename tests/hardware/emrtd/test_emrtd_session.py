"""Full in-process reads from the virtual chip through ``EmrtdSession`` (BAC), with faults."""
from __future__ import annotations

import os

import pytest

from hardware.emrtd import tlv
from hardware.emrtd.apdu import SW
from hardware.emrtd.bac import BacNotAvailableError
from hardware.emrtd.errors import AccessControlError, ApduError, CardRemovedError
from hardware.emrtd.password import AccessKey
from hardware.emrtd.session import EF_COM, EF_SOD, EmrtdSession, dg_fid
from hardware.emrtd.virtual import ChipFaults, LinkModel, VirtualChip

KEY = AccessKey.from_mrz("L898902C<", "740812", "120415")


def make_files(dg2_size: int = 3000) -> dict[int, bytes]:
    rnd = os.urandom
    return {
        EF_COM: tlv.encode(0x60, tlv.encode(0x5F01, b"0107") + tlv.encode(0x5C, b"\x61\x75")),
        EF_SOD: tlv.encode(0x77, rnd(1500)),
        dg_fid(1): tlv.encode(0x61, tlv.encode(0x5F1F, b"P<UTOERIKSSON<<ANNA<MARIA" + b"<" * 63)),
        dg_fid(2): tlv.encode(0x75, rnd(dg2_size)),
        dg_fid(3): tlv.encode(0x63, rnd(100)),
    }


def read_all(session: EmrtdSession, files: dict[int, bytes]) -> None:
    for fid in (EF_COM, EF_SOD, dg_fid(1), dg_fid(2)):
        assert session.read_file(fid) == files[fid]


def test_bac_read_all_files_with_progress() -> None:
    files = make_files()
    chip = VirtualChip(files, mrz_key=KEY)
    session = EmrtdSession(chip)
    assert session.read_card_access() is None  # no PACE on this chip
    session.authenticate_bac(KEY)
    assert session.access_method == "BAC"
    seen: list[tuple[int, int]] = []
    assert session.read_file(dg_fid(2), progress=lambda a, b: seen.append((a, b))) == files[dg_fid(2)]
    total = len(files[dg_fid(2)])
    assert seen[-1] == (total, total) and all(b == total for _, b in seen)
    assert [a for a, _ in seen] == sorted(a for a, _ in seen)
    read_all(session, files)
    assert max(session.stats.chunk_sizes) <= 224


def test_files_are_unreadable_before_access_control_and_dg3_is_refused() -> None:
    files = make_files()
    chip = VirtualChip(files, mrz_key=KEY)
    session = EmrtdSession(chip)
    session.select_application()
    with pytest.raises(ApduError) as info:
        session.read_file(dg_fid(1))
    assert info.value.sw == SW.SECURITY_STATUS_NOT_SATISFIED
    session.authenticate_bac(KEY)
    with pytest.raises(ApduError) as info:
        session.read_file(dg_fid(3))
    assert info.value.sw == SW.SECURITY_STATUS_NOT_SATISFIED
    with pytest.raises(ApduError) as info:
        session.read_file(dg_fid(11))
    assert info.value.sw == SW.FILE_NOT_FOUND


def test_wrong_mrz_is_refused() -> None:
    chip = VirtualChip(make_files(), mrz_key=KEY)
    with pytest.raises(AccessControlError):
        EmrtdSession(chip).authenticate_bac(AccessKey.from_mrz("L898902C<", "740812", "120416"))


def test_bac_disabled_answers_6a88() -> None:
    chip = VirtualChip(make_files(), mrz_key=KEY, faults=ChipFaults(bac_disabled=True))
    with pytest.raises(BacNotAvailableError):
        EmrtdSession(chip).authenticate_bac(KEY)


def test_card_removed_mid_read() -> None:
    files = make_files()
    chip = VirtualChip(files, mrz_key=KEY, faults=ChipFaults(remove_after_bytes=1000))
    session = EmrtdSession(chip)
    session.authenticate_bac(KEY)
    with pytest.raises(CardRemovedError):
        session.read_file(dg_fid(2))
    with pytest.raises(CardRemovedError):
        session.read_file(EF_COM)
    chip.reset()  # presented again: a new session works
    again = EmrtdSession(chip)
    again.authenticate_bac(KEY)
    assert again.read_file(dg_fid(2)) == files[dg_fid(2)]


@pytest.mark.parametrize("k", [1, 3, 9])
def test_corrupted_mac_triggers_reauthentication_then_success(k: int) -> None:
    files = make_files()
    chip = VirtualChip(files, mrz_key=KEY, faults=ChipFaults(corrupt_mac_on_response=k))
    session = EmrtdSession(chip)
    session.authenticate_bac(KEY)
    assert session.read_file(dg_fid(2)) == files[dg_fid(2)]
    assert session.stats.reauthentications == 1
    read_all(session, files)


def test_reauthentication_gives_up_after_limit() -> None:
    from hardware.emrtd.errors import SecureMessagingError

    chip = VirtualChip(make_files(), mrz_key=KEY, faults=ChipFaults(corrupt_mac_on_response=3))
    session = EmrtdSession(chip, max_reauth=0)
    session.authenticate_bac(KEY)
    with pytest.raises(SecureMessagingError):
        session.read_file(dg_fid(2))


@pytest.mark.parametrize("oversize_sw", [0x6700, 0x6C00, 0x6282])
def test_chunk_shrinking(oversize_sw: int) -> None:
    files = make_files()
    chip = VirtualChip(files, mrz_key=KEY, faults=ChipFaults(max_read=100, oversize_sw=oversize_sw))
    session = EmrtdSession(chip)
    session.authenticate_bac(KEY)
    assert session.read_file(dg_fid(2)) == files[dg_fid(2)]
    assert max(chip.counters.read_sizes) <= 100
    assert max(session.stats.chunk_sizes) <= 100


def test_extended_length_reads_bigger_chunks_and_large_offsets() -> None:
    files = make_files(dg2_size=40000)  # beyond 32767: READ BINARY with odd INS and DO54
    chip = VirtualChip(files, mrz_key=KEY, extended_length=True)
    session = EmrtdSession(chip, extended_length=True)
    session.authenticate_bac(KEY)
    assert session.read_file(dg_fid(2)) == files[dg_fid(2)]
    assert max(session.stats.chunk_sizes) > 224


def test_large_file_over_short_apdus() -> None:
    files = make_files(dg2_size=33000)
    chip = VirtualChip(files, mrz_key=KEY)
    session = EmrtdSession(chip)
    session.authenticate_bac(KEY)
    assert session.read_file(dg_fid(2)) == files[dg_fid(2)]


def test_extended_apdus_refused_when_chip_lacks_support() -> None:
    files = make_files()
    chip = VirtualChip(files, mrz_key=KEY, extended_length=False)
    session = EmrtdSession(chip, extended_length=True)
    session.authenticate_bac(KEY)
    # The session shrinks back to short reads after 6700.
    assert session.read_file(dg_fid(2)) == files[dg_fid(2)]


def test_link_model_accumulates_simulated_time_deterministically() -> None:
    files = make_files()
    chip = VirtualChip(files, mrz_key=KEY, link=LinkModel(latency_s=0.005, bitrate_bps=424_000))
    session = EmrtdSession(chip)
    session.authenticate_bac(KEY)
    read_all(session, files)
    expected = chip.counters.apdus * 0.005 + chip.counters.bytes_on_link * 8 / 424_000
    assert chip.simulated_seconds == pytest.approx(expected)
    assert chip.counters.apdus == session.stats.apdus


@pytest.mark.parametrize("offer_args", [("brainpoolP256r1", "AES", 128), ("secp256r1", "3DES", 128),
                                        ("brainpoolP384r1", "AES", 256)])
def test_pace_read_all_files(offer_args: tuple[str, str, int]) -> None:
    from hardware.emrtd.crypto import CipherAlg
    from hardware.emrtd.virtual.pace_card import PaceOffer

    curve, alg, bits = offer_args
    files = make_files()
    chip = VirtualChip(files, mrz_key=KEY, pace=[PaceOffer.ecdh(curve, CipherAlg(alg), bits)])
    session = EmrtdSession(chip)
    card_access = session.read_card_access()
    assert card_access is not None
    session.authenticate_pace(KEY, card_access)
    session.select_application()
    assert session.access_method == "PACE" and chip.authenticated == "PACE"
    read_all(session, files)
    assert max(session.stats.chunk_sizes) <= 224


def test_pace_only_chip_with_corrupted_mac_reauthenticates_with_pace() -> None:
    from hardware.emrtd.virtual.pace_card import PaceOffer

    files = make_files()
    chip = VirtualChip(files, mrz_key=KEY, pace=[PaceOffer.ecdh()],
                       faults=ChipFaults(bac_disabled=True, corrupt_mac_on_response=4))
    session = EmrtdSession(chip)
    session.authenticate_pace(KEY, session.read_card_access())
    session.select_application()
    read_all(session, files)
    assert session.stats.reauthentications == 1
    with pytest.raises(BacNotAvailableError):
        EmrtdSession(chip).authenticate_bac(KEY)


def test_card_security_needs_pace() -> None:
    from hardware.emrtd.session import EF_CARD_SECURITY
    from hardware.emrtd.virtual.pace_card import PaceOffer

    chip = VirtualChip(make_files(), mf_files={EF_CARD_SECURITY: tlv.encode(0x30, b"\x01" * 40)},
                       mrz_key=KEY, pace=[PaceOffer.ecdh()])
    session = EmrtdSession(chip)
    card_access = session.read_card_access()
    with pytest.raises(ApduError):
        session.read_file(EF_CARD_SECURITY)
    session.authenticate_pace(KEY, card_access)
    assert session.read_file(EF_CARD_SECURITY) == tlv.encode(0x30, b"\x01" * 40)


def test_tiny_file_does_not_shrink_later_chunks() -> None:
    files = make_files()
    files[dg_fid(11)] = H_TINY = tlv.encode(0x6B, b"\x01\x02\x03")  # 5 bytes: shorter than the first read
    chip = VirtualChip(files, mrz_key=KEY)
    session = EmrtdSession(chip)
    session.authenticate_bac(KEY)
    assert session.read_file(dg_fid(11)) == H_TINY
    assert session.read_file(dg_fid(2)) == files[dg_fid(2)]
    assert max(session.stats.chunk_sizes) == 224


def test_corrupted_file_length_is_an_apdu_error_not_a_hang() -> None:
    files = make_files()
    files[dg_fid(2)] = files[dg_fid(2)][:-100]  # outer TLV claims 100 bytes more than the file holds
    chip = VirtualChip(files, mrz_key=KEY)
    session = EmrtdSession(chip)
    session.authenticate_bac(KEY)
    with pytest.raises(ApduError):
        session.read_file(dg_fid(2))
