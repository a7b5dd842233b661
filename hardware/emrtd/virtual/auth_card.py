"""Card side of chip authentication and active authentication for the virtual chip.

Chip authentication (ICAO 9303-11 section 6.2): MSE:Set KAT (``41 A6``, tag 91 = terminal's
ephemeral public key; 3DES) or MSE:Set AT (``41 A4``, tag 80 = protocol OID) followed by GENERAL
AUTHENTICATE (tag 80); the chip answers under the old keys, then switches to keys derived from
the static-ephemeral shared secret with SSC 0.

Active authentication (section 6.1): INTERNAL AUTHENTICATE with an 8-byte challenge; RSA keys
sign with ISO/IEC 9796-2 digital signature scheme 1 (partial message recovery, SHA-1, trailer
BC), EC keys with plain ECDSA (``r || s``) over the challenge.
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from asn1crypto import core
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from hardware.emrtd import crypto, tlv
from hardware.emrtd.apdu import SW, CommandApdu
from hardware.emrtd.crypto import KDF_ENC, KDF_MAC, CipherAlg
from hardware.emrtd.domain_params import DhPrivateKey, Domain, named_curve_domain
from hardware.emrtd.errors import EmrtdError
from hardware.emrtd.lds.security_infos import cipher_of
from hardware.emrtd.sm import SecureMessaging

if TYPE_CHECKING:
    from hardware.emrtd.virtual.chip import VirtualChip

_HASHES: dict[str, Any] = {"sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
           "sha512": hashes.SHA512}


def ca_domain_and_private(key: Any) -> tuple[Domain, int]:
    """Domain and private scalar/exponent of a ``cryptography`` EC key or a ``domain_params.DhPrivateKey``."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return named_curve_domain(key.curve.name), key.private_numbers().private_value
    if isinstance(key, DhPrivateKey):
        return key.domain, key.x
    raise EmrtdError("chip-authentication key must be an EC private key or a DhPrivateKey")


def _start_ca(chip: VirtualChip, peer: bytes, alg: CipherAlg, bits: int) -> tuple[bytes, int]:
    if chip.ca_private_key is None:
        return b"", SW.REFERENCED_DATA_NOT_FOUND
    domain, private = ca_domain_and_private(chip.ca_private_key)
    shared = domain.shared_secret(domain.agree(private, domain.decode(peer)))
    chip.start_pending_session(SecureMessaging(alg, crypto.kdf(shared, KDF_ENC, alg, bits),
                                               crypto.kdf(shared, KDF_MAC, alg, bits), 0))
    chip.state = {}
    return b"", SW.OK


def mse_chip_auth(chip: VirtualChip, cmd: CommandApdu, secure: bool) -> tuple[bytes, int]:
    """MSE:Set KAT (3DES chip authentication) or MSE:Set AT (protocol choice for GA)."""
    if not secure:
        return b"", SW.SECURITY_STATUS_NOT_SATISFIED
    objs = {t.tag: t.value for t in tlv.decode_all(cmd.data)}
    if cmd.p2 == 0xA6:
        if 0x91 not in objs:
            return b"", SW.WRONG_DATA
        return _start_ca(chip, objs[0x91], CipherAlg.DES3, 128)
    if 0x80 not in objs:
        return b"", SW.WRONG_DATA
    oid = core.ObjectIdentifier.load(tlv.encode(0x06, objs[0x80])).dotted
    if not oid.startswith("0.4.0.127.0.7.2.2.3."):
        return b"", SW.REFERENCED_DATA_NOT_FOUND
    chip.state = {"protocol": "CA", "oid": oid}
    return b"", SW.OK


def general_authenticate_ca(chip: VirtualChip, cmd: CommandApdu, secure: bool) -> tuple[bytes, int]:
    """GENERAL AUTHENTICATE of chip authentication: 7C { 80 ephemeral public key } -> 7C 00."""
    if not secure:
        return b"", SW.SECURITY_STATUS_NOT_SATISFIED
    objs = {c.tag: c.value for c in tlv.decode_single(cmd.data, 0x7C).children()}
    if 0x80 not in objs:
        return b"", SW.WRONG_DATA
    alg, bits = cipher_of(chip.state["oid"])
    data, sw = _start_ca(chip, objs[0x80], alg, bits)
    return (b"\x7c\x00", sw) if sw == SW.OK else (data, sw)


def iso9796_2_sign(key: rsa.RSAPrivateKey, challenge: bytes, m1: bytes) -> bytes:
    """ISO/IEC 9796-2 scheme 1 signature with SHA-1: ``(6A || M1 || SHA1(M1||M2) || BC)^d mod n``."""
    nums = key.private_numbers()
    n, d = nums.public_numbers.n, nums.d
    k = (n.bit_length() + 7) // 8
    if len(m1) != k - 20 - 2:
        raise EmrtdError("M1 has the wrong length for this modulus")
    f = b"\x6a" + m1 + hashlib.sha1(m1 + challenge).digest() + b"\xbc"
    return pow(int.from_bytes(f, "big"), d, n).to_bytes(k, "big")


def internal_authenticate(chip: VirtualChip, cmd: CommandApdu, secure: bool) -> tuple[bytes, int]:
    """INTERNAL AUTHENTICATE: sign the terminal's 8-byte challenge with the AA key of DG15."""
    key = chip.aa_private_key
    if key is None:
        return b"", SW.INS_NOT_SUPPORTED
    if not secure or chip.authenticated is None:
        return b"", SW.SECURITY_STATUS_NOT_SATISFIED
    if len(cmd.data) != 8:
        return b"", SW.WRONG_DATA
    if isinstance(key, rsa.RSAPrivateKey):
        k = (key.key_size + 7) // 8
        return iso9796_2_sign(key, cmd.data, chip.rng(k - 22)), SW.OK
    if isinstance(key, ec.EllipticCurvePrivateKey):
        der = key.sign(cmd.data, ec.ECDSA(_HASHES[chip.aa_hash]()))
        r, s = decode_dss_signature(der)
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big"), SW.OK
    return b"", SW.CONDITIONS_NOT_SATISFIED
