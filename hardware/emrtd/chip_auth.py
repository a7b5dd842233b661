"""Chip authentication (ICAO 9303-11 section 6.2; BSI TR-03110 CA version 1/2 as used by eMRTDs).

The terminal takes the chip's static key-agreement public key from DG14
(ChipAuthenticationPublicKeyInfo, EC or DH, explicit parameters mapped to named curves), makes an
ephemeral key pair on the same domain and sends its public key:

- 3DES protocols (``id-CA-*-3DES-CBC-CBC``): MSE:Set KAT (``0C 22 41 A6``, tag 91, tag 84 key ID);
- AES protocols: MSE:Set AT (``22 41 A4``, tag 80 protocol OID, tag 84 key ID) then GENERAL
  AUTHENTICATE ``7C { 80 public key }``.

Both sides derive ``KS_enc``/``KS_mac`` from the shared secret with the KDF and restart secure
messaging with SSC 0. The chip proves possession of the private key by answering the next
command correctly under the new keys: this module sends a protected SELECT of EF.COM to check.
Because DG14 is covered by passive authentication, a passed chip authentication shows the chip
is not a clone.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asn1crypto import core

from hardware.emrtd import crypto, tlv
from hardware.emrtd.apdu import CommandApdu, INS
from hardware.emrtd.crypto import KDF_ENC, KDF_MAC, CipherAlg
from hardware.emrtd.domain_params import DomainParameterError, PublicKey, public_key_from_spki
from hardware.emrtd.errors import ApduError, CardRemovedError, EmrtdError, LdsError, SecureMessagingError
from hardware.emrtd.lds.security_infos import (
    ID_CA_DH,
    ID_CA_ECDH,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo,
    SecurityInfos,
    parse_dg14,
)
from hardware.emrtd.sm import SecureMessaging

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChipAuthenticationResult:
    """Outcome of chip authentication; ``reason`` explains a failure for reports and the operator."""

    passed: bool
    protocol: str | None
    key_id: int | None
    reason: str = ""


def choose_ca_key(dg14: SecurityInfos) -> tuple[ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo]:
    """Pair a ChipAuthenticationInfo with its public key (by key ID when given).

    DG14s without ChipAuthenticationInfo (early chips) imply the 3DES protocol of the key type.
    """
    keys = dg14.chip_authentication_public_keys
    if not keys:
        raise LdsError("DG14 holds no chip-authentication public key")
    infos = dg14.chip_authentication_infos
    if not infos:
        key = keys[0]
        family = ID_CA_ECDH if key.oid.endswith(".2") else ID_CA_DH
        return ChipAuthenticationInfo.make(family + ".1", 1, key.key_id), key

    def rank(info: ChipAuthenticationInfo) -> int:
        alg, bits = info.cipher
        return (0 if alg is CipherAlg.AES else 1000) - bits

    for info in sorted(infos, key=rank):
        for key in keys:
            if info.key_id is None or key.key_id is None or info.key_id == key.key_id:
                return info, key
    raise LdsError("no chip-authentication public key matches the ChipAuthenticationInfo key IDs")


def perform_chip_authentication(session: Any, dg14: SecurityInfos | bytes, *,
                                rng: Callable[[int], bytes] = os.urandom) -> ChipAuthenticationResult:
    """Run chip authentication on an ``EmrtdSession`` that has secure messaging running.

    :param session: the ``EmrtdSession`` (typed loosely to keep the import graph simple).
    :param dg14: parsed DG14 (``security_infos.parse_dg14``) or its raw bytes.
    :param rng: randomness for the ephemeral key.
    :returns: a result; on failure the session is re-authenticated (BAC/PACE again) when possible so
        the caller can go on (for example with active authentication).
    :raises CardRemovedError: the card left the field.
    """
    try:
        infos = dg14 if isinstance(dg14, SecurityInfos) else parse_dg14(dg14)
        info, key_info = choose_ca_key(infos)
        chip_key = public_key_from_spki(key_info.public_key_info)
    except (LdsError, DomainParameterError) as exc:
        return ChipAuthenticationResult(False, None, None, f"DG14 unusable for chip authentication: {exc}")
    if session.sm is None:
        return ChipAuthenticationResult(False, info.oid, info.key_id, "no secure messaging session (BAC/PACE first)")
    try:
        _run(session, info, chip_key, rng)
    except CardRemovedError:
        raise
    except (ApduError, SecureMessagingError, DomainParameterError) as exc:
        reason = f"chip authentication failed: {exc}"
        log.info("chip authentication failed (%s)", type(exc).__name__)
        try:
            session.reauthenticate()
        except CardRemovedError:
            raise
        except EmrtdError:
            reason += "; re-authentication also failed"
        return ChipAuthenticationResult(False, info.oid, info.key_id, reason)
    # A later secure-messaging failure must redo chip authentication after BAC/PACE.
    session.add_reauthentication_step(lambda: _run(session, info, chip_key, rng))
    return ChipAuthenticationResult(True, info.oid, info.key_id)


def _run(session: Any, info: ChipAuthenticationInfo, chip_key: PublicKey, rng: Callable[[int], bytes]) -> None:
    from hardware.emrtd.session import EF_COM

    domain = chip_key.domain
    alg, bits = info.cipher
    private = domain.random_private(rng)
    ephemeral = domain.encode(domain.public_key(private))
    key_ref = b""
    if info.key_id is not None:
        key_ref = tlv.encode(0x84, info.key_id.to_bytes(max(1, (info.key_id.bit_length() + 7) // 8), "big"))
    shared = domain.shared_secret(domain.agree(private, chip_key.element()))
    if alg is CipherAlg.DES3:
        session.send(CommandApdu(0x00, INS.MSE, 0x41, 0xA6, tlv.encode(0x91, ephemeral) + key_ref))
    else:
        oid_value = core.ObjectIdentifier(info.oid).dump()[2:]
        session.send(CommandApdu(0x00, INS.MSE, 0x41, 0xA4, tlv.encode(0x80, oid_value) + key_ref))
        session.send(CommandApdu(0x00, INS.GENERAL_AUTHENTICATE, 0, 0,
                                 tlv.encode(0x7C, tlv.encode(0x80, ephemeral)), ne=256))
    new = SecureMessaging(alg, crypto.kdf(shared, KDF_ENC, alg, bits), crypto.kdf(shared, KDF_MAC, alg, bits), 0)
    session.start_secure_messaging(new)
    session.select_file(EF_COM)  # answered under the new keys only by the genuine chip
