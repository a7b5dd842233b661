"""SecurityInfos (ICAO 9303-11 section 9.2): build/parse round trips, the shared real files, fuzzing."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.emrtd.crypto import CipherAlg
from hardware.emrtd.domain_params import public_key_from_spki
from hardware.emrtd.errors import EmrtdError, LdsError
from hardware.emrtd.lds import security_infos as si

H = bytes.fromhex


def test_build_and_parse_dg14() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.BrainpoolP256R1())
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    infos = [si.ChipAuthenticationInfo.make(si.ID_CA_ECDH + ".2", 1, key_id=7),
             si.ChipAuthenticationPublicKeyInfo.make(spki, key_id=7),
             si.ActiveAuthenticationInfo.make(si.ECDSA_PLAIN + ".3"),
             si.PaceInfo.make(si.ID_PACE_ECDH_GM + ".2", 13)]
    raw = si.encode_dg14(infos)
    parsed = si.parse_dg14(raw)
    assert parsed.raw == raw
    assert {i.raw for i in parsed.infos} == {i.raw for i in infos}
    ca = parsed.chip_authentication_infos[0]
    assert (ca.key_id, ca.key_agreement, ca.cipher) == (7, "ECDH", (CipherAlg.AES, 128))
    assert parsed.active_authentication_info.hash_name == "sha256"
    pk = public_key_from_spki(parsed.chip_authentication_public_keys[0].public_key_info)
    assert pk.domain.name == "brainpoolP256r1"
    assert parsed.pace_infos[0].parameter_id == 13 and parsed.pace_infos[0].mapping == "GM"


def test_unknown_info_kept_raw() -> None:
    unknown = H("3009060453040506020101")
    raw = si.encode_security_infos([si.PaceInfo.make(si.ID_PACE_ECDH_GM + ".2", 13)]) 
    raw = H("31") + bytes([raw[1] + len(unknown)]) + raw[2:] + unknown
    parsed = si.parse_card_access(raw)
    assert isinstance(parsed.infos[1], si.UnknownSecurityInfo) and parsed.infos[1].raw == unknown


@pytest.mark.parametrize("bad", ["", "3100", "3103300100", "310A3008060453040506020101", "6E00"])
def test_malformed(bad: str) -> None:
    with pytest.raises(LdsError):
        si.parse_card_access(H(bad)) if not bad.startswith("6E") else si.parse_dg14(H(bad + "00"))


@pytest.mark.shared_data
def test_real_files(shared_data: Path) -> None:
    base = shared_data / "emrtd" / "gmrtd" / "vectors"
    files = sorted(base.glob("card_access/*.bin")) + sorted(base.glob("dg14/*.bin"))
    if not files:
        pytest.skip("no EF.CardAccess / DG14 vectors present")
    for path in files:
        raw = path.read_bytes()
        parsed = si.parse_dg14(raw) if "dg14" in path.parts else si.parse_card_access(raw)
        assert parsed.infos, path.name
        for pk in parsed.chip_authentication_public_keys:
            # Explicit curve parameters in real DG14s map to the named curve.
            assert public_key_from_spki(pk.public_key_info).domain.name.startswith(("brainpool", "secp"))
        for info in parsed.pace_infos:
            assert info.key_agreement in ("ECDH", "DH")
    card_security = base / "card_security" / "DE_EF_CardSecurity.bin"
    if card_security.is_file():
        parsed = si.parse_card_security(card_security.read_bytes())
        assert parsed.pace_infos and parsed.chip_authentication_public_keys


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_fuzz_only_typed_errors(raw: bytes) -> None:
    for parse in (si.parse_card_access, si.parse_dg14, si.parse_card_security):
        try:
            parse(raw)
        except EmrtdError:
            pass


@settings(max_examples=200)
@given(st.integers(0, 60), st.integers(0, 255))
def test_fuzz_mutated_infos(pos: int, value: int) -> None:
    raw = bytearray(si.encode_security_infos([si.PaceInfo.make(si.ID_PACE_ECDH_GM + ".2", 13),
                                              si.ActiveAuthenticationInfo.make(si.ECDSA_PLAIN + ".3")]))
    raw[pos % len(raw)] = value
    try:
        si.parse_card_access(bytes(raw))
    except EmrtdError:
        pass
