"""ICAO 9303-11 Appendix D.1-D.4 (BAC and 3DES secure messaging) byte for byte, and the shared
worked-example transcript (3DES and AES-256) read at test time."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.emrtd import crypto
from hardware.emrtd.apdu import CommandApdu, transceive
from hardware.emrtd.bac import BacNotAvailableError, derive_bac_keys, perform_bac
from hardware.emrtd.crypto import CipherAlg
from hardware.emrtd.errors import AccessControlError, SecureMessagingError
from hardware.emrtd.password import AccessKey
from hardware.emrtd.sm import SecureMessaging, SMConnection
from hardware.emrtd.testing import ScriptedConnection

H = bytes.fromhex

# Appendix D.1 (keys from K_seed) and D.2 (K_seed from the MRZ)
KEY = AccessKey.from_mrz("L898902C<", "690806", "940623")
K_SEED = H("239AB9CB282DAF66231DC5A4DF6BFBAE")
K_ENC = H("AB94FDECF2674FDFB9B391F85D7F76F2")
K_MAC = H("7962D9ECE03D1ACD4C76089DCE131543")
# Appendix D.3
RND_IC = "4608F91988702212"
RND_IFD = H("781723860C06C226")
K_IFD = H("0B795240CB7049B01C19B33E32804F0B")
CMD_DATA = ("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2"  # E_IFD
            "5F1448EEA8AD90A7")  # M_IFD
RESP_DATA = ("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F"  # E_IC
             "2F2D235D074D7449")  # M_IC
KS_ENC = H("979EC13B1CBFE9DCD01AB0FED307EAE5")
KS_MAC = H("F1CB1F1FB5ADF208806B89DC579DC1F8")
SSC = H("887022120C06C226")


def fixed_rng() -> Iterator[bytes]:
    yield RND_IFD
    yield K_IFD


def _rng():
    it = fixed_rng()
    return lambda n: next(it)


def test_d1_d2_key_derivation() -> None:
    assert KEY.bac_seed() == K_SEED
    assert derive_bac_keys(K_SEED) == (K_ENC, K_MAC)


def test_d3_mutual_authentication_and_session_keys() -> None:
    conn = ScriptedConnection([
        ("0084000008", RND_IC + "9000"),
        ("0082000028" + CMD_DATA + "28", RESP_DATA + "9000"),
    ])
    sm = perform_bac(conn, KEY, rng=_rng())
    assert conn.remaining == 0
    # K.IC recovered from E_IC, then K_seed = K.IFD xor K.IC.
    r = crypto.des3_cbc_decrypt(K_ENC, H(RESP_DATA)[:32])
    assert r[16:] == H("0B4F80323EB3191CB04970CB4052790B")
    assert bytes(a ^ b for a, b in zip(K_IFD, r[16:])) == H("0036D272F5C350ACAC50C3F572D23600")
    assert sm.alg is CipherAlg.DES3
    assert (sm.ks_enc, sm.ks_mac, sm.ssc_bytes) == (KS_ENC, KS_MAC, SSC)


def test_d4_secure_messaging_select_and_read_ef_com() -> None:
    conn = ScriptedConnection([
        ("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800", "990290008E08FA855A5D4C50A8ED9000"),
        ("0CB000000D9701048E08ED6705417E96BA5500", "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"),
        ("0CB000040D9701128E082EA28A70F3C7B53500",
         "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000"),
    ])
    sm = SecureMessaging(CipherAlg.DES3, KS_ENC, KS_MAC, SSC)
    sec = SMConnection(conn, sm)
    assert transceive(sec, CommandApdu(0x00, 0xA4, 0x02, 0x0C, H("011E"))).data == b""
    assert sm.ssc_bytes == H("887022120C06C228")
    head = transceive(sec, CommandApdu(0x00, 0xB0, 0x00, 0x00, ne=4)).data
    assert head == H("60145F01")
    rest = transceive(sec, CommandApdu(0x00, 0xB0, 0x00, 0x04, ne=0x12)).data
    assert head + rest == H("60145F0104303130365F36063034303030305C026175")
    assert sm.ssc_bytes == H("887022120C06C22C")


def test_d4_intermediate_values() -> None:
    # The SELECT of Appendix D.4: DO87, the MAC input N and the checksum CC.
    sm = SecureMessaging(CipherAlg.DES3, KS_ENC, KS_MAC, SSC)
    protected = sm.wrap_command(CommandApdu(0x00, 0xA4, 0x02, 0x0C, H("011E")))
    assert protected.data[:11] == H("8709016375432908C044F6")
    n = H("887022120C06C227" "0CA4020C80000000" "8709016375432908C044F6" "8000000000")
    assert crypto.retail_mac(KS_MAC, n, padded=True) == H("BF8B92D635FF24F8")


def test_corrupted_response_mac_raises_and_breaks_session() -> None:
    conn = ScriptedConnection([("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
                                "990290008E08FA855A5D4C50A8ED9100")])
    sm = SecureMessaging(CipherAlg.DES3, KS_ENC, KS_MAC, SSC)
    conn._pairs[0] = (conn._pairs[0][0], H("990290008E08FA855A5D4C50A8EE9000"))
    with pytest.raises(SecureMessagingError):
        transceive(SMConnection(conn, sm), CommandApdu(0x00, 0xA4, 0x02, 0x0C, H("011E")))
    assert sm.broken
    with pytest.raises(SecureMessagingError):
        sm.wrap_command(CommandApdu(0x00, 0xB0, 0, 0, ne=4))


def test_bac_refused_with_6a88() -> None:
    conn = ScriptedConnection([("0084000008", RND_IC + "9000"),
                               ("0082000028" + CMD_DATA + "28", "6A88")])
    with pytest.raises(BacNotAvailableError) as info:
        perform_bac(conn, KEY, rng=_rng())
    assert info.value.sw == 0x6A88


def test_bac_wrong_key_is_access_control_error() -> None:
    conn = ScriptedConnection([("0084000008", RND_IC + "9000"),
                               ("0082000028" + CMD_DATA + "28", "6300")])
    with pytest.raises(AccessControlError):
        perform_bac(conn, KEY, rng=_rng())


def _traces(shared_data: Path) -> list[dict]:
    path = shared_data / "emrtd" / "apdu_traces" / "sm_read_ef_com_worked_examples.json"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return json.loads(path.read_text())["traces"]


@pytest.mark.shared_data
@pytest.mark.parametrize("index", [0, 1])
def test_shared_worked_examples(shared_data: Path, index: int) -> None:
    trace = _traces(shared_data)[index]
    alg = CipherAlg.AES if trace["cipher"].startswith("AES") else CipherAlg.DES3
    conn = ScriptedConnection([(x["capdu"], x["rapdu"]) for x in trace["exchanges"]])
    sm = SecureMessaging(alg, H(trace["KSenc"]), H(trace["KSmac"]), H(trace["SSC_initial"]))
    sec = SMConnection(conn, sm)
    out = b""
    for x in trace["exchanges"]:
        out += transceive(sec, H(x["plain_cmd"])).data
    assert out == H(trace["expected_EF_COM"])
    assert sm.ssc_bytes == H(trace["SSC_final"])
    # The card side of the same exchanges reproduces the chip's answers byte for byte.
    card = SecureMessaging(alg, H(trace["KSenc"]), H(trace["KSmac"]), H(trace["SSC_initial"]))
    content = H(trace["expected_EF_COM"])
    for x in trace["exchanges"]:
        plain = card.unwrap_command(CommandApdu.parse(H(x["capdu"])))
        assert plain.encode() == H(x["plain_cmd"])
        if plain.ins == 0xB0:
            off = (plain.p1 << 8) | plain.p2
            data, sw = card.wrap_response(content[off:off + (plain.ne or 0)], 0x9000)
        else:
            data, sw = card.wrap_response(b"", 0x9000)
        assert data + sw.to_bytes(2, "big") == H(x["rapdu"])


def test_d4_response_mac_and_decryption() -> None:
    # Appendix D.4: the response to the SELECT is checked with SSC + 1 = ...C228 over DO99,
    # and the first READ BINARY's DO87 decrypts to the first four bytes of EF.COM.
    k = H("887022120C06C228" "9902900080000000")
    assert crypto.retail_mac(KS_MAC, k, padded=True) == H("FA855A5D4C50A8ED")
    assert crypto.unpad(crypto.des3_cbc_decrypt(KS_ENC, H("9FF0EC34F9922651"))) == H("60145F01")
