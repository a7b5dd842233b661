"""Passive authentication against every real SOD in the shared data, the negatives, and test documents."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardware.emrtd import certs, lds
from hardware.emrtd.passive_auth import verify
from hardware.emrtd.trust import TrustStore, parse_crl
from hardware.emrtd.virtual.document import make_document, make_test_pki
from hardware.emrtd.virtual.pki_files import make_test_crl

TODAY = dt.date(2026, 11, 22)
SOD_PARSE = ["AT", "AU", "CN", "DE", "FR", "MY", "NZ", "RU", "SG", "UK", "US"]
PA_REAL = ["AT", "DE", "FR", "MY", "NZ", "RU", "SG", "UK", "US"]
NEGATIVE = ["negative_DE_CardSecurity_corrupted", "negative_DE_SOD_corrupted", "negative_DE_SOD_missing"]


@pytest.fixture(scope="module")
def vectors(shared_data: Path) -> Path:
    return shared_data / "emrtd/gmrtd/vectors"


@pytest.fixture(scope="module")
def master_lists(shared_data: Path) -> TrustStore:
    # DE and NL master lists plus the Indonesian CSCA certificates beside them.
    return TrustStore.from_paths([shared_data / "emrtd/gmrtd/cms/master_list"])


@pytest.mark.parametrize("cc", SOD_PARSE)
def test_sod_parse_vectors_with_their_csca(vectors: Path, cc: str) -> None:
    folder = vectors / "sod_parse" / cc
    store = TrustStore()
    store.add_certificate(certs.load_certificate((folder / "CSCA.der").read_bytes()))
    raw = (folder / "EF_SOD.bin").read_bytes()
    report = verify(raw, {}, store, TODAY)
    assert (report.signature, report.chain, report.passed) == ("valid", "valid", True), report.reasons
    sod = lds.parse_sod(raw)
    assert sod.certificates[0] == (folder / "DSC.der").read_bytes()
    assert sod.dg_hashes[1] == (folder / "expected_DG1_hash.bin").read_bytes()
    assert sod.dg_hashes[2] == (folder / "expected_DG2_hash.bin").read_bytes()
    # Without its CSCA the same SOD still has a good signature but no chain.
    alone = verify(raw, {}, TrustStore(), TODAY)
    assert (alone.signature, alone.chain, alone.passed) == ("valid", "invalid", False)
    assert any("no CSCA" in r for r in alone.reasons)


@pytest.mark.parametrize("cc", PA_REAL)
def test_real_sods_against_master_lists(vectors: Path, master_lists: TrustStore, cc: str) -> None:
    folder = vectors / "pa_real_sod" / cc
    card_security = folder / "EF_CardSecurity.bin"
    report = verify((folder / "EF_SOD.bin").read_bytes(), {}, master_lists, TODAY,
                    card_security=card_security.read_bytes() if card_security.exists() else None)
    assert report.passed, report.reasons
    assert report.signature == report.chain == "valid"
    assert report.csca_subject and report.dsc_subject
    assert report.card_security == ("valid" if card_security.exists() else None)


def test_worked_example_sod_and_card_security(vectors: Path, master_lists: TrustStore) -> None:
    sod = (vectors / "icao9303_worked_examples/EF_SOD_AT_unrelated.bin").read_bytes()
    assert verify(sod, {}, master_lists, TODAY).passed
    cs = (vectors / "card_security/DE_EF_CardSecurity.bin").read_bytes()
    de_sod = (vectors / "pa_real_sod/DE/EF_SOD.bin").read_bytes()
    assert verify(de_sod, {}, master_lists, TODAY, card_security=cs).card_security == "valid"


def test_expired_nz_document_chains_at_signing_time(shared_data: Path, master_lists: TrustStore) -> None:
    sod = (shared_data / "emrtd/jmrtd/samples/ef_sod/NZ2013_EF_SOD.BIN").read_bytes()
    # Its 2011 CSCA left the current master lists (a newer key carries the same name) ...
    current = verify(sod, {}, master_lists, TODAY)
    assert current.chain == "invalid" and "does not verify under any" in current.reasons[0]
    # ... but is among the older CSCAs JMRTD extracted: valid then, expired now.
    old = TrustStore.from_paths([shared_data / "emrtd/jmrtd/csca_ks_extracted"])
    report = verify(sod, {}, old, TODAY)
    assert report.passed and report.chain_time == dt.datetime(2011, 10, 18, 0, 38, 56, tzinfo=dt.timezone.utc)
    assert report.expiry["dsc"] == report.expiry["csca"] == "expired"


@pytest.mark.parametrize("cc", ["AT", "DE", "RU", "UK"])
def test_explicit_curve_keys_map_to_named_curves(vectors: Path, cc: str) -> None:
    folder = vectors / "sod_parse" / cc
    for name in ("DSC.der", "CSCA.der"):
        key = certs.load_certificate((folder / name).read_bytes()).public_key()
        assert key.kind == "ec" and key.curve is not None
        assert key.curve.explicit and key.curve.name != "explicit"


@pytest.mark.parametrize("name", NEGATIVE)
def test_negative_vectors_fail_with_reason(vectors: Path, master_lists: TrustStore, name: str) -> None:
    folder = vectors / "pa_negative" / name
    sod = folder / "EF_SOD.bin"
    report = verify(sod.read_bytes() if sod.exists() else None, {}, master_lists, TODAY,
                    card_security=(folder / "EF_CardSecurity.bin").read_bytes())
    assert not report.passed
    assert report.reasons
    if "SOD" in name:
        assert report.signature == "invalid"
    else:
        assert report.card_security == "invalid"


@pytest.mark.parametrize(
    ("folder", "sod_name", "dgs"),
    [
        ("bsi2008", "EF_SOD.bin", {1: "Datagroup1.bin", 2: "Datagroup2.bin", 3: "Datagroup3.bin",
                                   14: "Datagroup14.bin"}),
        ("loes2006", "ef011D.bin", {1: "ef0101.bin", 2: "ef0102.bin", 15: "ef010F.bin"}),
    ],
)
def test_jmrtd_specimens(shared_data: Path, folder: str, sod_name: str, dgs: dict[int, str]) -> None:
    base = shared_data / "emrtd/jmrtd/samples" / folder
    data = {n: (base / f).read_bytes() for n, f in dgs.items()}
    report = verify((base / sod_name).read_bytes(), data, TrustStore(), TODAY)
    # Their test CSCAs are not published: signature by the DSC inside, hashes; no chain.
    assert report.signature == "valid"
    assert report.hashes == {f"DG{n}": "match" for n in dgs}
    assert report.chain == "invalid" and not report.passed
    from kiosk.workflow.chip_step import decode_dg2_face

    assert decode_dg2_face(lds.parse_dg2(data[2]).face.image_data).shape[1] > 100
    data[1] = data[1][:-1] + b"<"
    assert verify((base / sod_name).read_bytes(), data, TrustStore(), TODAY).hashes["DG1"] == "mismatch"


def test_data_group_not_listed_in_sod(shared_data: Path) -> None:
    base = shared_data / "emrtd/bsi_tr03105_5_refdataset_zienit"
    dgs = {1: "Datagroup1.bin", 14: "Datagroup14.bin", 15: "Datagroup15.bin"}
    report = verify((base / "EF_SOD.bin").read_bytes(), {n: (base / f).read_bytes() for n, f in dgs.items()},
                    TrustStore(), TODAY)
    assert report.hashes == {"DG1": "match", "DG14": "match", "DG15": "mismatch"}
    assert "DG15 is present but not listed in EF.SOD" in report.reasons
    assert report.expiry["document"] == "expired"


ISSUED = dt.date(2026, 1, 15)


@pytest.fixture(scope="module")
def document():  # type: ignore[no-untyped-def]
    return make_document(issued=ISSUED, chip_authentication=True, active_authentication="ec")


def _store(*ders: bytes) -> TrustStore:
    store = TrustStore()
    for der in ders:
        store.add_certificate(certs.load_certificate(der))
    return store


def test_factory_round_trip(document) -> None:  # type: ignore[no-untyped-def]
    store = _store(document.csca_certificate)
    report = verify(document.sod, document.data_groups, store, TODAY)
    assert report.passed, report.reasons
    assert report.hashes == {"DG1": "match", "DG2": "match", "DG14": "match", "DG15": "match"}
    assert report.expiry["document"] == "expired"  # the ICAO specimen MRZ expired in 2012
    assert report.revocation == "not_checked"  # no CRL in the store

    assert not verify(document.sod, document.data_groups, TrustStore(), TODAY).passed
    other = make_test_pki(b"someone else", issued=ISSUED)
    wrong = verify(document.sod, document.data_groups, _store(other.csca_certificate), TODAY)
    assert wrong.chain == "invalid" and not wrong.passed

    altered = dict(document.data_groups)
    dg2 = bytearray(altered[2])
    dg2[-100] ^= 0x01
    altered[2] = bytes(dg2)
    bad = verify(document.sod, altered, store, TODAY)
    assert bad.hashes["DG2"] == "mismatch" and bad.signature == "valid" and not bad.passed

    extra = {**document.data_groups, 3: b"\x63\x00"}
    assert not verify(document.sod, extra, store, TODAY).passed


def test_expired_passport_still_genuine() -> None:
    old = make_document(issued=dt.date(2010, 3, 1))
    report = verify(old.sod, old.data_groups, _store(old.csca_certificate), TODAY)
    assert report.passed and report.chain == "valid"
    # Issued 2010: DSC (10 years) and CSCA (15 years) have both expired by now; the chain held then.
    assert report.expiry["dsc"] == report.expiry["csca"] == "expired"
    assert report.chain_time == dt.datetime(2010, 3, 1, tzinfo=dt.timezone.utc)


def test_signing_time_outside_dsc_validity() -> None:
    doc = make_document(issued=ISSUED, signing_time=dt.datetime(2001, 1, 1, tzinfo=dt.timezone.utc))
    report = verify(doc.sod, doc.data_groups, _store(doc.csca_certificate), TODAY)
    assert report.chain == "invalid" and not report.passed
    assert any("outside the DSC's validity" in r for r in report.reasons)


NOW = dt.datetime(2026, 11, 22, 12, tzinfo=dt.timezone.utc)


def _crl(pki, serials: list[int], *, days_ago: int = 10, valid_days: int = 90) -> bytes:  # type: ignore[no-untyped-def]
    start = NOW - dt.timedelta(days=days_ago)
    return make_test_crl(pki, serials, this_update=start, next_update=start + dt.timedelta(days=valid_days))


def _verdict(document, *crls: bytes):  # type: ignore[no-untyped-def]
    store = _store(document.csca_certificate)
    for der in crls:
        store.add_crl(parse_crl(der))
    return verify(document.sod, document.data_groups, store, TODAY, now=NOW)


def test_revocation_from_a_current_crl(document) -> None:  # type: ignore[no-untyped-def]
    dsc_serial = certs.load_certificate(document.pki.dsc_certificate).serial_number
    assert _verdict(document, _crl(document.pki, [12345])).revocation == "valid"
    report = _verdict(document, _crl(document.pki, [12345]), _crl(document.pki, [dsc_serial]))
    assert report.revocation == "invalid" and any("revoked" in r for r in report.reasons)
    # A revoked DSC fails passive authentication, although signature, chain and hashes are fine.
    assert (report.signature, report.chain, report.passed) == ("valid", "valid", False)


def test_out_of_date_crl_makes_revocation_unknown(document) -> None:  # type: ignore[no-untyped-def]
    dsc_serial = certs.load_certificate(document.pki.dsc_certificate).serial_number
    stale = _crl(document.pki, [12345], days_ago=200)  # next update was due 110 days ago
    report = _verdict(document, stale)
    assert report.revocation == "unknown" and report.passed
    assert any("out of date" in r for r in report.reasons)
    # A current CRL beside the stale one settles it; a revocation on a stale CRL still counts.
    assert _verdict(document, stale, _crl(document.pki, [])).revocation == "valid"
    assert _verdict(document, _crl(document.pki, [dsc_serial], days_ago=200)).revocation == "invalid"
    # Not yet valid, and no nextUpdate at all: neither can be relied on.
    assert _verdict(document, _crl(document.pki, [], days_ago=-5)).revocation == "unknown"
    no_next = make_test_crl(document.pki, [], this_update=NOW - dt.timedelta(days=1), next_update=None)
    report = _verdict(document, no_next)
    assert report.revocation == "unknown" and any("no nextUpdate" in r for r in report.reasons)


def test_crl_not_signed_by_the_csca_is_unknown_not_valid(document) -> None:  # type: ignore[no-untyped-def]
    dsc_serial = certs.load_certificate(document.pki.dsc_certificate).serial_number
    forger = make_test_pki(b"forger", issued=ISSUED)
    # Same issuer name as the real CSCA, signed with another key: it says nothing either way.
    for serials in ([dsc_serial], []):
        report = _verdict(document, _crl(forger, serials))
        assert report.revocation == "unknown" and report.passed
        assert any("none is signed by a trusted CSCA" in r for r in report.reasons)


def test_corrupt_sod_is_a_verdict(document) -> None:  # type: ignore[no-untyped-def]
    store = _store(document.csca_certificate)
    for raw in (b"", b"\x77\x00", document.sod[:50], b"\x30" * 40):
        report = verify(raw, document.data_groups, store, TODAY)
        assert not report.passed and report.reasons


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pos=st.integers(0, 10_000), flip=st.integers(1, 255))
def test_fuzz_flipped_sod_byte_never_passes(document, pos: int, flip: int) -> None:  # type: ignore[no-untyped-def]
    store = _store(document.csca_certificate)
    sod = bytearray(document.sod)
    pos %= len(sod)
    sod[pos] ^= flip
    report = verify(bytes(sod), document.data_groups, store, TODAY)
    # Every byte of EF.SOD is covered by the signature, a hash, or the DSC's chain to the CSCA,
    # except unsigned CMS fields (version numbers, digest algorithm set) which may still parse.
    if report.passed:
        parsed = lds.parse_sod(bytes(sod))
        assert parsed.dg_hashes == lds.parse_sod(document.sod).dg_hashes
