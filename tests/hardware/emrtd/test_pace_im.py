"""PACE Integrated Mapping (ICAO 9303-11 4.4.3.3.2, Appendix B): the ICAO worked examples for ECDH
(brainpoolP256r1) and DH (RFC 5114 1024-bit group), byte for byte, then full reads of chips that
offer only integrated mapping."""
from __future__ import annotations

import pytest

from hardware.emrtd import pace_im
from hardware.emrtd.crypto import CipherAlg
from hardware.emrtd.domain_params import standard_domain
from hardware.emrtd.errors import AccessControlError
from hardware.emrtd.lds.security_infos import PaceInfo, SecurityInfos, encode_security_infos, parse_card_access
from hardware.emrtd.pace import pace_from_card_access, perform_pace, select_pace_info
from hardware.emrtd.password import AccessKey
from hardware.emrtd.reader import AccessMethod, EmrtdReader
from hardware.emrtd.testing import ScriptedConnection
from hardware.emrtd.virtual import VirtualChip
from hardware.emrtd.virtual.pace_card import PaceOffer
from hardware.emrtd.virtual.passport import make_virtual_passport

H = bytes.fromhex
CAN = AccessKey.from_can("123456")  # K_pi 591468CD A83D6521 9CCCB856 0233600F in both examples

# ICAO 9303-11 worked example, PACE integrated mapping, ECDH, brainpoolP256r1, AES-128 (id-PACE-ECDH-IM-AES-CBC-CMAC-128)
EC_Z = H("143DC40C08C8E891FBED7DEDB92B64AD")
EC_S = H("2923BE84E16CD6AE529049F1F1BBE9EB")
EC_T = H("5DD4CBFC96F5453B130D890A1CDBAE32")
EC_RP = 0xA2F8FF2DF50E52C6599F386ADCB595D229F6A167ADE2BE5F2C3296ADD5B7430E
EC_G = H("048E82D31559ED0FDE92A4D0498ADD3C23BABA94FB77691E31E90AEA77FB17D427"
         "4C1AE14BD0C3DBAC0C871B7F3608169364437CA30AC243A089D3F266C1E60FAD")
EC_PCD_SK = 0xA73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595
EC_PCD_PK = H("0489CBA23FFE96AA18D824627C3E934E54A9FD0B87A95D1471DC1C0ABFDCD640D4"
              "6755DE9B7B778280B6BEBD57439ADFEB0E21FD4ED6DF42578C13418A59B34C37")
EC_PICC_PK = H("0467F78E5F7F7686082B293E8D087E056916D0F74BC01A5F8957D0DE45691E51E8"
               "932B69A962B52A0985AD2C0A271EE6A13A8ADDDCD1A3A994B9DED257F4D22753")
EC_K_ENC = H("0D3FEB33251A6370893D62AE8DAAF51B")
EC_K_MAC = H("B01E89E3D9E8719E586B50B4A7506E0B")
EC_T_PCD = H("450F02B86F6A0909")
EC_T_PICC = H("75D4D96E8D5B0308")
EC_OID = "0.4.0.127.0.7.2.2.4.4.2"

# ICAO 9303-11 worked example, PACE integrated mapping, DH, RFC 5114 1024-bit MODP group (parameter ID 0)
DH_S = H("FA5B7E3E49753A0DB9178B7B9BD898C8")
DH_T = H("B3A6DB3C870C3E99245E0D1C06B747DE")
DH_G = int("1D7D767F11E333BCD6DBAEF40E799E7A926B96973550656FF3C830726D118D61C276CDCC61D475CF03A98E0C0E79CAEB"
           "A5BE25578BD4551D0B10903236F0B0F976852FA78EEA14EA0ACA87D1E91F688FE0DFF897BBE35A472621D343564B262F"
           "34223AE8FC59B664BFEDFA2BFE7516CA5510A6BBB633D517EC25D4E0BBAA16C2", 16)


def test_ecdh_worked_example_mapping() -> None:
    d = standard_domain(13)
    assert pace_im.pseudo_random(EC_S, EC_T, d.p) == EC_RP
    assert d.encode(pace_im.map_nonce(d, EC_S, EC_T)) == EC_G
    assert d.encode(d.public_key(EC_PCD_SK, d.decode(EC_G))) == EC_PCD_PK


def test_dh_worked_example_mapping() -> None:
    assert pace_im.map_nonce(standard_domain(0), DH_S, DH_T) == DH_G


def test_ecdh_worked_example_apdu_exchange_byte_for_byte() -> None:
    oid_value = H("04007F00070202040402")
    conn = ScriptedConnection([
        ("0022C1A40F800A" + oid_value.hex() + "830102", "9000"),
        ("10860000027C0000", "7C128010" + EC_Z.hex() + "9000"),
        ("10860000147C128110" + EC_T.hex() + "00", "7C0282009000"),
        ("10860000457C438341" + EC_PCD_PK.hex() + "00", "7C438441" + EC_PICC_PK.hex() + "9000"),
        ("008600000C7C0A8508" + EC_T_PCD.hex() + "00", "7C0A8608" + EC_T_PICC.hex() + "9000"),
    ])
    info = PaceInfo.make(EC_OID, 13)
    result = perform_pace(conn, CAN, info, rng=lambda n: EC_T, private_keys=[EC_PCD_SK])
    assert conn.remaining == 0
    assert (result.sm.ks_enc, result.sm.ks_mac, result.sm.ssc) == (EC_K_ENC, EC_K_MAC, 0)
    assert result.info.mapping == "IM" and result.cam is None


@pytest.mark.parametrize("offer", [PaceOffer.ecdh(mapping="IM"), PaceOffer.ecdh("secp384r1", mapping="IM"),
                                   PaceOffer.dh(0, mapping="IM")], ids=["bp256", "p384", "dh1024"])
def test_chip_offering_only_integrated_mapping(offer: PaceOffer) -> None:
    key = AccessKey.from_mrz("L898902C<", "740812", "120415")
    chip = VirtualChip({}, mrz_key=key, pace=[offer])
    result = pace_from_card_access(chip, key, chip.mf_files[0x011C])
    assert chip.authenticated == "PACE" and result.info.mapping == "IM"
    assert result.sm.ks_enc == chip.sm.ks_enc


def test_im_passport_read_end_to_end() -> None:
    key = AccessKey.from_mrz("L898902C3", "740812", "120415")
    passport = make_virtual_passport(key, pace_mapping="IM")
    result = EmrtdReader(passport.chip, key, method=AccessMethod.PACE, aa_challenge=b"12345678").read()
    assert result.ok and result.access_method == "PACE" and result.pace_mapping == "IM"
    assert result.chip_authentication.passed  # DG14 chip authentication still runs after IM


def test_unsupported_integrated_mapping_is_refused_with_a_reason() -> None:
    im_256 = PaceInfo.make("0.4.0.127.0.7.2.2.4.4.4", 13)
    with pytest.raises(AccessControlError, match="AES-128"):
        select_pace_info(SecurityInfos((im_256,), b""))
    # a chip offering IM-AES-256 and GM is read with GM
    gm = PaceInfo.make("0.4.0.127.0.7.2.2.4.2.2", 13)
    assert select_pace_info(parse_card_access(encode_security_infos([im_256, gm]))).mapping == "GM"
    with pytest.raises(AccessControlError, match="p = 1 mod 4"):
        pace_im.check_supported(CipherAlg.AES, 128, standard_domain(10))  # secp224r1
