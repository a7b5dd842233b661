"""Trust store: master lists (signature checked), certificate files, CRLs, persistence."""
from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.emrtd.certs import load_certificate
from hardware.emrtd.errors import EmrtdError, TrustStoreError
from hardware.emrtd.trust import TrustStore, parse_crl
from hardware.emrtd.virtual.document import make_test_pki


@pytest.fixture(scope="module")
def emrtd(shared_data: Path) -> Path:
    return shared_data / "emrtd"


@pytest.mark.parametrize(("name", "count"), [("gmrtd/cms/master_list/DE_ML_2026-05-28-08-28-45.ml", 588),
                                             ("gmrtd/cms/master_list/NL_ML_2026-07-22.ml", 411),
                                             ("bsi_tr03105_5_refdataset_zienit/NL_MASTERLIST_20211207.mls", 306)])
def test_master_list_signature_verified(emrtd: Path, name: str, count: int) -> None:
    store = TrustStore()
    info = store.add_master_list((emrtd / name).read_bytes())
    assert info.verified, info.reason
    assert len(info.certificates) + info.skipped == count
    assert len(store) == len({c.der for c in info.certificates})


def test_tampered_master_list_refused(emrtd: Path) -> None:
    raw = bytearray((emrtd / "gmrtd/cms/master_list/NL_ML_2026-07-22.ml").read_bytes())
    raw[len(raw) // 2] ^= 0x01  # inside the certificate list, covered by the message digest
    with pytest.raises(TrustStoreError):
        TrustStore().add_master_list(bytes(raw))


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


@functools.lru_cache(maxsize=1)
def _original_list(path: Path) -> frozenset[bytes]:
    return frozenset(c.der for c in TrustStore().add_master_list(path.read_bytes()).certificates)


@settings(max_examples=12, deadline=None)
@given(st.data())
def test_fuzz_mutated_master_list(shared_data: Path, data: st.DataObject) -> None:
    path = shared_data / "emrtd/gmrtd/cms/master_list/NL_ML_2026-07-22.ml"
    raw = bytearray(path.read_bytes())
    # Bias towards the end: the signer certificate, signed attributes and signature live there.
    pos = data.draw(st.one_of(st.integers(0, len(raw) - 1), st.integers(len(raw) - 2500, len(raw) - 1)))
    raw[pos] ^= data.draw(st.integers(1, 255))
    try:
        info = TrustStore().add_master_list(bytes(raw))
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
