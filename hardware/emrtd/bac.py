"""Basic Access Control (ICAO 9303-11 section 4.3 and Appendix D).

Key derivation: ``K_seed = SHA-1(MRZ_information)[:16]``, ``K_enc = KDF(K_seed, 1)``,
``K_mac = KDF(K_seed, 2)`` (2-key 3DES). Mutual authentication: GET CHALLENGE gives RND.IC; the
terminal sends ``E_IFD = 3DES(K_enc, RND.IFD || RND.IC || K.IFD)`` and its retail MAC in EXTERNAL
AUTHENTICATE; the chip answers ``E_IC || M_IC``; session keys come from ``K.IFD xor K.IC`` and the SSC
from ``RND.IC[4:8] || RND.IFD[4:8]`` (Appendix D.3).

Chips that have BAC switched off (German passports since 2023) answer 6A88: that raises
``BacNotAvailableError`` so the caller can report it (PACE is tried first anyway).
"""
from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable

from hardware.emrtd import crypto
from hardware.emrtd.apdu import SW, CardConnection, CommandApdu, INS, transceive
from hardware.emrtd.crypto import KDF_ENC, KDF_MAC, CipherAlg
from hardware.emrtd.errors import AccessControlError, ApduError
from hardware.emrtd.password import AccessKey
from hardware.emrtd.sm import SecureMessaging

log = logging.getLogger(__name__)


class BacNotAvailableError(AccessControlError):
    """The chip refused BAC as not available (status 6A88): use PACE."""

    def __init__(self, sw: int) -> None:
        self.sw = sw
        super().__init__(f"chip has Basic Access Control switched off (status {sw:04X}); use PACE")


def derive_bac_keys(k_seed: bytes) -> tuple[bytes, bytes]:
    """``(K_enc, K_mac)`` from a 16-byte seed (Part 11 section 9.7.1, parity-adjusted 3DES keys)."""
    return crypto.kdf(k_seed, KDF_ENC, CipherAlg.DES3), crypto.kdf(k_seed, KDF_MAC, CipherAlg.DES3)


def session_from_seeds(k_ifd: bytes, k_ic: bytes, rnd_ic: bytes, rnd_ifd: bytes) -> SecureMessaging:
    """The BAC secure-messaging session (3DES) from both key halves and both challenges."""
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic))
    ks_enc, ks_mac = derive_bac_keys(seed)
    return SecureMessaging(CipherAlg.DES3, ks_enc, ks_mac, rnd_ic[4:8] + rnd_ifd[4:8])


def perform_bac(conn: CardConnection, key: AccessKey, *,
                rng: Callable[[int], bytes] = os.urandom) -> SecureMessaging:
    """Run BAC mutual authentication on ``conn`` (the eMRTD application must be selected).

    :param conn: a plain connection (no secure messaging).
    :param key: an MRZ ``AccessKey``.
    :param rng: source of RND.IFD and K.IFD (tests pass fixed values).
    :returns: the 3DES session; wrap the connection with ``SMConnection(conn, session)``.
    :raises BacNotAvailableError: status 6A88 (BAC switched off).
    :raises AccessControlError: wrong MRZ or a malformed chip answer.
    """
    k_enc, k_mac = derive_bac_keys(key.bac_seed())
    try:
        rnd_ic = transceive(conn, CommandApdu(0x00, INS.GET_CHALLENGE, 0, 0, ne=8)).data
    except ApduError as exc:
        if exc.sw == SW.REFERENCED_DATA_NOT_FOUND:
            raise BacNotAvailableError(exc.sw) from exc
        raise AccessControlError(f"GET CHALLENGE for BAC failed (status {exc.sw:04X})") from exc
    if len(rnd_ic) != 8:
        raise AccessControlError("GET CHALLENGE returned a challenge that is not 8 bytes")
    rnd_ifd, k_ifd = rng(8), rng(16)
    e_ifd = crypto.des3_cbc_encrypt(k_enc, rnd_ifd + rnd_ic + k_ifd)
    m_ifd = crypto.retail_mac(k_mac, e_ifd)
    cmd = CommandApdu(0x00, INS.EXTERNAL_AUTHENTICATE, 0, 0, e_ifd + m_ifd, ne=40)
    try:
        resp = transceive(conn, cmd).data
    except ApduError as exc:
        if exc.sw == SW.REFERENCED_DATA_NOT_FOUND:
            raise BacNotAvailableError(exc.sw) from exc
        raise AccessControlError(
            f"chip rejected BAC (status {exc.sw:04X}): check document number, birth and expiry dates"
        ) from exc
    if len(resp) != 40:
        raise AccessControlError("BAC answer is not 40 bytes")
    e_ic, m_ic = resp[:32], resp[32:]
    if not hmac.compare_digest(crypto.retail_mac(k_mac, e_ic), m_ic):
        raise AccessControlError("BAC answer MAC does not verify")
    r = crypto.des3_cbc_decrypt(k_enc, e_ic)
    if r[:8] != rnd_ic or r[8:16] != rnd_ifd:
        raise AccessControlError("BAC answer does not echo the challenges")
    log.debug("BAC mutual authentication succeeded")
    return session_from_seeds(k_ifd, r[16:32], rnd_ic, rnd_ifd)
