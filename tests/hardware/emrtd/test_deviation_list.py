"""ICAO deviation lists (9303-12 section 10): a signed list naming a document's fault sends the case to a person
(CHIP_KNOWN_DEVIATION) instead of rejecting it; an unsigned or foreign list changes nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from hardware.emrtd.certs import load_certificate
from hardware.emrtd.deviation_list import OID_DEVIATION_LIST, _DeviationList
from hardware.emrtd.errors import TrustStoreError
from hardware.emrtd.lds.signed_data import build_signed_data
from hardware.emrtd.lds.sod import hash_function
from hardware.emrtd.password import AccessKey
from hardware.emrtd.trust import TrustStore
from hardware.emrtd.virtual import VirtualChip
from hardware.emrtd.virtual.document import make_document, make_test_pki
from hardware.emrtd.virtual.pace_card import PaceOffer
from hardware.emrtd.virtual.pki_files import make_master_list_signer
from kiosk.chip_evidence import chip_evidence
from kiosk.evidence import Evidence
from kiosk.policy import Reason, decide
from kiosk.workflow.chip_step import read_chip

KEY = AccessKey.from_mrz("L898902C3", "740812", "120415")
DG_HASH_WRONG = "2.23.136.1.1.7.2.2"


def _deviation_list(pki, dsc_der: bytes, deviation_type: str = DG_HASH_WRONG) -> bytes:  # type: ignore[no-untyped-def]
    dsc = asn1_x509.Certificate.load(dsc_der)
    content = _DeviationList({"version": 0, "deviations": [{
        "documents": {"dsc": {"issuer_and_serial_number": cms.IssuerAndSerialNumber(
            {"issuer": dsc.issuer, "serial_number": dsc.serial_number})}},
        "descriptions": [{"description": "DG2 hash computed over the wrong bytes", "deviation_type": deviation_type}],
    }]}).dump()
    signer = make_master_list_signer(pki, seed=b"deviation-list-signer")
    algo = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
    return build_signed_data(OID_DEVIATION_LIST, content, signer.certificate, "sha256", "sha256_ecdsa",
                             lambda m: signer.key.sign(m, algo), hash_function("sha256"),
                             dt.datetime.now(dt.timezone.utc))


@pytest.fixture(scope="module")
def faulty():  # type: ignore[no-untyped-def]
    """A genuine document whose issuer hashed DG2 wrongly (the chip holds other DG2 bytes than EF.SOD signs)."""
    doc = make_document()
    files = dict(doc.files)
    dg2 = bytearray(files[0x0102])
    dg2[-1] ^= 0x01  # the last byte of the JPEG stream: the image still decodes
    files[0x0102] = bytes(dg2)
    return doc, files


def _decide(doc, files, store):  # type: ignore[no-untyped-def]
    chip = VirtualChip(files, mrz_key=KEY, pace=[PaceOffer.ecdh()])
    result = read_chip(chip, KEY, store)
    assert result.ok
    return result, decide(Evidence(chip=chip_evidence(result, KEY)))


def test_listed_fault_goes_to_review_instead_of_reject(faulty, tmp_path) -> None:  # type: ignore[no-untyped-def]
    doc, files = faulty
    store = TrustStore()
    store.add_certificate(load_certificate(doc.csca_certificate))
    result, before = _decide(doc, files, store)
    assert Reason.CHIP_PA_FAILED in before.reasons and before.outcome.value == "REJECT"
    (tmp_path / "dl.bin").write_bytes(_deviation_list(doc.pki, doc.pki.dsc_certificate))
    [line] = store.add_path(tmp_path / "dl.bin")
    assert "deviation list signed by" in line and "1 deviation(s)" in line
    result, after = _decide(doc, files, store)
    assert result.passive_authentication.deviations == (DG_HASH_WRONG,)
    assert not result.passive_authentication.passed  # the fault is still reported
    assert Reason.CHIP_KNOWN_DEVIATION in after.reasons and Reason.CHIP_PA_FAILED not in after.reasons
    assert after.outcome.value == "REVIEW"
    # kept by the store across a save and load
    store.save(tmp_path / "trust")
    assert len(TrustStore.load(tmp_path / "trust").deviation_lists) == 1


def test_list_for_another_signer_or_type_changes_nothing(faulty) -> None:  # type: ignore[no-untyped-def]
    doc, files = faulty
    store = TrustStore()
    store.add_certificate(load_certificate(doc.csca_certificate))
    other_dsc = make_test_pki(b"another dsc").dsc_certificate
    store.add_deviation_list(_deviation_list(doc.pki, other_dsc))
    _, decision = _decide(doc, files, store)
    assert Reason.CHIP_PA_FAILED in decision.reasons and Reason.CHIP_KNOWN_DEVIATION not in decision.reasons
    store = TrustStore()
    store.add_certificate(load_certificate(doc.csca_certificate))
    store.add_deviation_list(_deviation_list(doc.pki, doc.pki.dsc_certificate, "2.23.136.1.1.7.3.2"))  # MRZ digit
    _, decision = _decide(doc, files, store)
    assert Reason.CHIP_PA_FAILED in decision.reasons and Reason.CHIP_KNOWN_DEVIATION in decision.reasons
    assert decision.outcome.value == "REJECT"


def test_deviation_list_needs_a_signer_under_a_trusted_csca(faulty) -> None:  # type: ignore[no-untyped-def]
    doc, _ = faulty
    stranger = make_test_pki(b"stranger", country="YY")
    data = _deviation_list(stranger, doc.pki.dsc_certificate)
    store = TrustStore()
    store.add_certificate(load_certificate(doc.csca_certificate))
    with pytest.raises(TrustStoreError, match="not issued by a CSCA in the trust store"):
        store.add_deviation_list(data)
    tampered = bytearray(_deviation_list(doc.pki, doc.pki.dsc_certificate))
    tampered[60] ^= 0x01
    with pytest.raises(TrustStoreError):
        store.add_deviation_list(bytes(tampered))
    assert store.deviation_lists == []


def test_the_api_chip_files_apply_the_deviation_list_as_the_kiosk_does(faulty, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 25: /v1/verify's uploaded EF.SOD/DG1/DG2 go through the same mapping as a chip read, so a deviation
    the issuer lists sends the case to review there too (on main the API dropped it: CHIP_PA_FAILED, REJECT)."""
    from kiosk.api.chip import chip_files_evidence

    doc, files = faulty
    store = TrustStore()
    store.add_certificate(load_certificate(doc.csca_certificate))
    (tmp_path / "dl.bin").write_bytes(_deviation_list(doc.pki, doc.pki.dsc_certificate))
    store.add_path(tmp_path / "dl.bin")
    store.save(tmp_path / "trust")
    evidence, _clear, record = chip_files_evidence(files[0x011D], files[0x0102], files[0x0101], tmp_path / "trust")
    assert evidence.known_deviations == (DG_HASH_WRONG,)
    decision = decide(Evidence(chip=evidence))
    assert Reason.CHIP_KNOWN_DEVIATION in decision.reasons and Reason.CHIP_PA_FAILED not in decision.reasons
    # the files' chip record: EF.SOD and the hashes of the uploaded groups, what decided, no chip authentication
    assert set(record["parts"]) == {"EF.SOD"} and set(record["data_group_hashes"]["values"]) == {"DG1", "DG2"}
    assert record["access_method"] == "uploaded_files" and record["active_authentication"] is None
    assert record["decided_by"]["csca"][0]["sha256"]
