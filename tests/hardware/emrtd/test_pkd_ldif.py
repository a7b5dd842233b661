"""ICAO PKD LDIF import: the real NL master list and a real CRL wrapped as the PKD publishes them; nothing in
an LDIF file is trusted for being there."""
from __future__ import annotations

import base64
from pathlib import Path

import pytest

from hardware.emrtd.certs import load_certificate
from hardware.emrtd.errors import TrustStoreError
from hardware.emrtd.lds.sod import parse_sod
from hardware.emrtd.pkd_ldif import looks_like_ldif, read_pkd_ldif
from hardware.emrtd.trust import TrustStore


def _entry(dn: str, attr: str, der: bytes) -> str:
    b64 = base64.b64encode(der).decode()
    folded = "\n ".join([b64[:60]] + [b64[i:i + 76] for i in range(60, len(b64), 76)])
    return f"dn: {dn}\nobjectClass: top\n{attr}:: {folded}\n\n"


@pytest.fixture(scope="module")
def pkd(shared_data: Path) -> dict[str, bytes]:
    ml = shared_data / "emrtd/gmrtd/cms/master_list"
    ref = shared_data / "emrtd/bsi_tr03105_5_refdataset_zienit"
    dsc = parse_sod((ref / "EF_SOD.bin").read_bytes()).certificates[0]
    text = ("version: 1\n\n"
            + _entry("cn=NL,o=ml,c=NL,dc=data,dc=download,dc=pkd,dc=icao,dc=int", "pkdMasterListContent",
                     (ml / "NL_ML_2026-07-22.ml").read_bytes())
            + _entry("cn=CO,o=crl,c=CO,dc=data,dc=download,dc=pkd,dc=icao,dc=int",
                     "certificateRevocationList;binary", (ref / "COL.crl").read_bytes())
            + _entry("cn=dsc1,o=dsc,c=NL,dc=data,dc=download,dc=pkd,dc=icao,dc=int", "userCertificate;binary", dsc))
    return {"ldif": text.encode(), "nl_root": (ml / "NL_ROOT_CA.cer").read_bytes()}


def test_ldif_objects_are_read(pkd) -> None:
    assert looks_like_ldif(pkd["ldif"]) and not looks_like_ldif(pkd["nl_root"])
    kinds = [o.kind for o in read_pkd_ldif(pkd["ldif"])]
    assert kinds == ["master_list", "crl", "dsc"]


def test_ldif_import_with_provenance(pkd, tmp_path: Path) -> None:
    (tmp_path / "icaopkd-002-ml.ldif").write_bytes(pkd["ldif"])
    store = TrustStore()
    store.add_certificate(load_certificate(pkd["nl_root"]))
    [line] = store.add_path(tmp_path / "icaopkd-002-ml.ldif")
    assert "1 master list(s), 1 CRL(s) imported; 1 document signer" in line
    assert len(store) > 400 and len(store.crls) == 1
    some = next(c for c in store.certificates if c.country == "DE")
    assert store.source_of(some.der)["source"].startswith("master list in LDIF icaopkd-002-ml.ldif (cn=NL,o=ml,c=NL")
    assert store.source_of(store.crls[0].der)["source"].startswith("CRL in LDIF icaopkd-002-ml.ldif")
    # a DSC from the LDIF never becomes a trust anchor
    dsc = load_certificate(read_pkd_ldif(pkd["ldif"])[2].der)
    assert dsc.der not in {c.der for c in store.certificates}


def test_ldif_master_list_without_trusted_signer_is_refused(pkd, tmp_path: Path) -> None:
    store = TrustStore()  # no NL CSCA: the list's signer is vouched for by nobody
    line = store._add_data("pkd.ldif", pkd["ldif"], "ldif")
    assert "0 master list(s)" in line and "1 refused" in line and "master list refused" in line
    assert len(store) == 0


def test_malformed_or_empty_ldif_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TrustStoreError, match="no master list, CRL or certificate"):
        TrustStore()._add_data("empty.ldif", b"version: 1\n\ndn: cn=x\nobjectClass: top\n\n", "ldif")
    with pytest.raises(TrustStoreError, match="LDIF is malformed"):
        read_pkd_ldif(b"version: 1\n\ndn: cn=x\nthis line has no colon\n\n")
    # a URL reference is never fetched
    assert read_pkd_ldif(b"version: 1\n\ndn: cn=x\npkdMasterListContent:< file:///etc/passwd\n\n") == []


def test_any_bytes_give_objects_or_a_typed_error() -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(max_size=400) | st.text(max_size=300).map(lambda t: ("version: 1\n\ndn: " + t).encode()))
    def check(data: bytes) -> None:
        try:
            objects = read_pkd_ldif(data)
        except TrustStoreError:
            return
        assert all(o.kind in ("master_list", "crl", "dsc") and o.der for o in objects)

    check()
