"""Symmetric primitives of ICAO 9303-11: 3DES-CBC, retail MAC, AES-CBC, AES-CMAC, padding and the KDF.

- Padding: ISO/IEC 9797-1 padding method 2 (``80 00 .. 00``), Part 11 section 9.8.6 / 9.7.
- Retail MAC: ISO/IEC 9797-1 MAC algorithm 3 with DES and a 2-key 3DES key (Part 11 section 9.8.6.1).
- AES-CMAC: NIST SP 800-38B, truncated to 8 bytes by the caller (Part 11 section 9.8.6.2).
- KDF: Part 11 section 9.7.1 (``KDF(K, c) = H(K || c)``; SHA-1 for 3DES and AES-128,
  SHA-256 for AES-192 and AES-256; 3DES keys get DES odd parity).

Key material never goes to a log.
"""
from __future__ import annotations

import hashlib
from enum import Enum

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hardware.emrtd.errors import SecureMessagingError

KDF_ENC = 1
KDF_MAC = 2
KDF_PACE = 3


class CipherAlg(str, Enum):
    """Block cipher of a secure-messaging session or PACE/CA protocol."""

    DES3 = "3DES"
    AES = "AES"

    @property
    def block_size(self) -> int:
        """Cipher block size in bytes (8 for 3DES, 16 for AES)."""
        return 8 if self is CipherAlg.DES3 else 16


def pad(data: bytes, block_size: int = 8) -> bytes:
    """ISO/IEC 9797-1 padding method 2: append ``80`` then zeros up to a block boundary."""
    data = bytes(data) + b"\x80"
    return data + bytes(-len(data) % block_size)


def unpad(data: bytes) -> bytes:
    """Remove ISO/IEC 9797-1 method 2 padding; raises ``SecureMessagingError`` when it is malformed."""
    stripped = bytes(data).rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise SecureMessagingError("secure-messaging padding is malformed")
    return stripped[:-1]


def _des3_key(key: bytes) -> bytes:
    # Expanded to three keys (K1 K2 K1, or K K K for single DES): same cipher, no deprecated sizes.
    key = bytes(key)
    if len(key) == 8:
        return key * 3
    if len(key) == 16:
        return key + key[:8]
    if len(key) == 24:
        return key
    raise ValueError("3DES key must be 8, 16 or 24 bytes")


def des3_cbc_encrypt(key: bytes, data: bytes, iv: bytes = bytes(8)) -> bytes:
    """3DES-CBC encryption of block-aligned ``data`` (2-key keys are expanded K1 K2 K1)."""
    enc = Cipher(TripleDES(_des3_key(key)), modes.CBC(iv)).encryptor()
    return enc.update(bytes(data)) + enc.finalize()


def des3_cbc_decrypt(key: bytes, data: bytes, iv: bytes = bytes(8)) -> bytes:
    """3DES-CBC decryption of block-aligned ``data``."""
    if len(data) % 8:
        raise SecureMessagingError("3DES cryptogram is not a whole number of blocks")
    dec = Cipher(TripleDES(_des3_key(key)), modes.CBC(iv)).decryptor()
    return dec.update(bytes(data)) + dec.finalize()


def retail_mac(key: bytes, data: bytes, *, padded: bool = False) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 (retail MAC) with DES, 8 bytes.

    :param key: 16-byte 2-key 3DES key (Ka || Kb).
    :param data: message; padded with method 2 unless ``padded`` is True.
    """
    if len(key) != 16:
        raise ValueError("retail MAC needs a 16-byte key")
    msg = bytes(data) if padded else pad(data, 8)
    if len(msg) % 8:
        raise ValueError("retail MAC input is not block aligned")
    ka, kb = key[:8], key[8:]
    # Single DES CBC over every block with Ka (3DES with K1=K2=K3 is single DES) ...
    h = des3_cbc_encrypt(ka, msg)[-8:]
    # ... then the output transformation: decrypt with Kb, encrypt with Ka.
    dec = Cipher(TripleDES(_des3_key(kb)), modes.ECB()).decryptor()
    h = dec.update(h) + dec.finalize()
    enc = Cipher(TripleDES(_des3_key(ka)), modes.ECB()).encryptor()
    return enc.update(h) + enc.finalize()


def aes_cbc_encrypt(key: bytes, data: bytes, iv: bytes = bytes(16)) -> bytes:
    """AES-CBC encryption of block-aligned ``data``."""
    enc = Cipher(algorithms.AES(bytes(key)), modes.CBC(iv)).encryptor()
    return enc.update(bytes(data)) + enc.finalize()


def aes_cbc_decrypt(key: bytes, data: bytes, iv: bytes = bytes(16)) -> bytes:
    """AES-CBC decryption of block-aligned ``data``."""
    if len(data) % 16:
        raise SecureMessagingError("AES cryptogram is not a whole number of blocks")
    dec = Cipher(algorithms.AES(bytes(key)), modes.CBC(iv)).decryptor()
    return dec.update(bytes(data)) + dec.finalize()


def aes_ecb_encrypt_block(key: bytes, block: bytes) -> bytes:
    """AES encryption of one 16-byte block (used for the SSC-derived IV)."""
    enc = Cipher(algorithms.AES(bytes(key)), modes.ECB()).encryptor()
    return enc.update(bytes(block)) + enc.finalize()


def aes_cmac(key: bytes, data: bytes) -> bytes:
    """Full 16-byte AES-CMAC of ``data`` (callers truncate to 8 bytes)."""
    c = cmac.CMAC(algorithms.AES(bytes(key)))
    c.update(bytes(data))
    return c.finalize()


def encrypt(alg: CipherAlg, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
    """CBC encryption with the given algorithm; ``iv`` defaults to zeros."""
    if alg is CipherAlg.DES3:
        return des3_cbc_encrypt(key, data, iv or bytes(8))
    return aes_cbc_encrypt(key, data, iv or bytes(16))


def decrypt(alg: CipherAlg, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
    """CBC decryption with the given algorithm; ``iv`` defaults to zeros."""
    if alg is CipherAlg.DES3:
        return des3_cbc_decrypt(key, data, iv or bytes(8))
    return aes_cbc_decrypt(key, data, iv or bytes(16))


def mac8(alg: CipherAlg, key: bytes, data: bytes) -> bytes:
    """The 8-byte secure-messaging MAC of already padded ``data`` (retail MAC or truncated CMAC)."""
    if alg is CipherAlg.DES3:
        return retail_mac(key, data, padded=True)
    return aes_cmac(key, data)[:8]


def adjust_des_parity(key: bytes) -> bytes:
    """Set DES odd parity on each byte (ICAO keys are quoted parity-adjusted; DES ignores the bit)."""
    out = bytearray()
    for b in key:
        high = b & 0xFE
        out.append(high | ((bin(high).count("1") + 1) % 2))
    return bytes(out)


def kdf(shared: bytes, counter: int, alg: CipherAlg, key_bits: int = 128) -> bytes:
    """ICAO 9303-11 section 9.7.1 key derivation ``KDF(K, c)``.

    :param shared: the shared secret K (or K_seed / password for BAC and PACE).
    :param counter: 1 for K_enc, 2 for K_mac, 3 for the PACE password key K_pi.
    :param alg: 3DES (2-key, 16 bytes) or AES.
    :param key_bits: 128, 192 or 256 for AES; ignored for 3DES.
    """
    data = bytes(shared) + counter.to_bytes(4, "big")
    if alg is CipherAlg.DES3:
        return adjust_des_parity(hashlib.sha1(data).digest()[:16])
    if key_bits == 128:
        return hashlib.sha1(data).digest()[:16]
    if key_bits == 192:
        return hashlib.sha256(data).digest()[:24]
    if key_bits == 256:
        return hashlib.sha256(data).digest()
    raise ValueError(f"unsupported AES key size {key_bits}")
