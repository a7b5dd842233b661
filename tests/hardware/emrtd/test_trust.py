"""Trust store: master lists (signature checked), certificate files, CRLs, persistence."""
from __future__ import annotations

import datetime as dt
import functools
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.emrtd.certs import load_certificate
from hardware.emrtd.errors import EmrtdError, TrustStoreError
from hardware.emrtd.trust import TrustStore, parse_crl
from hardware.emrtd.virtual.document import make_test_pki
from hardware.emrtd.virtual.pki_files import make_master_list, make_master_list_signer, make_test_crl


@pytest.fixture(scope="module")
def emrtd(shared_data: Path) -> Path:
    return shared_data / "emrtd"


@pytest.mark.parametrize(("name", "csca", "count"), [
    ("gmrtd/cms/master_list/DE_ML_2026-05-28-08-28-45.ml", "gmrtd/cms/master_list/DE_ROOT_CA_CSCA07.cer", 588),
    ("gmrtd/cms/master_list/NL_ML_2026-07-22.ml", "gmrtd/cms/master_list/NL_ROOT_CA.cer", 411),
    ("bsi_tr03105_5_refdataset_zienit/NL_MASTERLIST_20211207.mls",
     "bsi_tr03105_5_refdataset_zienit/CSCA_NL_serial6_2021-2034.cer", 306)])
def test_master_list_imported_only_under_a_trusted_csca(emrtd: Path, name: str, csca: str, count: int) -> None:
    raw = (emrtd / name).read_bytes()
    # The list's own CSCAs cannot vouch for it: on an empty store it is refused, with what to do.
    with pytest.raises(TrustStoreError, match="import the CSCA certificate of"):
        TrustStore().add_master_list(raw)
    store = TrustStore()
    store.add_certificate(load_certificate((emrtd / csca).read_bytes()))
    info = store.add_master_list(raw)
    assert info.verified and "trusted CSCA" in info.reason
    assert len(info.certificates) + info.skipped == count
    assert len(store) == len({c.der for c in info.certificates} | {(emrtd / csca).read_bytes()})


def test_tampered_master_list_refused(emrtd: Path) -> None:
    raw = bytearray((emrtd / "gmrtd/cms/master_list/NL_ML_2026-07-22.ml").read_bytes())
    raw[len(raw) // 2] ^= 0x01  # inside the certificate list, covered by the message digest
    with pytest.raises(TrustStoreError, match="digest"):
        TrustStore().add_master_list(bytes(raw), signers=[_nl_csca(emrtd.parent)])


def test_folder_import_persist_reload(emrtd: Path, tmp_path: Path) -> None:
    src = tmp_path / "in"
    shutil.copytree(emrtd / "gmrtd/cms/master_list/IDN_2010_SERIES_CSCA_CERT", src)
    (src / "junk.txt").write_text("not a certificate")
    (src / "crl.crl").write_bytes((emrtd / "bsi_tr03105_5_refdataset_zienit/COL.crl").read_bytes())
    store = TrustStore()
    lines = store.add_path(src)
    assert any("junk.txt: skipped" in line for line in lines)
    assert len(store) == 5 and len(store.crls) == 1
    store.save(tmp_path / "trust")
    again = TrustStore.load(tmp_path / "trust")
    assert {c.der for c in again.certificates} == {c.der for c in store.certificates}
    assert again.crls[0].der == store.crls[0].der
    assert len(again.crls[0].revoked) == 15


def test_single_bad_file_and_missing_path(tmp_path: Path) -> None:
    bad = tmp_path / "x.der"
    bad.write_bytes(b"\x30\x03\x02\x01\x00")
    with pytest.raises(TrustStoreError):
        TrustStore().add_path(bad)
    with pytest.raises(TrustStoreError):
        TrustStore().add_path(tmp_path / "absent")


def test_pem_and_der_files(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    pki = make_test_pki(b"trust-test")
    pem = x509.load_der_x509_certificate(pki.csca_certificate).public_bytes(serialization.Encoding.PEM)
    (tmp_path / "a.pem").write_bytes(pem)
    (tmp_path / "b.der").write_bytes(pki.csca_certificate)
    store = TrustStore.from_paths([tmp_path])
    assert len(store) == 1  # the same certificate twice
    assert store.issuers_of(load_certificate(pki.dsc_certificate))


def test_crl_parse_error() -> None:
    from hardware.emrtd.errors import CertificateError

    with pytest.raises(CertificateError):
        parse_crl(b"\x30\x00")


def _nl_csca(shared_data: Path):  # type: ignore[no-untyped-def]
    return load_certificate((shared_data / "emrtd/gmrtd/cms/master_list/NL_ROOT_CA.cer").read_bytes())


@functools.lru_cache(maxsize=1)
def _original_list(path: Path) -> frozenset[bytes]:
    anchor = load_certificate((path.parent / "NL_ROOT_CA.cer").read_bytes())
    return frozenset(c.der for c in TrustStore().add_master_list(path.read_bytes(), signers=[anchor]).certificates)


@settings(max_examples=12, deadline=None)
@given(st.data())
def test_fuzz_mutated_master_list(shared_data: Path, data: st.DataObject) -> None:
    path = shared_data / "emrtd/gmrtd/cms/master_list/NL_ML_2026-07-22.ml"
    raw = bytearray(path.read_bytes())
    # Bias towards the end: the signer certificate, signed attributes and signature live there.
    pos = data.draw(st.one_of(st.integers(0, len(raw) - 1), st.integers(len(raw) - 2500, len(raw) - 1)))
    raw[pos] ^= data.draw(st.integers(1, 255))
    try:
        info = TrustStore().add_master_list(bytes(raw), signers=[_nl_csca(shared_data)])
    except EmrtdError:
        return
    # Whatever is accepted carries exactly the CSCA certificates the NL signer signed.
    assert frozenset(c.der for c in info.certificates) == _original_list(path)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_crl_and_master_list_parsers(data: bytes) -> None:
    for fn in (parse_crl, TrustStore().add_master_list):
        try:
            fn(data)
        except EmrtdError:
            pass


# -- generated TEST material: self-vouching lists, configured signers, CRL import, file modes ------------

NOW = dt.datetime.now(dt.timezone.utc)


def test_self_vouching_master_list_is_refused() -> None:
    # An attacker's list carries the attacker's CSCA and is signed by a signer that CSCA issued.
    attacker = make_test_pki(b"attacker")
    forged = make_master_list([attacker.csca_certificate], make_master_list_signer(attacker))
    store = TrustStore()
    with pytest.raises(TrustStoreError, match="not issued by a CSCA already in the trust store"):
        store.add_master_list(forged)
    assert len(store) == 0
    # In a folder import it is skipped with the reason, and nothing of it is trusted.
    folder = Path(tempfile.mkdtemp())
    _write(folder / "evil.ml", forged)
    store = TrustStore()
    lines = store.add_path(folder)
    assert "skipped" in lines[0] and "not issued by a CSCA" in lines[0] and len(store) == 0


def test_master_list_signer_configured_then_persisted(tmp_path: Path) -> None:
    country = make_test_pki(b"country")
    signer = make_master_list_signer(country)
    others = [make_test_pki(f"state-{i}".encode()).csca_certificate for i in range(3)]
    ml = make_master_list(others, signer)
    store = TrustStore()
    store.add_master_list_signer(load_certificate(signer.certificate))
    info = store.add_master_list(ml)
    assert info.verified and "configured master-list signer" in info.reason
    assert {c.der for c in store.certificates} == set(others)
    store.save(tmp_path / "trust")
    (tmp_path / "trust" / "notes.txt").write_text("an operator's note")  # skipped on load, as before
    again = TrustStore.load(tmp_path / "trust")
    assert [c.der for c in again.master_list_signers] == [signer.certificate]
    assert len(again) == 3  # the signer is not a CSCA: it vouches for lists, never for documents
    assert again.add_master_list(ml).verified


def test_folder_import_trusts_certificate_files_before_master_lists_and_crls(tmp_path: Path) -> None:
    country = make_test_pki(b"country")
    ml = make_master_list([make_test_pki(b"state").csca_certificate], make_master_list_signer(country))
    crl = make_test_crl(country, [7], this_update=NOW - dt.timedelta(days=1), next_update=NOW + dt.timedelta(days=30))
    # Names sort master list and CRL before the certificate: the import order must not depend on names.
    _write(tmp_path / "a_list.ml", ml)
    _write(tmp_path / "b.crl", crl)
    _write(tmp_path / "z_csca.der", country.csca_certificate)
    lines = TrustStore().add_path(tmp_path)
    assert len(lines) == 3 and not any("skipped" in line for line in lines), lines
    assert any("CRL of" in line and "signature verified; current" in line for line in lines)


def test_crl_import_checks_signature_and_reports_currency() -> None:
    country = make_test_pki(b"country")
    forger = make_test_pki(b"forger")  # same names, other key
    store = TrustStore()
    store.add_certificate(load_certificate(country.csca_certificate))
    forged = parse_crl(make_test_crl(forger, [1], this_update=NOW, next_update=NOW + dt.timedelta(days=9)))
    with pytest.raises(TrustStoreError, match="signature does not verify"):
        store.check_crl(forged)
    stale = parse_crl(make_test_crl(country, [], this_update=NOW - dt.timedelta(days=100),
                                    next_update=NOW - dt.timedelta(days=10)))
    assert "NOT current: it is out of date" in store.check_crl(stale)
    # A CRL of an issuer with no trusted CSCA yet is kept and judged at each use.
    assert "not checked yet" in TrustStore().check_crl(stale)


def test_saved_store_is_private(tmp_path: Path) -> None:
    pki = make_test_pki(b"trust-modes")
    store = TrustStore()
    store.add_certificate(load_certificate(pki.csca_certificate))
    store.add_crl(parse_crl(make_test_crl(pki, [], this_update=NOW, next_update=NOW + dt.timedelta(days=9))))
    target = tmp_path / "new" / "data" / "trust"
    store.save(target)
    for path in (tmp_path / "new", tmp_path / "new" / "data", target, *target.rglob("*")):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
