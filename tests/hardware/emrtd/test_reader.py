"""EmrtdReader against the in-process virtual chip: step order, progress contract, fallbacks, failures."""
from __future__ import annotations

import pytest

from hardware.emrtd.errors import AccessControlError, CardRemovedError
from hardware.emrtd.password import AccessKey
from hardware.emrtd.reader import AccessMethod, EmrtdReader, ReadPhase, ReadProgress, phase_table
from hardware.emrtd.virtual.chip import ChipFaults, LinkModel, VirtualChip
from hardware.emrtd.virtual.document import make_document

KEY = AccessKey.from_mrz("L898902C3", "740812", "120415")


@pytest.fixture(scope="module")
def document():
    return make_document(dg2_size=12000)


def _chip(document, **kwargs) -> VirtualChip:
    return VirtualChip(document.files, mrz_key=KEY, **kwargs)


def test_bac_read_returns_every_file_and_a_stable_progress_sequence(document) -> None:
    events: list[ReadProgress] = []
    result = EmrtdReader(_chip(document), KEY, progress=events.append).read()
    assert result.ok, result.error
    assert result.access_method == "BAC"
    for fid, raw in document.files.items():
        assert result.files[fid] == raw
    assert result.dg1.raw == document.files[0x0101]
    assert result.dg2.face.image_format == "jpeg"
    phases = [e.phase for e in events]
    assert phases == sorted(phases), "phases only move forward"
    assert phases[0] is ReadPhase.CARD_ACCESS and phases[-1] is ReadPhase.DONE
    assert ReadPhase.PACE not in phases  # no EF.CardAccess on this chip
    dg2 = [e for e in events if e.phase is ReadPhase.DG2 and e.bytes_expected]
    assert dg2[-1].bytes_read == dg2[-1].bytes_expected == len(document.files[0x0102])
    assert all(a.bytes_read <= b.bytes_read for a, b in zip(dg2, dg2[1:]))
    assert result.apdu_count == len(result.apdu_log) > 0
    assert max(result.chunk_sizes) <= 224
    assert int(ReadPhase.DG2) == 8  # the numbers are a contract with the UI


def test_log_is_redacted(document) -> None:
    result = EmrtdReader(_chip(document), KEY).read()
    text = "\n".join(str(e) for e in result.apdu_log) + repr(result.apdu_log)
    assert "L898902C3" not in text
    assert document.files[0x0101][5:15].hex().upper() not in text.upper()
    entry = result.apdu_log[-1]
    assert set(vars(entry)) == {"phase", "cla", "ins", "p1", "p2", "command_length", "response_length",
                                "sw", "seconds"}


def test_card_removed_mid_dg2_returns_partial_result(document) -> None:
    chip = _chip(document, faults=ChipFaults(remove_after_bytes=4000))
    result = EmrtdReader(chip, KEY).read()
    assert not result.ok
    assert isinstance(result.error, CardRemovedError)
    assert result.failed_phase is ReadPhase.DG2
    assert result.files[0x011E] == document.files[0x011E]  # what was read before is kept
    assert 0x0102 not in result.files
    with pytest.raises(CardRemovedError):
        result.raise_for_error()


def test_bac_switched_off_without_pace_is_a_clear_access_error(document) -> None:
    result = EmrtdReader(_chip(document, faults=ChipFaults(bac_disabled=True)), KEY).read()
    assert isinstance(result.error, AccessControlError)
    assert "BAC switched off" in str(result.error)
    assert result.failed_phase is ReadPhase.BAC


def test_wrong_mrz_fails_access_control(document) -> None:
    wrong = AccessKey.from_mrz("L898902C3", "740813", "120415")
    result = EmrtdReader(_chip(document), wrong).read()
    assert isinstance(result.error, AccessControlError)
    assert result.files == {}


def test_pace_only_on_a_chip_without_pace_is_refused(document) -> None:
    result = EmrtdReader(_chip(document), KEY, method=AccessMethod.PACE).read()
    assert isinstance(result.error, AccessControlError)
    assert result.failed_phase is ReadPhase.CARD_ACCESS


def test_link_time_is_accounted_per_phase(document) -> None:
    chip = _chip(document, link=LinkModel(latency_s=0.005, bitrate_bps=424_000))
    result = EmrtdReader(chip, KEY).read()
    assert result.ok
    assert result.link_seconds == pytest.approx(chip.simulated_seconds)
    assert result.phase_link_seconds[ReadPhase.DG2] > result.phase_link_seconds[ReadPhase.DG1]
    assert set(phase_table(result)) >= {"bac", "com", "sod", "dg1", "dg2"}


def test_secure_messaging_error_is_recovered_by_authenticating_again(document) -> None:
    chip = _chip(document, faults=ChipFaults(corrupt_mac_on_response=20))
    result = EmrtdReader(chip, KEY).read()
    assert result.ok, result.error
    assert result.files[0x0102] == document.files[0x0102]


def _pace_chip(document, offers=None, **kwargs) -> VirtualChip:
    from hardware.emrtd.virtual.pace_card import PaceOffer

    return VirtualChip(document.files, mrz_key=KEY, pace=offers or [PaceOffer.ecdh()], **kwargs)


def test_pace_is_preferred_when_card_access_offers_it(document) -> None:
    events: list[ReadProgress] = []
    result = EmrtdReader(_pace_chip(document), KEY, progress=events.append).read()
    assert result.ok, result.error
    assert result.access_method == "PACE"
    assert result.card_access is not None
    phases = [e.phase for e in events]
    assert phases.index(ReadPhase.PACE) < phases.index(ReadPhase.SELECT_APPLICATION) < phases.index(ReadPhase.COM)
    assert ReadPhase.BAC not in phases
    assert max(result.chunk_sizes) <= 224


def test_pace_with_bac_switched_off(document) -> None:
    result = EmrtdReader(_pace_chip(document, faults=ChipFaults(bac_disabled=True)), KEY).read()
    assert result.ok and result.access_method == "PACE"


def test_unsupported_pace_falls_back_to_bac(document) -> None:
    from hardware.emrtd.virtual.pace_card import PaceOffer

    # id-PACE-ECDH-IM-AES-CBC-CMAC-256: integrated mapping is supported with AES-128 only
    integrated_mapping = PaceOffer("0.4.0.127.0.7.2.2.4.4.4", 13)
    result = EmrtdReader(_pace_chip(document, [integrated_mapping]), KEY).read()
    assert result.ok and result.access_method == "BAC"
    assert any("PACE failed" in note for note in result.notes)


def test_pace_failure_with_bac_switched_off_names_both(document) -> None:
    wrong = AccessKey.from_mrz("L898902C3", "740812", "120416")
    result = EmrtdReader(_pace_chip(document, faults=ChipFaults(bac_disabled=True)), wrong).read()
    assert isinstance(result.error, AccessControlError)
    assert "BAC switched off and PACE did not succeed" in str(result.error)


def test_can_reads_with_pace_and_never_falls_back(document) -> None:
    from hardware.emrtd.virtual.pace_card import PaceOffer

    can = AccessKey.from_can("123456")
    chip = VirtualChip(document.files, mrz_key=KEY, can=can, pace=[PaceOffer.ecdh()])
    assert EmrtdReader(chip, can).read().access_method == "PACE"
    chip = VirtualChip(document.files, mrz_key=KEY, can=can, pace=[PaceOffer.ecdh()])
    result = EmrtdReader(chip, AccessKey.from_can("123457")).read()
    assert isinstance(result.error, AccessControlError)
    assert result.failed_phase is ReadPhase.PACE
    with pytest.raises(AccessControlError, match="CAN works only with PACE"):
        EmrtdReader(chip, can, method=AccessMethod.BAC)


def test_chip_and_active_authentication(document) -> None:
    doc = make_document(dg2_size=4000, chip_authentication=True, active_authentication="ec")
    chip = VirtualChip(doc.files, mrz_key=KEY, ca_private_key=doc.ca_private_key,
                       aa_private_key=doc.aa_private_key)
    events: list[ReadProgress] = []
    result = EmrtdReader(chip, KEY, aa_challenge=bytes(range(8)), progress=events.append).read()
    assert result.ok, result.error
    assert result.chip_authentication.passed and result.active_authentication.passed
    phases = [e.phase for e in events]
    assert phases.index(ReadPhase.DG15) < phases.index(ReadPhase.CHIP_AUTHENTICATION) \
        < phases.index(ReadPhase.ACTIVE_AUTHENTICATION) < phases.index(ReadPhase.DONE)
    # Without a caller-supplied challenge AA is skipped, never run with a challenge of our own.
    chip = VirtualChip(doc.files, mrz_key=KEY, ca_private_key=doc.ca_private_key,
                       aa_private_key=doc.aa_private_key)
    result = EmrtdReader(chip, KEY).read()
    assert result.ok and result.active_authentication is None
    assert any("no challenge" in note for note in result.notes)


def test_cloned_chip_fails_chip_and_active_authentication(document) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    doc = make_document(dg2_size=4000, chip_authentication=True, active_authentication="ec")
    # A clone has the signed files but not the chip's private keys.
    chip = VirtualChip(doc.files, mrz_key=KEY, ca_private_key=ec.generate_private_key(ec.BrainpoolP256R1()),
                       aa_private_key=ec.generate_private_key(ec.BrainpoolP256R1()))
    result = EmrtdReader(chip, KEY, aa_challenge=b"\x01" * 8).read()
    assert not result.chip_authentication.passed
    assert not result.active_authentication.passed


def test_extended_length_needs_the_chip_to_announce_it(document) -> None:
    from hardware.emrtd.reader import atr_announces_extended_length

    assert atr_announces_extended_length(VirtualChip({}, extended_length=True).atr) is True
    assert atr_announces_extended_length(VirtualChip({}).atr) is False
    assert atr_announces_extended_length(bytes.fromhex("3B8880014D525444000000000F")) is None  # no 80h category
    for broken in (b"", b"\x3b", b"\x3b\xff", bytes.fromhex("3B8580017305")):
        assert atr_announces_extended_length(broken) in (None, False)

    class ExtendedReader:
        """A reader that handles extended APDUs, in front of the chip."""

        extended_length = True

        def __init__(self, chip: VirtualChip) -> None:
            self.chip, self.atr = chip, chip.atr

        def transmit(self, apdu: bytes) -> tuple[bytes, int]:
            return self.chip.transmit(apdu)

        def close(self) -> None:
            pass

    both = EmrtdReader(ExtendedReader(_chip(document, extended_length=True)), KEY).read()
    reader_only = EmrtdReader(ExtendedReader(_chip(document)), KEY).read()
    assert both.ok and reader_only.ok
    assert max(both.chunk_sizes) > 256 >= max(reader_only.chunk_sizes)
