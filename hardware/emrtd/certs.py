"""X.509 certificates and signature checks for the ICAO 9303-12 PKI (CSCA, document signers).

ICAO 9303-12 section 7.1 asks issuers to put *explicit* EC domain parameters in their keys (AT,
DE, RU, UK and others do); OpenSSL 3 and ``cryptography`` refuse such keys. Here certificates are
parsed with ``asn1crypto`` (which does not care), and an explicit curve is mapped to the named
curve with equal p, a, b, G and n, then verified with ``cryptography``; curves ``cryptography``
lacks (or an unknown explicit curve) are verified with the pure-Python ``ecdsa`` package.

RSA signatures: PKCS#1 v1.5 and RSASSA-PSS with the parameters from the AlgorithmIdentifier
(RFC 4055); BSI TR-03111 plain ECDSA (``r || s``) is accepted too. Malformed input raises
``CertificateError``; a signature that does not verify returns False.
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import ecdsa
import ecdsa.curves
import ecdsa.ellipticcurve
from asn1crypto import algos, keys, x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from hardware.emrtd.errors import CertificateError

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
    "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}
# BSI TR-03111 ecdsa-plain-signatures: 0.4.0.127.0.7.1.1.4.1.n, signature is r || s.
_PLAIN_ECDSA = {f"0.4.0.127.0.7.1.1.4.1.{i}": h for i, h in
                ((1, "sha1"), (2, "sha224"), (3, "sha256"), (4, "sha384"), (5, "sha512"))}
# ecdsa package curve name -> cryptography curve, for the curves OpenSSL verifies natively.
_TO_CRYPTOGRAPHY: dict[str, type[ec.EllipticCurve]] = {
    "NIST192p": ec.SECP192R1, "NIST224p": ec.SECP224R1, "NIST256p": ec.SECP256R1,
    "NIST384p": ec.SECP384R1, "NIST521p": ec.SECP521R1, "SECP256k1": ec.SECP256K1,
    "BRAINPOOLP256r1": ec.BrainpoolP256R1, "BRAINPOOLP384r1": ec.BrainpoolP384R1,
    "BRAINPOOLP512r1": ec.BrainpoolP512R1,
}


@dataclass(frozen=True)
class EcCurve:
    """A resolved EC domain: ``name`` of the matching named curve (or ``explicit``)."""

    name: str
    ecdsa_curve: ecdsa.curves.Curve = field(repr=False)
    explicit: bool


@lru_cache(maxsize=1)
def _known_curves() -> dict[tuple[int, int, int, int, int, int], ecdsa.curves.Curve]:
    table = {}
    for c in ecdsa.curves.curves:
        cf = c.curve
        if not isinstance(cf, ecdsa.ellipticcurve.CurveFp):  # skip Edwards curves
            continue
        g = c.generator
        table[(cf.p(), cf.a() % cf.p(), cf.b() % cf.p(), g.x(), g.y(), c.order)] = c
    return table


def _decode_point(data: bytes, p: int, a: int, b: int) -> tuple[int, int]:
    size = (p.bit_length() + 7) // 8
    if data[:1] == b"\x04" and len(data) == 1 + 2 * size:
        return int.from_bytes(data[1 : 1 + size], "big"), int.from_bytes(data[1 + size :], "big")
    if data[:1] in (b"\x02", b"\x03") and len(data) == 1 + size:
        x = int.from_bytes(data[1:], "big")
        rhs = (x * x * x + a * x + b) % p
        y = ecdsa.numbertheory.square_root_mod_prime(rhs, p)
        if (y & 1) != (data[0] & 1):
            y = p - y
        return x, y
    raise CertificateError("EC point encoding is not valid for the curve")


def resolve_curve(parameters: keys.ECDomainParameters) -> EcCurve:
    """Map named or explicit EC domain parameters to a curve (``CertificateError`` if impossible)."""
    try:
        if parameters.name == "named":
            oid = parameters.chosen.dotted
            for c in ecdsa.curves.curves:
                if c.oid and ".".join(str(i) for i in c.oid) == oid:
                    return EcCurve(c.name, c, False)
            raise CertificateError(f"named EC curve {oid} is not supported")
        if parameters.name != "specified":
            raise CertificateError("EC key uses implicitlyCA parameters, which cannot be verified")
        spec = parameters.chosen
        if spec["field_id"]["field_type"].native != "prime_field":
            raise CertificateError("EC keys over binary fields are not supported")
        p = int(spec["field_id"]["parameters"].native)
        a = int.from_bytes(spec["curve"]["a"].native, "big") % p
        b = int.from_bytes(spec["curve"]["b"].native, "big") % p
        gx, gy = _decode_point(bytes(spec["base"].native), p, a, b)
        n = int(spec["order"].native)
        cofactor = spec["cofactor"].native
    except CertificateError:
        raise
    except Exception as exc:  # asn1crypto raises many types on malformed parameters
        raise CertificateError(f"EC domain parameters are malformed: {exc}") from exc
    known = _known_curves().get((p, a, b, gx, gy, n))
    if known is not None:
        return EcCurve(known.name, known, True)
    # An explicit curve matching no named one: verify on it as given (ICAO 9303-12 allows this).
    cf = ecdsa.ellipticcurve.CurveFp(p, a, b, int(cofactor or 1))
    gen = ecdsa.ellipticcurve.PointJacobi(cf, gx, gy, 1, n, generator=True)
    return EcCurve("explicit", ecdsa.curves.Curve("explicit", cf, gen, (1, 3, 9999)), True)


@dataclass(frozen=True)
class PublicKey:
    """A public key ready to verify: ``kind`` is ``rsa`` or ``ec``."""

    kind: str
    spki_der: bytes = field(repr=False)
    rsa_key: rsa.RSAPublicKey | None = field(default=None, repr=False)
    curve: EcCurve | None = None
    point: bytes = field(default=b"", repr=False)

    @property
    def size(self) -> int:
        """Key size in bits (RSA modulus or EC field)."""
        if self.rsa_key is not None:
            return self.rsa_key.key_size
        assert self.curve is not None
        return int(self.curve.ecdsa_curve.curve.p().bit_length())


def load_public_key(spki_der: bytes) -> PublicKey:
    """Parse a DER SubjectPublicKeyInfo (RSA, RSASSA-PSS or EC with named or explicit parameters)."""
    try:
        info = keys.PublicKeyInfo.load(bytes(spki_der))
        algorithm = info["algorithm"]["algorithm"].native
        if algorithm in ("rsa", "rsassa_pss"):
            parsed = info["public_key"].parsed
            n, e = int(parsed["modulus"].native), int(parsed["public_exponent"].native)
            return PublicKey("rsa", bytes(spki_der), rsa_key=rsa.RSAPublicNumbers(e, n).public_key())
        if algorithm == "ec":
            curve = resolve_curve(info["algorithm"]["parameters"])
            return PublicKey("ec", bytes(spki_der), curve=curve, point=bytes(info["public_key"].native))
    except CertificateError:
        raise
    except Exception as exc:
        raise CertificateError(f"public key cannot be loaded: {exc}") from exc
    raise CertificateError(f"public key algorithm {algorithm} is not supported")


@dataclass(frozen=True)
class SignatureAlgorithm:
    """What a signature AlgorithmIdentifier means: scheme (``rsa_pkcs1``, ``rsa_pss``, ``ecdsa``,
    ``ecdsa_plain``), hash, and for PSS the MGF1 hash and salt length."""

    scheme: str
    hash: str
    mgf_hash: str | None = None
    salt_length: int | None = None


def parse_signature_algorithm(algorithm_der: bytes, digest_algorithm: str | None = None) -> SignatureAlgorithm:
    """Interpret a DER AlgorithmIdentifier; ``digest_algorithm`` (from a CMS SignerInfo) fills in
    the hash when the identifier names only the key type (``rsaEncryption``, ``id-ecPublicKey``)."""
    try:
        alg = algos.SignedDigestAlgorithm.load(bytes(algorithm_der))
        oid = alg["algorithm"].dotted
        if oid in _PLAIN_ECDSA:
            return SignatureAlgorithm("ecdsa_plain", _PLAIN_ECDSA[oid])
        if oid == "1.2.840.10045.2.1":  # id-ecPublicKey used as a signature algorithm
            return SignatureAlgorithm("ecdsa", _need(digest_algorithm))
        scheme = alg.signature_algo
        if scheme == "rsassa_pss":
            params = alg["parameters"]
            h = params["hash_algorithm"]["algorithm"].native
            mgf = params["mask_gen_algorithm"]["parameters"]["algorithm"].native
            return SignatureAlgorithm("rsa_pss", h, mgf, int(params["salt_length"].native))
        try:
            h = alg.hash_algo
        except ValueError:
            h = _need(digest_algorithm)
        if scheme == "rsassa_pkcs1v15":
            return SignatureAlgorithm("rsa_pkcs1", h)
        if scheme == "ecdsa":
            return SignatureAlgorithm("ecdsa", h)
    except CertificateError:
        raise
    except Exception as exc:
        raise CertificateError(f"signature algorithm identifier is malformed: {exc}") from exc
    raise CertificateError(f"signature algorithm {oid} is not supported")


def _need(digest_algorithm: str | None) -> str:
    if not digest_algorithm:
        raise CertificateError("signature algorithm names no hash and no digest algorithm was given")
    return digest_algorithm


def _hash(name: str) -> hashes.HashAlgorithm:
    if name not in _HASHES:
        raise CertificateError(f"hash algorithm {name} is not supported")
    return _HASHES[name]()


def verify_signature(key: PublicKey, algorithm: SignatureAlgorithm, signature: bytes, message: bytes) -> bool:
    """True when ``signature`` over ``message`` verifies; False when it does not.

    ``CertificateError`` when key and algorithm do not fit together or are unsupported.
    """
    if key.kind == "rsa":
        if algorithm.scheme not in ("rsa_pkcs1", "rsa_pss"):
            raise CertificateError(f"an RSA key cannot check a {algorithm.scheme} signature")
        assert key.rsa_key is not None
        size = (key.rsa_key.key_size + 7) // 8
        if len(signature) < size:
            # Some issuers drop leading zero bytes of the signature value; OpenSSL wants full length.
            signature = signature.rjust(size, b"\x00")
        pad: padding.AsymmetricPadding
        if algorithm.scheme == "rsa_pss":
            pad = padding.PSS(mgf=padding.MGF1(_hash(algorithm.mgf_hash or algorithm.hash)),
                              salt_length=algorithm.salt_length if algorithm.salt_length is not None else 20)
        else:
            pad = padding.PKCS1v15()
        try:
            key.rsa_key.verify(signature, message, pad, _hash(algorithm.hash))
            return True
        except InvalidSignature:
            return False
        except (UnsupportedAlgorithm, ValueError) as exc:
            raise CertificateError(f"RSA verification not possible: {exc}") from exc
    if algorithm.scheme not in ("ecdsa", "ecdsa_plain"):
        raise CertificateError(f"an EC key cannot check a {algorithm.scheme} signature")
    return _verify_ec(key, algorithm, signature, message)


def _split_signature(algorithm: SignatureAlgorithm, signature: bytes, order: int) -> tuple[int, int] | None:
    if algorithm.scheme == "ecdsa_plain":
        if len(signature) % 2:
            return None
        half = len(signature) // 2
        return int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    try:
        r, s = ecdsa.util.sigdecode_der(signature, order)
        return int(r), int(s)
    except (ecdsa.der.UnexpectedDER, ValueError, IndexError):
        return None


def _verify_ec(key: PublicKey, algorithm: SignatureAlgorithm, signature: bytes, message: bytes,
               *, force_ecdsa: bool = False) -> bool:
    assert key.curve is not None
    curve = key.curve.ecdsa_curve
    rs = _split_signature(algorithm, signature, curve.order)
    if rs is None:
        return False
    r, s = rs
    if not (0 < r < curve.order and 0 < s < curve.order):
        return False
    crypto_curve = _TO_CRYPTOGRAPHY.get(key.curve.name)
    if crypto_curve is not None and not force_ecdsa:
        try:
            pub = ec.EllipticCurvePublicKey.from_encoded_point(crypto_curve(), key.point)
        except ValueError as exc:
            raise CertificateError(f"EC public point is not on {key.curve.name}") from exc
        try:
            pub.verify(encode_dss_signature(r, s), message, ec.ECDSA(_hash(algorithm.hash)))
            return True
        except InvalidSignature:
            return False
    try:
        vk = ecdsa.VerifyingKey.from_string(key.point, curve=curve)
    except (ecdsa.errors.MalformedPointError, ValueError, AssertionError) as exc:
        raise CertificateError("EC public point is not on the curve") from exc
    _hash(algorithm.hash)  # unsupported hash -> CertificateError
    try:
        return bool(vk.verify(ecdsa.util.sigencode_string(r, s, curve.order), message,
                              hashfunc=getattr(hashlib, algorithm.hash), sigdecode=ecdsa.util.sigdecode_string))
    except ecdsa.BadSignatureError:
        return False


@dataclass(frozen=True)
class Certificate:
    """An X.509 certificate reduced to what ICAO chain checks need; ``der`` is the encoding as read."""

    der: bytes = field(repr=False)
    subject: x509.Name = field(repr=False)
    issuer: x509.Name = field(repr=False)
    subject_text: str
    issuer_text: str
    serial_number: int
    not_before: _dt.datetime
    not_after: _dt.datetime
    subject_key_identifier: bytes | None = field(repr=False)
    authority_key_identifier: bytes | None = field(repr=False)
    is_ca: bool
    path_length: int | None
    country: str | None
    tbs_der: bytes = field(repr=False)
    signature_algorithm_der: bytes = field(repr=False)
    signature: bytes = field(repr=False)
    public_key_info_der: bytes = field(repr=False)

    @cached_property
    def subject_key(self) -> str:
        """Normalised subject name, for matching issuers (see ``name_key``)."""
        return name_key(self.subject)

    @cached_property
    def issuer_key(self) -> str:
        """Normalised issuer name (see ``name_key``)."""
        return name_key(self.issuer)

    @property
    def self_issued(self) -> bool:
        """Subject equals issuer (a root, or a self-issued key-rollover certificate)."""
        return self.subject_key == self.issuer_key

    def public_key(self) -> PublicKey:
        """The subject's public key (explicit EC parameters resolved)."""
        return load_public_key(self.public_key_info_der)

    def valid_at(self, when: _dt.datetime) -> bool:
        """Whether ``when`` lies in the validity period."""
        return self.not_before <= when <= self.not_after

    def is_signed_by(self, issuer_key: PublicKey) -> bool:
        """True when this certificate's signature verifies with ``issuer_key``."""
        return verify_signature(issuer_key, parse_signature_algorithm(self.signature_algorithm_der),
                                self.signature, self.tbs_der)


def name_key(name: x509.Name) -> str:
    """A comparison key for a distinguished name: RFC 5280 section 7.1 normalisation of each RDN,
    ignoring RDN order. Order is ignored because issuers get it wrong: Malaysia's SOD names its
    signer's issuer with the RDNs in a different order than the certificate does."""
    return "|".join(sorted(str(rdn.hashable) for rdn in name.chosen))


def _country(name: x509.Name) -> str | None:
    for rdn in name.chosen:
        for atv in rdn:
            if atv["type"].native == "country_name":
                return str(atv["value"].native).upper()
    return None


def parse_certificate_der(der: bytes) -> Certificate:
    """Parse one DER certificate."""
    try:
        cert = x509.Certificate.load(bytes(der), strict=False)
        tbs = cert["tbs_certificate"]
        bc = cert.basic_constraints_value
        validity = tbs["validity"]
        result = Certificate(
            der=cert.dump(),
            subject=cert.subject,
            issuer=cert.issuer,
            subject_text=cert.subject.human_friendly,
            issuer_text=cert.issuer.human_friendly,
            serial_number=int(cert.serial_number),
            not_before=validity["not_before"].native,
            not_after=validity["not_after"].native,
            subject_key_identifier=cert.key_identifier,
            authority_key_identifier=cert.authority_key_identifier,
            is_ca=bool(bc and bc["ca"].native),
            path_length=bc["path_len_constraint"].native if bc else None,
            country=_country(cert.subject),
            tbs_der=tbs.dump(),
            signature_algorithm_der=cert["signature_algorithm"].dump(),
            signature=bytes(cert["signature_value"].native),
            public_key_info_der=tbs["subject_public_key_info"].dump(),
        )
        _ = name_key(cert.subject), name_key(cert.issuer)
    except Exception as exc:  # asn1crypto raises many types on malformed DER
        raise CertificateError(f"certificate cannot be parsed: {exc}") from exc
    if not isinstance(result.not_before, _dt.datetime) or not isinstance(result.not_after, _dt.datetime):
        raise CertificateError("certificate validity dates are malformed")
    if result.not_before.tzinfo is None or result.not_after.tzinfo is None:
        # A GeneralizedTime without 'Z' (invalid DER, RFC 5280 section 4.1.2.5.2) parses to a naive time,
        # which cannot be compared with the aware times of the chain check.
        raise CertificateError("certificate validity time has no time zone (DER requires UTC, ending in 'Z')")
    return result


_PEM = re.compile(rb"-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----(.+?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----", re.S)


def load_certificates(data: bytes) -> list[Certificate]:
    """Certificates from DER or PEM (a PEM file may hold several)."""
    data = bytes(data)
    if b"-----BEGIN" in data:
        blocks = _PEM.findall(data)
        if not blocks:
            raise CertificateError("PEM data holds no CERTIFICATE block")
        try:
            return [parse_certificate_der(base64.b64decode(b"".join(b.split()))) for b in blocks]
        except ValueError as exc:
            raise CertificateError(f"PEM certificate is not valid base64: {exc}") from exc
    return [parse_certificate_der(data)]


def load_certificate(data: bytes) -> Certificate:
    """Exactly one certificate from DER or PEM."""
    certs = load_certificates(data)
    if len(certs) != 1:
        raise CertificateError(f"expected one certificate, found {len(certs)}")
    return certs[0]
