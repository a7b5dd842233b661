"""Key-agreement domain parameters for PACE and chip authentication (ICAO 9303-11 section 9.5.1).

Two families behind one small interface (``Domain``): elliptic curves over prime fields
(``EcDomain``, point arithmetic by the ``ecdsa`` package, because PACE's generic mapping needs a
generator ``s*G + H`` that ``cryptography`` cannot use) and MODP groups (``DhDomain``, RFC 5114).
``standard_domain(id)`` gives the standardized parameter IDs 0-2 and 8-18; ``domain_from_algorithm``
reads an AlgorithmIdentifier (named or explicit ECParameters, DH DomainParameters) as found in
PACEDomainParameterInfo and in DG14 public keys; explicit curves map to the named one when p, a, b,
G and n match (real DG14s carry explicit parameters, ICAO 9303-12).
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from asn1crypto import algos, core, keys
from ecdsa import curves as _curves
from ecdsa.ellipticcurve import INFINITY, CurveFp, PointJacobi

from hardware.emrtd.errors import AccessControlError, EmrtdError

Rng = Callable[[int], bytes]


class DomainParameterError(EmrtdError):
    """Domain parameters are unknown, malformed or a public key is not a valid group element."""


class Domain(Protocol):
    """A group for Diffie-Hellman style key agreement (EC or MODP)."""

    kind: str  # "ECDH" or "DH"
    name: str

    @property
    def generator(self) -> Any:
        """The standard generator."""
        ...

    def random_private(self, rng: Rng = os.urandom) -> int:
        """A private key in [1, order-1]."""
        ...

    def public_key(self, private: int, generator: Any = None) -> Any:
        """``private`` times (or to the power of) ``generator`` (default: the standard one)."""
        ...

    def agree(self, private: int, peer: Any) -> Any:
        """The shared element."""
        ...

    def map_generic(self, s: int, h: Any) -> Any:
        """Generic mapping (ICAO 9303-11 section 4.4.3.3.1): ``s*G + H`` or ``g^s * h``."""
        ...

    def encode(self, element: Any) -> bytes:
        """Public key encoding: uncompressed point ``04 X Y``, or the DH value of |p| bytes."""
        ...

    def decode(self, data: bytes) -> Any:
        """Decode and validate a peer's public key; raises ``DomainParameterError``."""
        ...

    def shared_secret(self, element: Any) -> bytes:
        """Bytes fed to the KDF: the x-coordinate, or the DH value (both |p| bytes)."""
        ...


def _random_below(n: int, rng: Rng) -> int:
    nbytes = (n.bit_length() + 7) // 8 + 8  # extra bytes make the modulo bias negligible
    return 1 + int.from_bytes(rng(nbytes), "big") % (n - 1)


class EcDomain:
    """An elliptic curve y^2 = x^3 + ax + b over GF(p) with base point G of prime order n."""

    kind = "ECDH"

    def __init__(self, p: int, a: int, b: int, gx: int, gy: int, n: int, cofactor: int = 1,
                 name: str = "explicit") -> None:
        self.p, self.a, self.b, self.n, self.cofactor, self.name = p, a, b, n, cofactor, name
        self.curve = CurveFp(p, a, b, cofactor)
        if not self.curve.contains_point(gx, gy):
            raise DomainParameterError("EC base point is not on the curve")
        self._g = PointJacobi(self.curve, gx, gy, 1, n)
        self.field_len = (p.bit_length() + 7) // 8

    @property
    def generator(self) -> PointJacobi:
        """The base point G."""
        return self._g

    def random_private(self, rng: Rng = os.urandom) -> int:
        """A scalar in [1, n-1]."""
        return _random_below(self.n, rng)

    def public_key(self, private: int, generator: Any = None) -> PointJacobi:
        """``private * generator``."""
        return (generator or self._g) * private

    def agree(self, private: int, peer: Any) -> PointJacobi:
        """``private * peer`` (cofactor 1 curves only are standardized for PACE)."""
        point = peer * private
        if point == INFINITY:
            raise AccessControlError("key agreement produced the point at infinity")
        return point

    def map_generic(self, s: int, h: Any) -> PointJacobi:
        """``s*G + H``."""
        point = self._g * s + h
        if point == INFINITY:
            raise AccessControlError("generic mapping produced the point at infinity")
        return point

    def point(self, x: int, y: int) -> PointJacobi:
        """A validated point."""
        if not (0 <= x < self.p and 0 <= y < self.p) or not self.curve.contains_point(x, y):
            raise DomainParameterError("public key point is not on the curve")
        return PointJacobi(self.curve, x, y, 1, self.n)

    def encode(self, element: Any) -> bytes:
        """Uncompressed point ``04 || X || Y``."""
        x, y = int(element.x()), int(element.y())
        return b"\x04" + x.to_bytes(self.field_len, "big") + y.to_bytes(self.field_len, "big")

    def decode(self, data: bytes) -> PointJacobi:
        """Decode an uncompressed point and check it lies on the curve."""
        data = bytes(data)
        if len(data) != 1 + 2 * self.field_len or data[0] != 0x04:
            raise DomainParameterError("public key is not an uncompressed point of this curve")
        x = int.from_bytes(data[1:1 + self.field_len], "big")
        y = int.from_bytes(data[1 + self.field_len:], "big")
        return self.point(x, y)

    def shared_secret(self, element: Any) -> bytes:
        """The x-coordinate, |p| bytes."""
        return int(element.x()).to_bytes(self.field_len, "big")

    def same_curve(self, other: EcDomain) -> bool:
        """Whether two domains describe the same group."""
        g1, g2 = self._g, other._g
        return (self.p, self.a % self.p, self.b, self.n, g1.x(), g1.y()) == (
            other.p, other.a % other.p, other.b, other.n, g2.x(), g2.y())


class DhDomain:
    """A MODP group with generator g of prime order q (RFC 5114 style)."""

    kind = "DH"

    def __init__(self, p: int, g: int, q: int | None, name: str = "explicit") -> None:
        self.p, self.g, self.q, self.name = p, g, q, name
        self.field_len = (p.bit_length() + 7) // 8

    @property
    def generator(self) -> int:
        """g."""
        return self.g

    def random_private(self, rng: Rng = os.urandom) -> int:
        """An exponent in [1, q-1] (or [1, p-2] without q)."""
        return _random_below(self.q or (self.p - 1), rng)

    def public_key(self, private: int, generator: Any = None) -> int:
        """``generator ^ private mod p``."""
        return int(pow(generator or self.g, private, self.p))

    def agree(self, private: int, peer: Any) -> int:
        """``peer ^ private mod p``."""
        return int(pow(peer, private, self.p))

    def map_generic(self, s: int, h: Any) -> int:
        """``g^s * h mod p``."""
        value = int(pow(self.g, s, self.p) * h % self.p)
        if value in (0, 1):
            raise AccessControlError("generic mapping produced a degenerate generator")
        return value

    def encode(self, element: Any) -> bytes:
        """The value as |p| big-endian bytes."""
        return int(element).to_bytes(self.field_len, "big")

    def decode(self, data: bytes) -> int:
        """Decode a public value and check 1 < y < p-1 (and y^q = 1 when q is known)."""
        y = int.from_bytes(bytes(data), "big")
        if not 1 < y < self.p - 1 or (self.q and pow(y, self.q, self.p) != 1):
            raise DomainParameterError("DH public value is not in the group")
        return y

    def shared_secret(self, element: Any) -> bytes:
        """The value as |p| bytes."""
        return self.encode(element)


def _ec_from_ecdsa(curve: Any, name: str) -> EcDomain:
    fp = curve.curve
    g = curve.generator
    return EcDomain(fp.p(), fp.a(), fp.b(), g.x(), g.y(), curve.order, 1, name)


# RFC 5114 section 2.1-2.3 (ICAO 9303-11 section 9.5.1, parameter IDs 0-2).
_RFC5114 = {
    0: ("rfc5114-1024-160",
        "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C0"
        "13ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0"
        "A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
        "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213"
        "160217B4B01B886A5E91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28A"
        "D662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5",
        "F518AA8781A8DF278ABA4E7D64B7CB9D49462353"),
    1: ("rfc5114-2048-224",
        "AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15"
        "EB3D688A309C180E1DE6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207"
        "C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330"
        "278273C7DE31EFDC7310F7121FD5A07415987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8"
        "BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C16B8E75B97EF363E2FFA31F71"
        "CF9DE5384E71B81C0AC4DFFE0C10E64F",
        "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFA"
        "AB739D7700C29F52C57DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98A"
        "E247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EF"
        "BB77A86F0C1AB15B051AE3D428C8F8ACB70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381"
        "B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C71CFFF4C19C418E1F6EC0179"
        "81BC087F2A7065B384B890D3191F2BFA",
        "801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB"),
    2: ("rfc5114-2048-256",
        "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA30"
        "16C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B"
        "6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0E"
        "F13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026"
        "C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4B54330C198AF126116D2276E11715F"
        "693877FAD7EF09CADB094AE91E1A1597",
        "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555"
        "BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B"
        "777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55"
        "A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915"
        "B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C32F63078490F00EF8D647D148D4795451"
        "5E2327CFEF98C582664B4C0F6CC41659",
        "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3"),
}

# ICAO 9303-11 section 9.5.1 standardized parameter IDs for elliptic curves.
_EC_IDS = {
    8: (_curves.NIST192p, "secp192r1"),
    9: (_curves.BRAINPOOLP192r1, "brainpoolP192r1"),
    10: (_curves.NIST224p, "secp224r1"),
    11: (_curves.BRAINPOOLP224r1, "brainpoolP224r1"),
    12: (_curves.NIST256p, "secp256r1"),
    13: (_curves.BRAINPOOLP256r1, "brainpoolP256r1"),
    14: (_curves.BRAINPOOLP320r1, "brainpoolP320r1"),
    15: (_curves.NIST384p, "secp384r1"),
    16: (_curves.BRAINPOOLP384r1, "brainpoolP384r1"),
    17: (_curves.BRAINPOOLP512r1, "brainpoolP512r1"),
    18: (_curves.NIST521p, "secp521r1"),
}
CURVE_PARAMETER_IDS = {name: pid for pid, (_, name) in _EC_IDS.items()}
_CACHE: dict[int, Domain] = {}


def standard_domain(parameter_id: int) -> Domain:
    """Standardized domain parameters by ID (0-2 MODP, 8-18 elliptic curves)."""
    if parameter_id not in _CACHE:
        if parameter_id in _RFC5114:
            name, p, g, q = _RFC5114[parameter_id]
            _CACHE[parameter_id] = DhDomain(int(p, 16), int(g, 16), int(q, 16), name)
        elif parameter_id in _EC_IDS:
            curve, name = _EC_IDS[parameter_id]
            _CACHE[parameter_id] = _ec_from_ecdsa(curve, name)
        else:
            raise DomainParameterError(f"standardized domain parameter ID {parameter_id} is not defined")
    return _CACHE[parameter_id]


def named_curve_domain(name: str) -> EcDomain:
    """EC domain by name (``brainpoolP256r1``, ``secp256r1``...)."""
    if name not in CURVE_PARAMETER_IDS:
        raise DomainParameterError(f"curve {name} is not one of ICAO 9303's standardized curves")
    domain = standard_domain(CURVE_PARAMETER_IDS[name])
    assert isinstance(domain, EcDomain)
    return domain


def match_named(domain: EcDomain) -> EcDomain:
    """The standardized curve equal to an explicit one (so its name is known), else itself."""
    for pid in _EC_IDS:
        named = standard_domain(pid)
        assert isinstance(named, EcDomain)
        if named.p == domain.p and named.same_curve(domain):
            return named
    return domain


def _ec_from_specified(spec: Any) -> EcDomain:
    field_id = spec["field_id"]
    if field_id["field_type"].native != "prime_field":
        raise DomainParameterError("only prime-field curves are supported")
    p = int(field_id["parameters"].native)
    a = int.from_bytes(spec["curve"]["a"].native, "big")
    b = int.from_bytes(spec["curve"]["b"].native, "big")
    base = bytes(spec["base"].native)
    n = int(spec["order"].native)
    cofactor = spec["cofactor"].native or 1
    flen = (p.bit_length() + 7) // 8
    if len(base) != 1 + 2 * flen or base[0] != 4:
        raise DomainParameterError("explicit curve base point is not uncompressed")
    gx, gy = int.from_bytes(base[1:1 + flen], "big"), int.from_bytes(base[1 + flen:], "big")
    return match_named(EcDomain(p, a, b, gx, gy, n, int(cofactor)))


_NAMED_OID_TO_NAME = {
    "1.2.840.10045.3.1.1": "secp192r1", "1.3.132.0.33": "secp224r1", "1.2.840.10045.3.1.7": "secp256r1",
    "1.3.132.0.34": "secp384r1", "1.3.132.0.35": "secp521r1",
    "1.3.36.3.3.2.8.1.1.3": "brainpoolP192r1", "1.3.36.3.3.2.8.1.1.5": "brainpoolP224r1",
    "1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1", "1.3.36.3.3.2.8.1.1.9": "brainpoolP320r1",
    "1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1", "1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1",
}
OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
OID_DH_PUBLIC_NUMBER = "1.2.840.10046.2.1"
OID_DH_KEY_AGREEMENT = "1.2.840.113549.1.3.1"
# BSI TR-03110-3 A.2.1.1: standardizedDomainParameters, parameters = INTEGER parameter ID (German
# EF.CardSecurity keys use it for the chip-authentication and PACE-CAM public keys).
OID_STANDARDIZED_DOMAIN_PARAMETERS = "0.4.0.127.0.7.1.2"


class _DhDomainParameters(core.Sequence):  # type: ignore[misc]
    _fields = [("p", core.Integer), ("g", core.Integer), ("q", core.Integer, {"optional": True})]


def _domain_from_parts(algorithm: str, params: Any) -> Domain:
    if algorithm == OID_STANDARDIZED_DOMAIN_PARAMETERS:
        return standard_domain(int(core.Integer.load(params.dump()).native))
    if algorithm == OID_EC_PUBLIC_KEY:
        ec_params = keys.ECDomainParameters.load(params.dump())
        if ec_params.name == "named":
            oid = ec_params.chosen.dotted
            if oid not in _NAMED_OID_TO_NAME:
                raise DomainParameterError(f"named curve {oid} is not supported")
            return named_curve_domain(_NAMED_OID_TO_NAME[oid])
        if ec_params.name == "specified":
            return _ec_from_specified(ec_params.chosen)
        raise DomainParameterError("implicit EC parameters are not supported")
    if algorithm in (OID_DH_PUBLIC_NUMBER, OID_DH_KEY_AGREEMENT):
        dh = _DhDomainParameters.load(params.dump())
        # X9.42 (dhpublicnumber) orders p, g, q; PKCS#3 has p, g, [privateValueLength]: no q.
        q = dh["q"].native if algorithm == OID_DH_PUBLIC_NUMBER else None
        return DhDomain(int(dh["p"].native), int(dh["g"].native), int(q) if q else None)
    raise DomainParameterError(f"domain parameters of algorithm {algorithm} are not supported")


def domain_from_algorithm(algorithm_identifier_der: bytes) -> Domain:
    """Domain from a DER AlgorithmIdentifier (ecPublicKey or dhpublicnumber with parameters)."""
    try:
        alg = algos.AnyAlgorithmIdentifier.load(bytes(algorithm_identifier_der))
        return _domain_from_parts(alg["algorithm"].dotted, alg["parameters"])
    except DomainParameterError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise DomainParameterError(f"domain parameters cannot be parsed: {exc}") from exc


class _SubjectPublicKeyInfo(core.Sequence):  # type: ignore[misc]
    """SubjectPublicKeyInfo with any algorithm (asn1crypto's own refuses BSI's standardized-parameters OID)."""

    _fields = [("algorithm", algos.AnyAlgorithmIdentifier), ("public_key", core.BitString)]


@dataclass(frozen=True)
class PublicKey:
    """A key-agreement public key from a SubjectPublicKeyInfo: its domain and encoded value."""

    domain: Domain
    value: bytes  # uncompressed point or DH value (|p| bytes)

    def element(self) -> Any:
        """The decoded group element."""
        return self.domain.decode(self.value)


def public_key_from_spki(spki_der: bytes) -> PublicKey:
    """Parse a SubjectPublicKeyInfo holding an EC (named or explicit) or DH public key."""
    try:
        info = _SubjectPublicKeyInfo.load(bytes(spki_der))
        alg = info["algorithm"]
        domain = _domain_from_parts(alg["algorithm"].dotted, alg["parameters"])
        raw = bytes(info["public_key"].contents)[1:]  # BIT STRING without the unused-bits byte
        if domain.kind == "DH":
            value = int(core.Integer.load(raw).native)
            encoded = domain.encode(value)
        else:
            encoded = raw
        domain.decode(encoded)
        return PublicKey(domain, encoded)
    except DomainParameterError:
        raise
    # IndexError: asn1crypto indexes an empty BIT STRING's contents (found by the property test below).
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError) as exc:
        raise DomainParameterError(f"public key info cannot be parsed: {exc}") from exc


@dataclass(frozen=True)
class DhPrivateKey:
    """A DH key pair on a MODP group, for the virtual chip's chip authentication (no FFDH in ``cryptography``)."""

    domain: DhDomain
    x: int = field(repr=False)

    @classmethod
    def generate(cls, domain: DhDomain, rng: Rng = os.urandom) -> DhPrivateKey:
        """A fresh key on ``domain``."""
        return cls(domain, domain.random_private(rng))

    @property
    def public_value(self) -> int:
        """y = g^x mod p."""
        return self.domain.public_key(self.x)

    def public_key_info(self) -> bytes:
        """SubjectPublicKeyInfo DER (dhpublicnumber, X9.42 DomainParameters p, g, q)."""
        d = self.domain
        params = core.Integer(d.p).dump() + core.Integer(d.g).dump() + (core.Integer(d.q).dump() if d.q else b"")
        alg = _der(0x30, core.ObjectIdentifier(OID_DH_PUBLIC_NUMBER).dump() + _der(0x30, params))
        bits = _der(0x03, b"\x00" + core.Integer(self.public_value).dump())
        return _der(0x30, alg + bits)


def _der(tag: int, value: bytes) -> bytes:
    n = len(value)
    length = bytes((n,)) if n < 0x80 else bytes((0x80 | ((n.bit_length() + 7) // 8),)) + n.to_bytes(
        (n.bit_length() + 7) // 8, "big")
    return bytes((tag,)) + length + value
