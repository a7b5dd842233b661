"""Full passport reads of the virtual chip through real transports: pyscard + pcscd + vpcd, nfcpy udp."""
from __future__ import annotations

import pytest

from hardware.emrtd.errors import CardRemovedError, ChipLimitError
from hardware.emrtd.password import AccessKey
from hardware.emrtd.reader import AccessMethod, EmrtdReader, ReadPhase
from hardware.emrtd.virtual.chip import ChipFaults, VirtualChip
from hardware.emrtd.virtual.document import make_document
from hardware.emrtd.virtual.nfc_udp import NfcUdpCard
from hardware.emrtd.virtual.pace_card import PaceOffer
from hardware.nfc.nfcpy_backend import NfcpyConnection
from hardware.nfc.pcsc import PcscConnection

KEY = AccessKey.from_mrz("L898902C3", "740812", "120415")


@pytest.fixture(scope="module")
def document():
    return make_document(dg2_size=20000)


def _check_complete(result, document) -> None:
    assert result.ok, (result.failed_phase, result.error)
    for fid, raw in document.files.items():
        assert result.files[fid] == raw, hex(fid)
    from kiosk.workflow.chip_step import decode_dg2_face

    assert decode_dg2_face(result.dg2.face.image_data).shape[:2] == (320, 240)


def _chip(document, **kwargs) -> VirtualChip:
    return VirtualChip(document.files, mrz_key=KEY, pace=[PaceOffer.ecdh()], **kwargs)


@pytest.mark.pcsc
@pytest.mark.parametrize("method", [AccessMethod.BAC, AccessMethod.PACE])
def test_full_read_through_pcscd(vpcd_card, pcsc_stack, document, method) -> None:
    chip = _chip(document)
    vpcd_card(chip)
    with PcscConnection(pcsc_stack.reader_name(0)) as conn:
        result = EmrtdReader(conn, KEY, method=method).read()
    _check_complete(result, document)
    assert result.access_method == method.name
    assert chip.counters.apdus == result.apdu_count


@pytest.mark.pcsc
def test_card_pulled_during_pcsc_read(vpcd_card, pcsc_stack, document) -> None:
    chip = _chip(document, faults=ChipFaults(remove_after_bytes=6000))
    vpcd_card(chip)
    with PcscConnection(pcsc_stack.reader_name(0)) as conn:
        result = EmrtdReader(conn, KEY).read()
    assert isinstance(result.error, CardRemovedError)
    assert result.failed_phase is ReadPhase.DG2
    assert result.files[0x0101] == document.files[0x0101]


@pytest.mark.pcsc
def test_hostile_chip_through_pcscd_stops_with_a_typed_error(vpcd_card, pcsc_stack, document) -> None:
    # Through the real stack too: a DG2 declaring 4 GB is refused at its header, the card stays usable.
    chip = _chip(document, faults=ChipFaults(endless_file=0x0102))
    vpcd_card(chip)
    with PcscConnection(pcsc_stack.reader_name(0)) as conn:
        result = EmrtdReader(conn, KEY).read()
    assert isinstance(result.error, ChipLimitError) and result.failed_phase is ReadPhase.DG2
    assert result.user_message and 0x0102 not in result.files
    assert chip.counters.file_bytes_served < 4096


@pytest.mark.parametrize("fsci, method", [(8, AccessMethod.PACE), (5, AccessMethod.BAC), (5, AccessMethod.PACE)])
def test_full_read_through_nfcpy_udp(document, fsci, method) -> None:
    chip = _chip(document)
    with NfcUdpCard(chip, fsci=fsci) as card, NfcpyConnection(card.path, wait_s=5) as conn:
        result = EmrtdReader(conn, KEY, method=method).read()
        assert card.max_frame_in <= conn.max_frame_size
    _check_complete(result, document)
    assert result.access_method == method.name


@pytest.mark.pcsc
def test_pace_with_bac_switched_off_through_pcscd(vpcd_card, pcsc_stack, document) -> None:
    chip = _chip(document, faults=ChipFaults(bac_disabled=True))
    vpcd_card(chip)
    with PcscConnection(pcsc_stack.reader_name(0)) as conn:
        result = EmrtdReader(conn, KEY).read()
    _check_complete(result, document)
    assert result.access_method == "PACE"


@pytest.mark.pcsc
def test_cli_read_through_pcscd(vpcd_card, pcsc_stack, document, tmp_path, capsys) -> None:
    import json

    from kiosk.cli import main

    vpcd_card(_chip(document))
    csca = tmp_path / "csca.der"
    csca.write_bytes(document.csca_certificate)
    code = main(["passport", "read", "--reader", "kiosk virtual", "--mrz-doc", "L898902C3",
                 "--mrz-birth", "740812", "--mrz-expiry", "120415", "--out", str(tmp_path / "out"),
                 "--json", str(tmp_path / "r.json"), "--data-dir", str(tmp_path / "state"), "--trust", str(csca)])
    report = json.loads((tmp_path / "r.json").read_text())
    assert code == 0, (report, capsys.readouterr())
    assert report["source"] == f"PC/SC {pcsc_stack.reader_name(0)}"
    assert report["access_method"] == "PACE" and report["passive_authentication"]["passed"]
    assert (tmp_path / "out" / "DG2.bin").read_bytes() == document.files[0x0102]
    # The same files do not verify against another CSCA.
    from hardware.emrtd.virtual.document import make_test_pki

    other = tmp_path / "other.der"
    other.write_bytes(make_test_pki(b"another issuer").csca_certificate)
    assert main(["passport", "verify", str(tmp_path / "out"), "--trust", str(other)]) == 1


@pytest.mark.pcsc
@pytest.mark.parametrize("reader_extended", [True, False])
def test_extended_length_only_when_both_sides_support_it(vpcd_card, pcsc_stack, document, reader_extended) -> None:
    chip = _chip(document, extended_length=True)
    vpcd_card(chip)
    with PcscConnection(pcsc_stack.reader_name(0), extended_length=reader_extended) as conn:
        result = EmrtdReader(conn, KEY).read()
    _check_complete(result, document)
    if reader_extended:
        assert max(result.chunk_sizes) > 256
        assert result.apdu_count < 60
    else:
        assert max(result.chunk_sizes) <= 224
