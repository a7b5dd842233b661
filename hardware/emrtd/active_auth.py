"""Active authentication (ICAO 9303-11 section 6.1): the chip signs a challenge with the DG15 key.

INTERNAL AUTHENTICATE (``00 88 00 00``) carries an 8-byte challenge; the answer is

- RSA: an ISO/IEC 9796-2 digital signature scheme 1 signature with partial message recovery:
  ``J = s^e mod n`` (or ``n - J``) must read ``6A || M1 || H(M1 || challenge) || BC`` (SHA-1), or end
  in ``xx CC`` naming the hash (ISO/IEC 10118-3 identifiers: 33 SHA-1, 34 SHA-256, 36 SHA-384,
  35 SHA-512, 38 SHA-224);
- ECDSA: a plain ``r || s`` signature (BSI TR-03111) over the challenge, with the hash named by
  DG14's ActiveAuthenticationInfo (SHA-256 assumed when absent; X9.62 DER signatures accepted).

**Why the caller supplies the challenge.** Active authentication only proves the chip is present
*now* if the challenge is fresh and unpredictable to the chip. When the kiosk's session logic
draws the challenge (and records it with the decision), a relay or replay attacker cannot reuse an
earlier answer, and an auditor can re-verify the evidence later against the logged challenge.
Generating it inside this module would hide that security input (gmrtd's ``WithAAChallenge``
makes the same choice). Verification uses the ``ecdsa`` package for EC keys so explicit curve
parameters in DG15 work (ICAO 9303-12).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key
from ecdsa import BadSignatureError, VerifyingKey
from ecdsa.curves import UnknownCurveError
from ecdsa.der import UnexpectedDER
from ecdsa.util import sigdecode_der, sigdecode_string

from hardware.emrtd import tlv
from hardware.emrtd.apdu import CommandApdu, INS
from hardware.emrtd.errors import ApduError, AuthenticationError, CardRemovedError, EmrtdError, TlvError
from hardware.emrtd.lds.security_infos import SecurityInfos, parse_dg14

log = logging.getLogger(__name__)

_HASH_IDS = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}


@dataclass(frozen=True)
class ActiveAuthenticationResult:
    """Outcome of active authentication; ``reason`` explains a failure."""

    passed: bool
    algorithm: str  # "rsa-iso9796-2" or "ecdsa-<hash>"
    challenge: bytes
    signature: bytes
    reason: str = ""


def _spki(dg15: Any) -> bytes:
    if hasattr(dg15, "public_key_info"):
        return bytes(dg15.public_key_info)
    raw = bytes(dg15)
    if raw[:1] == b"\x6f":  # the whole DG15 file
        try:
            return tlv.decode_single(raw, 0x6F).value
        except TlvError as exc:
            raise AuthenticationError(f"DG15 is malformed: {exc}") from exc
    return raw


def verify_rsa_iso9796_2(public_key: rsa.RSAPublicKey, challenge: bytes, signature: bytes) -> None:
    """Check an ISO/IEC 9796-2 scheme 1 signature; raises ``AuthenticationError`` when it fails."""
    nums = public_key.public_numbers()
    n, e = nums.n, nums.e
    k = (n.bit_length() + 7) // 8
    s = int.from_bytes(signature, "big")
    if not 0 < s < n:
        raise AuthenticationError("RSA signature is out of range")
    j = pow(s, e, n)
    if j & 0x0F != 0x0C:
        j = n - j
    f = j.to_bytes(k, "big")
    if f[-1] == 0xBC:
        hash_name, trailer = "sha1", 1
    elif f[-1] == 0xCC and f[-2] in _HASH_IDS:
        hash_name, trailer = _HASH_IDS[f[-2]], 2
    else:
        raise AuthenticationError("RSA signature has no valid ISO/IEC 9796-2 trailer")
    if f[0] & 0xC0 != 0x40:
        raise AuthenticationError("RSA signature has no valid ISO/IEC 9796-2 header")
    hlen = hashlib.new(hash_name).digest_size
    if len(f) < 1 + hlen + trailer:
        raise AuthenticationError("RSA modulus too small for the signature's hash")
    m1 = f[1:len(f) - hlen - trailer]
    digest = f[len(f) - hlen - trailer:len(f) - trailer]
    if f[0] & 0x20:  # partial recovery: M = M1 || challenge
        message = m1 + challenge
    else:  # total recovery: the recovered part is the whole message and must be the challenge
        if not m1.endswith(challenge):
            raise AuthenticationError("RSA signature does not recover the challenge")
        message = m1
    if not hmac.compare_digest(hashlib.new(hash_name, message).digest(), digest):
        raise AuthenticationError("RSA signature does not match the challenge")


def verify_ecdsa_plain(spki: bytes, challenge: bytes, signature: bytes, hash_name: str) -> None:
    """Check an ECDSA signature (plain r||s, or X9.62 DER) over ``challenge``."""
    try:
        vk = VerifyingKey.from_der(spki)
    except (UnexpectedDER, UnknownCurveError, ValueError, AssertionError, TypeError, IndexError) as exc:
        raise AuthenticationError(f"DG15 EC public key cannot be parsed: {exc}") from exc
    digest = hashlib.new(hash_name, challenge).digest()
    decode = sigdecode_string if len(signature) == 2 * vk.curve.baselen else sigdecode_der
    try:
        vk.verify_digest(signature, digest, sigdecode=decode, allow_truncate=True)
    except (BadSignatureError, UnexpectedDER, ValueError, AssertionError) as exc:
        raise AuthenticationError("ECDSA signature does not match the challenge") from exc


def verify_active_authentication(dg15: Any, challenge: bytes, signature: bytes,
                                 dg14: SecurityInfos | bytes | None = None) -> str:
    """Verify a captured AA answer offline; returns the algorithm name or raises ``AuthenticationError``."""
    spki = _spki(dg15)
    try:
        key = load_der_public_key(spki)
    except (ValueError, UnsupportedAlgorithm):
        key = None  # EC keys with explicit parameters: verified through ecdsa below
    if isinstance(key, rsa.RSAPublicKey):
        verify_rsa_iso9796_2(key, challenge, signature)
        return "rsa-iso9796-2"
    hash_name = "sha256"
    if dg14 is not None:
        try:
            infos = dg14 if isinstance(dg14, SecurityInfos) else parse_dg14(dg14)
        except EmrtdError as exc:
            raise AuthenticationError(f"DG14 cannot be parsed for the AA algorithm: {exc}") from exc
        aa_info = infos.active_authentication_info
        if aa_info is not None:
            if aa_info.hash_name is None:
                raise AuthenticationError(f"AA signature algorithm {aa_info.signature_algorithm} is not supported")
            hash_name = aa_info.hash_name
    verify_ecdsa_plain(spki, challenge, signature, hash_name)
    return f"ecdsa-{hash_name}"


def perform_active_authentication(session: Any, dg15: Any, challenge: bytes, *,
                                  dg14: SecurityInfos | bytes | None = None) -> ActiveAuthenticationResult:
    """Send INTERNAL AUTHENTICATE with the caller's challenge and verify the answer.

    :param session: an ``EmrtdSession`` with secure messaging running.
    :param dg15: parsed DG15 (with ``public_key_info``), the DG15 file bytes, or a SubjectPublicKeyInfo.
    :param challenge: 8 fresh random bytes chosen by the caller (see the module docstring).
    :param dg14: DG14 (parsed or raw) naming the ECDSA hash, when present.
    :raises AuthenticationError: the challenge is not 8 bytes.
    :raises CardRemovedError: the card left the field.
    """
    if len(challenge) != 8:
        raise AuthenticationError("the active-authentication challenge must be exactly 8 bytes")
    try:
        signature = session.send(CommandApdu(0x00, INS.INTERNAL_AUTHENTICATE, 0, 0, bytes(challenge), ne=256)).data
    except CardRemovedError:
        raise
    except (ApduError, EmrtdError) as exc:
        return ActiveAuthenticationResult(False, "unknown", bytes(challenge), b"", f"chip refused: {exc}")
    try:
        algorithm = verify_active_authentication(dg15, challenge, signature, dg14)
    except AuthenticationError as exc:
        return ActiveAuthenticationResult(False, "unknown", bytes(challenge), signature, str(exc))
    return ActiveAuthenticationResult(True, algorithm, bytes(challenge), signature)
