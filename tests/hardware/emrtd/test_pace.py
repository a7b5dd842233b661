"""PACE generic mapping: ICAO 9303-11 Appendix G.1 (ECDH, brainpoolP256r1) byte for byte, and full
PACE against the virtual chip over every standardized curve family, DH groups, AES and 3DES."""
from __future__ import annotations

import pytest

from hardware.emrtd import crypto
from hardware.emrtd.crypto import CipherAlg
from hardware.emrtd.domain_params import standard_domain
from hardware.emrtd.errors import AccessControlError
from hardware.emrtd.lds.security_infos import parse_card_access
from hardware.emrtd.pace import (
    auth_token,
    pace_from_card_access,
    pace_key,
    perform_pace,
    public_key_object,
    select_pace_info,
)
from hardware.emrtd.password import AccessKey
from hardware.emrtd.testing import ScriptedConnection
from hardware.emrtd.virtual import VirtualChip
from hardware.emrtd.virtual.pace_card import PaceOffer

H = bytes.fromhex

# ICAO 9303-11 Appendix G.1 (PACE, ECDH generic mapping, brainpoolP256r1, AES-128).
G1_KEY = AccessKey.from_mrz("T22000129", "640812", "101031")
G1_CARD_ACCESS = H("31143012060A04007F0007020204020202010202010D")  # PACEInfo id-PACE-ECDH-GM-AES-CBC-CMAC-128, 13
G1_K_PI = H("89DED1B26624EC1E634C1989302849DD")
G1_Z = H("95A3A016522EE98D01E76CB6B98B42C3")
G1_S = H("3F00C4D39D153F2B2A214A078D899B22")
G1_PCD_MAP_SK = 0x7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99
G1_PCD_MAP_PK = H("047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E"
                  "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D")
G1_PICC_MAP_SK = 0x498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560
G1_PICC_MAP_PK = H("04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57"
                   "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54")
G1_H = H("0460332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD5"
         "0840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181")
G1_G_MAPPED = H("048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2"
                "8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522")
G1_PCD_EPH_SK = 0xA73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595
G1_PCD_EPH_PK = H("042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C"
                  "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462")
G1_PICC_EPH_SK = 0x107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A
G1_PICC_EPH_PK = H("049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB"
                   "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094")
G1_K = H("28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925")
G1_K_ENC = H("F5F0E35C0D7161EE6724EE513A0D9A7F")
G1_K_MAC = H("FE251C7858B356B24514B3BD5F4297D1")
G1_T_PCD = H("C2B0BD78D94BA866")
G1_T_PICC = H("3ABB9674BCE93C08")
OID_VALUE = H("04007F00070202040202")


def test_g1_step_by_step() -> None:
    d = standard_domain(13)
    assert pace_key(G1_KEY, CipherAlg.AES, 128) == G1_K_PI
    assert crypto.aes_cbc_decrypt(G1_K_PI, G1_Z) == G1_S
    assert d.encode(d.public_key(G1_PCD_MAP_SK)) == G1_PCD_MAP_PK
    assert d.encode(d.public_key(G1_PICC_MAP_SK)) == G1_PICC_MAP_PK
    h = d.agree(G1_PCD_MAP_SK, d.decode(G1_PICC_MAP_PK))
    assert d.encode(h) == G1_H == d.encode(d.agree(G1_PICC_MAP_SK, d.decode(G1_PCD_MAP_PK)))
    g = d.map_generic(int.from_bytes(G1_S, "big"), h)
    assert d.encode(g) == G1_G_MAPPED
    assert d.encode(d.public_key(G1_PCD_EPH_SK, g)) == G1_PCD_EPH_PK
    assert d.encode(d.public_key(G1_PICC_EPH_SK, g)) == G1_PICC_EPH_PK
    k = d.shared_secret(d.agree(G1_PCD_EPH_SK, d.decode(G1_PICC_EPH_PK)))
    assert k == G1_K
    assert crypto.kdf(k, 1, CipherAlg.AES) == G1_K_ENC
    assert crypto.kdf(k, 2, CipherAlg.AES) == G1_K_MAC
    assert auth_token(CipherAlg.AES, G1_K_MAC, public_key_object(OID_VALUE, d, G1_PICC_EPH_PK)) == G1_T_PCD
    assert auth_token(CipherAlg.AES, G1_K_MAC, public_key_object(OID_VALUE, d, G1_PCD_EPH_PK)) == G1_T_PICC


def _g1_script() -> ScriptedConnection:
    return ScriptedConnection([
        ("0022C1A40F800A" + OID_VALUE.hex() + "830101", "9000"),
        ("10860000027C0000", "7C1280" + "10" + G1_Z.hex() + "9000"),
        ("10860000457C438141" + G1_PCD_MAP_PK.hex() + "00", "7C438241" + G1_PICC_MAP_PK.hex() + "9000"),
        ("10860000457C438341" + G1_PCD_EPH_PK.hex() + "00", "7C438441" + G1_PICC_EPH_PK.hex() + "9000"),
        ("008600000C7C0A8508" + G1_T_PCD.hex() + "00", "7C0A8608" + G1_T_PICC.hex() + "9000"),
    ])


def test_g1_apdu_exchange_byte_for_byte() -> None:
    conn = _g1_script()
    info = select_pace_info(parse_card_access(G1_CARD_ACCESS))
    result = perform_pace(conn, G1_KEY, info, private_keys=[G1_PCD_MAP_SK, G1_PCD_EPH_SK])
    assert conn.remaining == 0
    assert (result.sm.ks_enc, result.sm.ks_mac, result.sm.ssc) == (G1_K_ENC, G1_K_MAC, 0)
    assert result.sm.alg is CipherAlg.AES


def test_g1_wrong_chip_token_is_refused() -> None:
    conn = _g1_script()
    conn._pairs[-1] = (conn._pairs[-1][0], H("7C0A8608" + "00" * 8 + "9000"))
    info = select_pace_info(parse_card_access(G1_CARD_ACCESS))
    with pytest.raises(AccessControlError):
        perform_pace(conn, G1_KEY, info, private_keys=[G1_PCD_MAP_SK, G1_PCD_EPH_SK])


KEY = AccessKey.from_mrz("L898902C<", "740812", "120415")
CAN = AccessKey.from_can("123456")


@pytest.mark.parametrize("offer", [
    PaceOffer.ecdh("brainpoolP256r1", CipherAlg.AES, 128),
    PaceOffer.ecdh("brainpoolP384r1", CipherAlg.AES, 192),
    PaceOffer.ecdh("brainpoolP512r1", CipherAlg.AES, 256),
    PaceOffer.ecdh("secp256r1", CipherAlg.DES3, 128),
    PaceOffer.ecdh("secp384r1", CipherAlg.AES, 256),
    PaceOffer.ecdh("secp521r1", CipherAlg.AES, 128),
    PaceOffer.dh(0, CipherAlg.DES3, 128),
    PaceOffer.dh(2, CipherAlg.AES, 128),
], ids=lambda o: f"{o.oid.rsplit('.', 3)[-3:]}-{o.parameter_id}")
def test_pace_against_virtual_chip(offer: PaceOffer) -> None:
    # 2048-bit DH public values do not fit a short APDU: such chips support extended length.
    chip = VirtualChip({0x011E: H("60035C0161")}, mrz_key=KEY, pace=[offer], extended_length=offer.parameter_id in (1, 2))
    card_access = chip.mf_files[0x011C]
    result = pace_from_card_access(chip, KEY, card_access)
    assert chip.authenticated == "PACE"
    assert result.sm.ks_enc == chip.sm.ks_enc and result.info.oid == offer.oid


def test_pace_with_can_and_wrong_password() -> None:
    chip = VirtualChip({}, mrz_key=KEY, can=CAN, pace=[PaceOffer.ecdh()])
    pace_from_card_access(chip, CAN, chip.mf_files[0x011C])
    chip.reset()
    with pytest.raises(AccessControlError):
        pace_from_card_access(chip, AccessKey.from_can("654321"), chip.mf_files[0x011C])
    with pytest.raises(AccessControlError):
        pace_from_card_access(chip, AccessKey.from_mrz("L898902C<", "740812", "120416"), chip.mf_files[0x011C])


def test_selection_prefers_cam_then_generic_mapping_and_aes() -> None:
    from hardware.emrtd.lds.security_infos import PaceInfo, SecurityInfos

    gm = (PaceInfo.make("0.4.0.127.0.7.2.2.4.2.1", 13), PaceInfo.make("0.4.0.127.0.7.2.2.4.2.2", 13),
          PaceInfo.make("0.4.0.127.0.7.2.2.4.1.4", 2))
    assert select_pace_info(SecurityInfos(gm, b"")).oid == "0.4.0.127.0.7.2.2.4.2.2"
    with_cam = SecurityInfos((PaceInfo.make("0.4.0.127.0.7.2.2.4.6.2", 13),) + gm, b"")
    assert select_pace_info(with_cam).oid == "0.4.0.127.0.7.2.2.4.6.2"  # CAM authenticates the chip too


def test_rfc5114_groups_are_consistent() -> None:
    for pid in (0, 1, 2):
        d = standard_domain(pid)
        assert (d.p - 1) % d.q == 0 and pow(d.g, d.q, d.p) == 1 and pow(2, d.p - 1, d.p) == 1


def test_proprietary_parameter_id_uses_explicit_domain_parameters() -> None:
    from asn1crypto import keys

    from hardware.emrtd.lds.security_infos import ID_PACE_ECDH_GM, PaceDomainParameterInfo, PaceInfo, SecurityInfos
    from hardware.emrtd.pace import domain_for

    d = standard_domain(13)
    flen = d.field_len
    spec = keys.SpecifiedECDomain({
        "version": "ecdpVer1",
        "field_id": {"field_type": "prime_field", "parameters": d.p},
        "curve": {"a": d.a.to_bytes(flen, "big"), "b": d.b.to_bytes(flen, "big")},
        "base": d.encode(d.generator), "order": d.n, "cofactor": 1,
    })
    alg = keys.PublicKeyAlgorithm({"algorithm": "ec", "parameters": keys.ECDomainParameters(name="specified", value=spec)})
    infos = SecurityInfos((PaceInfo.make(ID_PACE_ECDH_GM + ".2", 32),
                           PaceDomainParameterInfo.make(ID_PACE_ECDH_GM, alg.dump(), 32)), b"")
    domain = domain_for(select_pace_info(infos), infos)
    assert domain.name == "brainpoolP256r1"
    with pytest.raises(AccessControlError):
        domain_for(PaceInfo.make(ID_PACE_ECDH_GM + ".2", 33), SecurityInfos((PaceInfo.make(ID_PACE_ECDH_GM + ".2", 33),), b""))
