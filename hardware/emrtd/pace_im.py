"""PACE Integrated Mapping (ICAO 9303-11 section 4.4.3.3.2 and Appendix B).

Instead of a Diffie-Hellman exchange, the terminal sends a random nonce ``t`` (tag 81, the chip
answers an empty 82) and both sides compute the new generator directly from the two nonces:

- ``R_p(s, t)``: a pseudo-random element of GF(p) built from the block cipher in CBC mode with a
  zero IV: ``k_0 = E(t, s)``; then, for i = 0..n-1, ``x_i = E(k_i, c1)`` and ``k_(i+1) = E(k_i, c0)``,
  with n the smallest number such that ``n * l >= log2(p) + 64``; ``R_p = int(x_0 || ... ) mod p``.
- ECDH: ``G~ = f_G(R_p(s, t))``, the point encoding of Brier et al. (simplified SWU) in the affine
  form of Appendix B.2, defined for primes p = 3 mod 4 (all standardized curves but secp224r1).
- DH: ``g~ = R_p(s, t)^((p-1)/q) mod p``, which must not be 1.

Only AES-128 is supported here: it is what the worked examples cover, and the larger keys need the
256-bit constants with rules this module does not check against any published example.
"""
from __future__ import annotations

from typing import Any

from hardware.emrtd import crypto
from hardware.emrtd.crypto import CipherAlg
from hardware.emrtd.domain_params import DhDomain, Domain, EcDomain
from hardware.emrtd.errors import AccessControlError

NONCE_LENGTH = 16  # t, bit length k = 128 (AES-128)
# ICAO 9303-11 4.4.3.3.2, constants for l = 128
_C0 = bytes.fromhex("a668892a7c41e3ca739f40b057d85904")
_C1 = bytes.fromhex("a4e136ac725f738b01c1f60217c188ad")


def check_supported(alg: CipherAlg, key_bits: int, domain: Domain) -> None:
    """Refuse, with a reason, what this implementation does not do."""
    if (alg, key_bits) != (CipherAlg.AES, 128):
        raise AccessControlError("PACE integrated mapping is supported with AES-128 only")
    if isinstance(domain, EcDomain) and domain.p % 4 != 3:
        raise AccessControlError(f"PACE integrated mapping on {domain.name} (p = 1 mod 4) is not supported")
    if isinstance(domain, DhDomain) and not domain.q:
        raise AccessControlError("PACE integrated mapping (DH) needs the group order q")


def pseudo_random(s: bytes, t: bytes, p: int) -> int:
    """``R_p(s, t)`` for AES-128 (``s`` the chip's nonce, ``t`` the terminal's, 16 bytes each)."""
    if len(s) != 16 or len(t) != NONCE_LENGTH:
        raise AccessControlError("PACE integrated mapping nonces must be 16 bytes")
    n = -(-(p.bit_length() + 64) // 128)
    key = crypto.aes_cbc_encrypt(t, s)
    out = b""
    for _ in range(n):
        out += crypto.aes_cbc_encrypt(key, _C1)
        key = crypto.aes_cbc_encrypt(key, _C0)
    return int.from_bytes(out, "big") % p


def _point_encoding(domain: EcDomain, t: int) -> Any:
    p, a, b = domain.p, domain.a % domain.p, domain.b
    alpha = -t * t % p
    aa = (alpha + alpha * alpha) % p
    if aa == 0:
        raise AccessControlError("integrated mapping hit a degenerate value: run PACE again")
    x2 = -b * (1 + aa) * pow(a * aa % p, p - 2, p) % p
    x3 = alpha * x2 % p
    h2 = (pow(x2, 3, p) + a * x2 + b) % p
    u = pow(t, 3, p) * h2 % p
    big_a = pow(h2, p - 1 - (p + 1) // 4, p)
    if big_a * big_a * h2 % p == 1:
        point = domain.point(x2, big_a * h2 % p)
    else:
        point = domain.point(x3, big_a * u % p)
    return point * domain.cofactor if domain.cofactor != 1 else point


def map_nonce(domain: Domain, s: bytes, t: bytes) -> Any:
    """The mapped generator ``G~`` (point) or ``g~`` (integer) from the two nonces."""
    if isinstance(domain, EcDomain):
        return _point_encoding(domain, pseudo_random(s, t, domain.p))
    if isinstance(domain, DhDomain):
        if not domain.q:
            raise AccessControlError("PACE integrated mapping (DH) needs the group order q")
        g = pow(pseudo_random(s, t, domain.p), (domain.p - 1) // domain.q, domain.p)
        if g == 1:
            raise AccessControlError("integrated mapping gave the identity: run PACE again")
        return g
    raise AccessControlError("unknown domain type for integrated mapping")
