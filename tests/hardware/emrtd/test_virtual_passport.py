"""make_virtual_passport: a chip that opens with the key given and carries a document that verifies."""
from __future__ import annotations

import pytest

from hardware.emrtd import passive_auth
from hardware.emrtd.certs import load_certificate
from hardware.emrtd.errors import MrzError
from hardware.emrtd.password import AccessKey
from hardware.emrtd.reader import AccessMethod, EmrtdReader
from hardware.emrtd.trust import TrustStore
from hardware.emrtd.virtual.passport import make_virtual_passport


def _store(passport) -> TrustStore:
    store = TrustStore()
    store.add_certificate(load_certificate(passport.csca_certificate))
    return store


def test_mrz_key_personalises_the_document() -> None:
    key = AccessKey.from_mrz("X1234567", "850101", "301231")
    passport = make_virtual_passport(key, dg2_size=3000)
    assert b"X1234567<" in passport.document.files[0x0101]
    result = EmrtdReader(passport.chip, key, aa_challenge=b"12345678").read()
    assert result.ok and result.access_method == "PACE"
    assert result.dg1.mrz.document_number == "X1234567"
    assert result.chip_authentication.passed and result.active_authentication.passed
    report = passive_auth.verify(result.files[0x011D], result.data_groups(), _store(passport))
    assert report.passed
    assert not passive_auth.verify(result.files[0x011D], result.data_groups(), TrustStore()).passed


def test_can_key_and_bac_only() -> None:
    can = AccessKey.from_can("654321")
    assert EmrtdReader(make_virtual_passport(can).chip, can).read().access_method == "PACE"
    key = AccessKey.from_mrz("L898902C3", "740812", "120415")
    passport = make_virtual_passport(key, pace=False, chip_authentication=False, active_authentication=False)
    result = EmrtdReader(passport.chip, key).read()
    assert result.access_method == "BAC" and result.card_access is None and result.dg14 is None
    assert EmrtdReader(make_virtual_passport().chip, key, method=AccessMethod.PACE).read().ok


def test_too_long_document_number_is_an_mrz_error() -> None:
    with pytest.raises(MrzError):
        make_virtual_passport(AccessKey.from_mrz("ABCDEFGHIJK", "850101", "301231"))
