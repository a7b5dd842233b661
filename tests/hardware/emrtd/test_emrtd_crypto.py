"""Primitives against published vectors (ICAO 9303-11 Appendix D.1/D.2, RFC 4493)."""
from __future__ import annotations

import pytest

from hardware.emrtd import crypto
from hardware.emrtd.crypto import CipherAlg
from hardware.emrtd.errors import SecureMessagingError

H = bytes.fromhex


def test_padding_method_2() -> None:
    assert crypto.pad(H("011E"), 8) == H("011E800000000000")
    assert crypto.pad(b"", 8) == H("8000000000000000")
    assert crypto.pad(bytes(8), 8) == bytes(8) + H("8000000000000000")
    assert crypto.unpad(H("011E800000000000")) == H("011E")
    with pytest.raises(SecureMessagingError):
        crypto.unpad(H("011E000000000000"))


def test_kdf_3des_matches_icao_appendix_d2() -> None:
    seed = H("239AB9CB282DAF66231DC5A4DF6BFBAE")
    assert crypto.kdf(seed, 1, CipherAlg.DES3) == H("AB94FDECF2674FDFB9B391F85D7F76F2")
    assert crypto.kdf(seed, 2, CipherAlg.DES3) == H("7962D9ECE03D1ACD4C76089DCE131543")


def test_kdf_aes_sizes() -> None:
    # ICAO 9303-11 Appendix G.1: K_pi = KDF(SHA-1(MRZ_information), 3) for AES-128.
    import hashlib

    pi = hashlib.sha1(b"T22000129364081251010318").digest()
    assert crypto.kdf(pi, 3, CipherAlg.AES, 128) == H("89DED1B26624EC1E634C1989302849DD")
    assert len(crypto.kdf(pi, 1, CipherAlg.AES, 192)) == 24
    assert crypto.kdf(pi, 1, CipherAlg.AES, 256) == hashlib.sha256(pi + H("00000001")).digest()
    with pytest.raises(ValueError):
        crypto.kdf(pi, 1, CipherAlg.AES, 100)


def test_retail_mac_icao_d3() -> None:
    # Appendix D.3: M_IFD = MAC(K_mac, E_IFD).
    k_mac = H("7962D9ECE03D1ACD4C76089DCE131543")
    e_ifd = H("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
    assert crypto.retail_mac(k_mac, e_ifd) == H("5F1448EEA8AD90A7")


def test_3des_cbc_icao_d3() -> None:
    k_enc = H("AB94FDECF2674FDFB9B391F85D7F76F2")
    s = H("781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B")
    e = crypto.des3_cbc_encrypt(k_enc, s)
    assert e == H("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
    assert crypto.des3_cbc_decrypt(k_enc, e) == s


def test_aes_cmac_rfc4493_example_2() -> None:
    key = H("2b7e151628aed2a6abf7158809cf4f3c")
    msg = H("6bc1bee22e409f96e93d7e117393172a")
    assert crypto.aes_cmac(key, msg) == H("070a16b46b4d4144f79bdd9dd04a287c")


def test_parity_adjustment() -> None:
    assert crypto.adjust_des_parity(H("00FF")) == H("01FE")
