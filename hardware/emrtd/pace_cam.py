"""PACE with Chip Authentication Mapping (PACE-CAM, ICAO 9303-11 sections 4.4.3.3.3 and 4.4.3.5).

CAM runs generic mapping (ECDH only) and then, in the answer to the terminal's token, the chip adds
tag 8A: its Chip Authentication Data ``CA_IC = SK_IC^-1 * SK_Map,IC mod n`` encrypted with
``KS_enc`` (AES-CBC, IV = ``E(KS_enc, FF..FF)``, ISO 9797-1 padding method 2). The terminal
decrypts it and checks ``PK_Map,IC = CA_IC * PK_IC`` with the chip's static public key ``PK_IC``
from EF.CardSecurity (signed by the document signer: passive authentication covers it). Only a chip
holding ``SK_IC`` can answer that, so a passed check is chip authentication, without the separate
chip-authentication protocol (section 6.2).

This module holds the arithmetic both sides share and the terminal's verification; the APDU flow
is in ``hardware.emrtd.pace`` and the card side in ``hardware.emrtd.virtual.pace_card``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hardware.emrtd import crypto
from hardware.emrtd.chip_auth import ChipAuthenticationResult
from hardware.emrtd.crypto import CipherAlg
from hardware.emrtd.domain_params import DomainParameterError, EcDomain, public_key_from_spki
from hardware.emrtd.errors import AccessControlError, EmrtdError
from hardware.emrtd.lds.security_infos import ChipAuthenticationPublicKeyInfo, SecurityInfos

PROTOCOL = "PACE-CAM"


@dataclass(frozen=True)
class CamData:
    """What PACE-CAM leaves for verification and for the evidence record (nothing secret).

    ``chip_mapping_key`` is the chip's ephemeral mapping public key ``PK_Map,IC`` (encoded point),
    ``chip_authentication_data`` is the decrypted ``CA_IC`` (big-endian, the length of n),
    ``encrypted`` is tag 8A as the chip sent it. Anyone holding these and the signed EF.CardSecurity
    can re-check ``PK_Map,IC = CA_IC * PK_IC`` later: the session keys are not needed.
    """

    domain_name: str
    chip_mapping_key: bytes = field(repr=False)
    chip_authentication_data: bytes = field(repr=False)
    encrypted: bytes = field(repr=False)


def _iv(alg: CipherAlg, k_enc: bytes) -> bytes:
    if alg is not CipherAlg.AES:
        raise AccessControlError("PACE-CAM is defined with AES only")
    return crypto.aes_ecb_encrypt_block(k_enc, b"\xff" * 16)


def _length(domain: EcDomain) -> int:
    return (domain.n.bit_length() + 7) // 8


def encrypt_chip_authentication_data(alg: CipherAlg, k_enc: bytes, domain: EcDomain, static_private: int,
                                     mapping_private: int) -> bytes:
    """Card side: ``A_IC = E(KS_enc, CA_IC)`` with ``CA_IC = SK_IC^-1 * SK_Map,IC mod n``."""
    ca = pow(static_private, -1, domain.n) * mapping_private % domain.n
    plain = crypto.pad(ca.to_bytes(_length(domain), "big"), 16)
    return crypto.encrypt(alg, k_enc, plain, _iv(alg, k_enc))


def decrypt_chip_authentication_data(alg: CipherAlg, k_enc: bytes, domain: EcDomain, encrypted: bytes) -> bytes:
    """Terminal side: recover ``CA_IC`` from tag 8A; a malformed value is an ``AccessControlError``."""
    if not encrypted or len(encrypted) % 16:
        raise AccessControlError("PACE-CAM chip authentication data has a wrong length")
    iv = _iv(alg, k_enc)
    try:
        plain = crypto.unpad(crypto.decrypt(alg, k_enc, encrypted, iv))
    except EmrtdError as exc:
        raise AccessControlError("PACE-CAM chip authentication data does not decrypt (bad padding)") from exc
    ca = int.from_bytes(plain, "big")
    if not 0 < ca < domain.n:
        raise AccessControlError("PACE-CAM chip authentication data is out of range")
    return plain


def _candidate_keys(infos: SecurityInfos, domain: EcDomain) -> list[tuple[ChipAuthenticationPublicKeyInfo, bytes]]:
    out = []
    for info in infos.chip_authentication_public_keys:
        try:
            key = public_key_from_spki(info.public_key_info)
        except DomainParameterError:
            continue
        if isinstance(key.domain, EcDomain) and key.domain.same_curve(domain):
            out.append((info, key.value))
    return out


def verify_cam(cam: CamData, domain: EcDomain, card_security: SecurityInfos | None) -> ChipAuthenticationResult:
    """Check ``PK_Map,IC = CA_IC * PK_IC`` against the static keys of EF.CardSecurity (or DG14).

    The keys' authenticity comes from passive authentication of the file that holds them; this
    function only checks that the chip knows the private key of one of them. Never raises: the
    result says why it failed.
    """
    if card_security is None:
        return ChipAuthenticationResult(False, PROTOCOL, None, "the chip's static public key (EF.CardSecurity) "
                                        "could not be read")
    candidates = _candidate_keys(card_security, domain)
    if not candidates:
        return ChipAuthenticationResult(False, PROTOCOL, None, "EF.CardSecurity holds no chip-authentication "
                                        f"public key on {domain.name}")
    try:
        mapping_key = domain.decode(cam.chip_mapping_key)
    except DomainParameterError as exc:
        return ChipAuthenticationResult(False, PROTOCOL, None, f"chip's mapping key is invalid: {exc}")
    ca = int.from_bytes(cam.chip_authentication_data, "big")
    for info, value in candidates:
        if domain.decode(value) * ca == mapping_key:
            return ChipAuthenticationResult(True, PROTOCOL, info.key_id)
    return ChipAuthenticationResult(False, PROTOCOL, None, "the chip did not prove it holds the private key of "
                                    "its signed chip-authentication key (PACE-CAM): possible clone")

