"""PACE with generic mapping, ECDH and DH (ICAO 9303-11 section 4.4, Appendix G.1/G.2).

The terminal side, step by step (section 4.4.4):

1. MSE:Set AT (``00 22 C1 A4``): 80 = protocol OID, 83 = password reference (1 MRZ, 2 CAN), and 84 =
   parameter ID when EF.CardAccess offers more than one set of domain parameters.
2. GENERAL AUTHENTICATE (chained, CLA 10) with ``7C 00``: the chip returns the encrypted nonce z
   (tag 80); ``s = D(K_pi, z)`` with a zero IV, ``K_pi = KDF(pi, 3)`` where pi is SHA-1 of
   MRZ_information or the CAN.
3. Mapping: exchange ephemeral keys (81/82); the shared point/element H gives the new generator
   ``G~ = s*G + H`` (ECDH) or ``g~ = g^s * h`` (DH).
4. Key agreement on G~ (83/84); ``K`` = x-coordinate (or DH value); ``K_enc = KDF(K, 1)``,
   ``K_mac = KDF(K, 2)``.
5. Mutual authentication (85/86): tokens are MACs (AES-CMAC or retail MAC, 8 bytes) over the other
   side's public-key data object ``7F49 { 06 OID, 86 point | 84 value }``.

Secure messaging then starts with SSC = 0. Chip Authentication Mapping (PACE-CAM, ECDH, AES) is
generic mapping plus tag 8A in the last answer: see ``hardware.emrtd.pace_cam``; the result carries
the data to verify once EF.CardSecurity has been read. Integrated mapping (PACE-IM, ECDH and DH,
AES-128) replaces step 3's key exchange by a terminal nonce t (tag 81; the chip answers an empty
82) and a deterministic map of (s, t) to the new generator: see ``hardware.emrtd.pace_im``.
"""
from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from hardware.emrtd import crypto, tlv
from hardware.emrtd.apdu import CardConnection, CommandApdu, INS, transceive
from hardware.emrtd.crypto import KDF_ENC, KDF_MAC, KDF_PACE, CipherAlg
from hardware.emrtd.domain_params import (
    Domain,
    DomainParameterError,
    EcDomain,
    domain_from_algorithm,
    standard_domain,
)
from hardware.emrtd.errors import AccessControlError, ApduError, LdsError, TlvError
from hardware.emrtd.lds.security_infos import PaceInfo, SecurityInfos, parse_card_access
from hardware.emrtd import pace_im
from hardware.emrtd.pace_cam import CamData, decrypt_chip_authentication_data
from hardware.emrtd.password import AccessKey
from hardware.emrtd.sm import SecureMessaging

log = logging.getLogger(__name__)


def pace_key(key: AccessKey, alg: CipherAlg, key_bits: int) -> bytes:
    """``K_pi = KDF(pi, 3)`` (section 9.7.3)."""
    return crypto.kdf(key.pace_secret(), KDF_PACE, alg, key_bits)


def auth_token(alg: CipherAlg, k_mac: bytes, public_key_object: bytes) -> bytes:
    """Authentication token: 8-byte MAC over the public-key data object (section 4.4.3.4).

    AES: CMAC over the object as is (CMAC pads internally); 3DES: retail MAC with padding method 2.
    """
    if alg is CipherAlg.AES:
        return crypto.aes_cmac(k_mac, public_key_object)[:8]
    return crypto.retail_mac(k_mac, public_key_object)


def public_key_object(oid_value: bytes, domain: Domain, public_value: bytes) -> bytes:
    """``7F49 { 06 OID, 86 point }`` (ECDH) or ``7F49 { 06 OID, 84 Y }`` (DH) (section 4.4.3.4)."""
    tag = 0x86 if domain.kind == "ECDH" else 0x84
    return tlv.encode(0x7F49, tlv.encode(0x06, oid_value) + tlv.encode(tag, public_value))


def domain_for(info: PaceInfo, card_access: SecurityInfos | None = None) -> Domain:
    """Domain parameters of a PACEInfo: standardized ID, or a PACEDomainParameterInfo in the file."""
    pid = info.parameter_id
    if pid is not None and pid < 32:
        return standard_domain(pid)
    if card_access is not None:
        for dp in card_access.pace_domain_parameters:
            if dp.parameter_id == pid or len(card_access.pace_domain_parameters) == 1:
                return domain_from_algorithm(dp.algorithm_identifier)
    raise AccessControlError(f"no domain parameters for PACE parameter ID {pid}")


_PREFERENCE = {("ECDH", 256): 0, ("ECDH", 192): 1, ("ECDH", 128): 2, ("DH", 256): 3, ("DH", 192): 4,
               ("DH", 128): 5}


SUPPORTED_MAPPINGS = ("CAM", "GM", "IM")
_MAPPING_RANK = {"CAM": -20, "GM": 0, "IM": 30}  # CAM also proves the chip genuine; IM only when alone


def _usable(info: PaceInfo) -> bool:
    if info.mapping not in SUPPORTED_MAPPINGS or info.version != 2:
        return False
    if info.mapping == "CAM":
        return info.cipher[0] is CipherAlg.AES and info.key_agreement == "ECDH"  # CAM is defined for these only
    return info.mapping != "IM" or info.cipher == (CipherAlg.AES, 128)


def select_pace_info(card_access: SecurityInfos) -> PaceInfo:
    """The PACEInfo to use: chip-authentication mapping first (it proves the chip genuine inside
    PACE, sparing the separate chip authentication), then generic mapping, then integrated mapping
    (AES-128 only); ECDH before DH, AES (largest key) before 3DES."""
    usable = [i for i in card_access.pace_infos if _usable(i)]
    if not usable:
        raise AccessControlError("EF.CardAccess offers no PACE protocol this kiosk supports (generic "
                                 "mapping, chip-authentication mapping, integrated mapping with AES-128)")

    def rank(info: PaceInfo) -> int:
        alg, bits = info.cipher
        base = _PREFERENCE.get((info.key_agreement, bits), 9)
        return base + (10 if alg is CipherAlg.DES3 else 0) + _MAPPING_RANK[info.mapping]

    return min(usable, key=rank)


@dataclass
class PaceResult:
    """Outcome of PACE: the secure-messaging session and what was agreed (no secrets in repr)."""

    sm: SecureMessaging
    info: PaceInfo
    chip_public_key: bytes  # the chip's ephemeral public key on G~ (encoded)
    domain_name: str
    cam: CamData | None = None  # PACE-CAM only: to verify against EF.CardSecurity (pace_cam.verify_cam)
    domain: Domain | None = None


def _ga(conn: CardConnection, data: bytes, last: bool = False) -> dict[int, bytes]:
    cmd = CommandApdu(0x00 if last else 0x10, INS.GENERAL_AUTHENTICATE, 0, 0, tlv.encode(0x7C, data), ne=256)
    try:
        resp = transceive(conn, cmd).data
    except ApduError as exc:
        raise AccessControlError(
            f"chip rejected PACE (status {exc.sw:04X})"
            + (": wrong MRZ or CAN?" if last or exc.sw in (0x6300, 0x6982) else "")) from exc
    try:
        dyn = tlv.decode_single(resp, 0x7C)
        return {c.tag: c.value for c in dyn.children()}
    except TlvError as exc:
        raise AccessControlError(f"PACE answer is malformed: {exc}") from exc


def _need(objs: dict[int, bytes], tag: int) -> bytes:
    if tag not in objs:
        raise AccessControlError(f"PACE answer lacks data object {tag:02X}")
    return objs[tag]


def perform_pace(conn: CardConnection, key: AccessKey, info: PaceInfo, *,
                 domain: Domain | None = None, send_parameter_id: bool = False,
                 rng: Callable[[int], bytes] = os.urandom,
                 private_keys: Sequence[int] | None = None) -> PaceResult:
    """Run PACE generic mapping on a plain connection at MF level.

    :param conn: plain connection (no secure messaging).
    :param key: MRZ or CAN ``AccessKey``.
    :param info: the PACEInfo chosen from EF.CardAccess (see ``select_pace_info``).
    :param domain: domain parameters (default: the standardized set named by ``info.parameter_id``).
    :param send_parameter_id: add tag 84 (needed when EF.CardAccess lists several parameter sets).
    :param rng: randomness for the terminal's ephemeral keys (and the integrated-mapping nonce t).
    :param private_keys: fixed terminal private keys (mapping, then agreement): tests only.
    :raises AccessControlError: wrong password, chip refusal, bad tokens, unsupported parameters.
    """
    if info.mapping not in SUPPORTED_MAPPINGS:
        raise AccessControlError(f"PACE mapping {info.mapping} is not supported")
    alg, bits = info.cipher
    if domain is None:
        if info.parameter_id is None:
            raise AccessControlError("PACEInfo has no parameter ID and no domain parameters were given")
        domain = standard_domain(info.parameter_id)
    if domain.kind != info.key_agreement:
        raise AccessControlError("PACE domain parameters do not match the protocol's key agreement")
    fixed: Iterator[int] | None = iter(private_keys) if private_keys is not None else None

    def new_private() -> int:
        return next(fixed) if fixed is not None else domain.random_private(rng)

    # 1. MSE:Set AT
    mse = tlv.encode(0x80, info.oid_der_value) + tlv.encode(0x83, bytes((int(key.kind),)))
    if send_parameter_id and info.parameter_id is not None:
        mse += tlv.encode(0x84, bytes((info.parameter_id,)))
    try:
        transceive(conn, CommandApdu(0x00, INS.MSE, 0xC1, 0xA4, mse))
    except ApduError as exc:
        raise AccessControlError(f"chip refused PACE parameters (status {exc.sw:04X})") from exc

    try:
        # 2. Encrypted nonce
        z = _need(_ga(conn, b""), 0x80)
        k_pi = pace_key(key, alg, bits)
        if not z or len(z) % alg.block_size:
            raise AccessControlError("PACE nonce has a wrong length")
        s_bytes = crypto.decrypt(alg, k_pi, z)
        # 3. Mapping
        chip_map_key = b""
        if info.mapping == "IM":
            pace_im.check_supported(alg, bits, domain)
            t = rng(pace_im.NONCE_LENGTH)
            _need(_ga(conn, tlv.encode(0x81, t)), 0x82)  # the chip's 82 is empty for IM
            g_mapped = pace_im.map_nonce(domain, s_bytes, t)
        else:
            x1 = new_private()
            chip_map = _ga(conn, tlv.encode(0x81, domain.encode(domain.public_key(x1))))
            chip_map_key = _need(chip_map, 0x82)
            h = domain.agree(x1, domain.decode(chip_map_key))
            g_mapped = domain.map_generic(int.from_bytes(s_bytes, "big"), h)
        # 4. Key agreement on the mapped generator
        x2 = new_private()
        own_pub = domain.encode(domain.public_key(x2, g_mapped))
        chip_eph = _ga(conn, tlv.encode(0x83, own_pub))
        chip_pub = _need(chip_eph, 0x84)
        if chip_pub == own_pub:
            raise AccessControlError("chip echoed the terminal's ephemeral key")
        shared = domain.shared_secret(domain.agree(x2, domain.decode(chip_pub)))
        k_enc = crypto.kdf(shared, KDF_ENC, alg, bits)
        k_mac = crypto.kdf(shared, KDF_MAC, alg, bits)
        # 5. Mutual authentication
        t_pcd = auth_token(alg, k_mac, public_key_object(info.oid_der_value, domain, chip_pub))
        final = _ga(conn, tlv.encode(0x85, t_pcd), last=True)
        t_picc = _need(final, 0x86)
        expected = auth_token(alg, k_mac, public_key_object(info.oid_der_value, domain, own_pub))
        if not hmac.compare_digest(t_picc, expected):
            raise AccessControlError("chip's PACE authentication token does not verify")
        cam = None
        if info.mapping == "CAM":
            if not isinstance(domain, EcDomain):
                raise AccessControlError("PACE-CAM needs elliptic-curve domain parameters")
            encrypted = _need(final, 0x8A)  # mandatory for CAM (ICAO 9303-11 4.4.4.2)
            ca = decrypt_chip_authentication_data(alg, k_enc, domain, encrypted)
            cam = CamData(domain.name, chip_map_key, ca, encrypted)
        elif 0x8A in final:
            raise AccessControlError("chip sent chip-authentication data without PACE-CAM")
    except DomainParameterError as exc:
        raise AccessControlError(f"PACE key exchange failed: {exc}") from exc
    log.debug("PACE succeeded (%s, %s)", info.oid, domain.name)
    return PaceResult(SecureMessaging(alg, k_enc, k_mac, 0), info, chip_pub, domain.name, cam, domain)


def pace_from_card_access(conn: CardConnection, key: AccessKey, card_access: bytes | SecurityInfos, *,
                          rng: Callable[[int], bytes] = os.urandom) -> PaceResult:
    """Parse EF.CardAccess, choose a PACEInfo, find its domain parameters and run PACE."""
    try:
        infos = card_access if isinstance(card_access, SecurityInfos) else parse_card_access(card_access)
    except LdsError as exc:
        raise AccessControlError(f"EF.CardAccess cannot be parsed: {exc}") from exc
    info = select_pace_info(infos)
    try:
        domain: Any = domain_for(info, infos)
    except DomainParameterError as exc:
        raise AccessControlError(f"PACE domain parameters unusable: {exc}") from exc
    ambiguous = len({i.parameter_id for i in infos.pace_infos}) > 1 or len(infos.pace_domain_parameters) > 1
    return perform_pace(conn, key, info, domain=domain, send_parameter_id=ambiguous, rng=rng)
