"""MRZ and CAN access keys (ICAO 9303-11 Appendix D.2, 9303-3 section 4.9)."""
from __future__ import annotations

import pytest

from hardware.emrtd.errors import MrzError
from hardware.emrtd.password import AccessKey, PasswordType, check_digit, mrz_information

H = bytes.fromhex


def test_mrz_information_icao_d2() -> None:
    assert mrz_information("L898902C", "690806", "940623") == b"L898902C<369080619406236"
    key = AccessKey.from_mrz("L898902C<", "690806", "940623")
    assert key.kind is PasswordType.MRZ
    assert key.bac_seed() == H("239AB9CB282DAF66231DC5A4DF6BFBAE")
    assert "L898902C" not in repr(key)


def test_check_digits() -> None:
    assert check_digit("L898902C<") == "3"
    assert check_digit("740812") == "2"
    assert check_digit("120415") == "9"


@pytest.mark.parametrize("doc,birth,expiry", [("", "690806", "940623"), ("L8989-02", "690806", "940623"),
                                                ("L898902C", "69086", "940623"), ("L898902C", "690806", "94O623")])
def test_bad_fields_raise_mrz_error(doc: str, birth: str, expiry: str) -> None:
    with pytest.raises(MrzError):
        AccessKey.from_mrz(doc, birth, expiry)


def test_can() -> None:
    key = AccessKey.from_can("123456")
    assert key.pace_secret() == b"123456"
    with pytest.raises(MrzError):
        key.bac_seed()
    with pytest.raises(MrzError):
        AccessKey.from_can("12a456")
