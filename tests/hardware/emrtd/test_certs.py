"""Certificate loading and signature checks: explicit EC parameters, RSA-PSS, plain ECDSA, PEM."""
from __future__ import annotations

import base64
from pathlib import Path

import pytest
from asn1crypto import algos
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.emrtd import certs, lds
from hardware.emrtd.certs import _verify_ec
from hardware.emrtd.errors import CertificateError, EmrtdError


@pytest.fixture(scope="module")
def sod_parse(shared_data: Path) -> Path:
    return shared_data / "emrtd/gmrtd/vectors/sod_parse"


@pytest.mark.parametrize(("cc", "curve"), [("AT", "BRAINPOOLP256r1"), ("DE", "BRAINPOOLP384r1"),
                                           ("RU", "NIST256p"), ("UK", "NIST256p")])
def test_explicit_parameters_with_both_backends(sod_parse: Path, cc: str, curve: str) -> None:
    dsc = certs.load_certificate((sod_parse / cc / "DSC.der").read_bytes())
    key = dsc.public_key()
    assert key.curve is not None and key.curve.name == curve and key.curve.explicit
    sod = lds.parse_sod((sod_parse / cc / "EF_SOD.bin").read_bytes())
    si = sod.signer_info
    alg = certs.parse_signature_algorithm(si.signature_algorithm_der, si.digest_algorithm)
    assert si.signed_attrs_der is not None
    # cryptography after mapping to the named curve, and pure-Python ecdsa, must agree.
    for force in (False, True):
        assert _verify_ec(key, alg, si.signature, si.signed_attrs_der, force_ecdsa=force)
        assert not _verify_ec(key, alg, si.signature, si.signed_attrs_der + b"x", force_ecdsa=force)


@pytest.mark.parametrize("cc", ["MY", "SG"])
def test_rsa_pss(sod_parse: Path, cc: str) -> None:
    csca = certs.load_certificate((sod_parse / cc / "CSCA.der").read_bytes())
    dsc = certs.load_certificate((sod_parse / cc / "DSC.der").read_bytes())
    alg = certs.parse_signature_algorithm(dsc.signature_algorithm_der)
    assert (alg.scheme, alg.hash, alg.mgf_hash, alg.salt_length) == ("rsa_pss", "sha256", "sha256", 32)
    assert dsc.is_signed_by(csca.public_key())
    assert not csca.is_signed_by(dsc.public_key())


def test_sg_link_certificate_path_length(sod_parse: Path) -> None:
    csca = certs.load_certificate((sod_parse / "SG/CSCA.der").read_bytes())
    # Singapore's CSCA 5 is a link certificate issued by CSCA 4 with pathLenConstraint 0.
    assert csca.is_ca and csca.path_length == 0 and not csca.self_issued


def test_pem_bundle(sod_parse: Path) -> None:
    ders = [(sod_parse / cc / "CSCA.der").read_bytes() for cc in ("AT", "NZ")]
    pem = b"".join(b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(d) + b"-----END CERTIFICATE-----\n"
                   for d in ders)
    loaded = certs.load_certificates(pem)
    assert [c.der for c in loaded] == ders
    assert loaded[0].country == "AT"
    with pytest.raises(CertificateError):
        certs.load_certificate(pem)


def test_plain_ecdsa_signature() -> None:
    key = ec.generate_private_key(ec.BrainpoolP256R1())
    der_sig = key.sign(b"message", ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der_sig)
    plain = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    from cryptography.hazmat.primitives import serialization

    pub = certs.load_public_key(key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
    alg_der = algos.SignedDigestAlgorithm({"algorithm": "0.4.0.127.0.7.1.1.4.1.3"}).dump()
    alg = certs.parse_signature_algorithm(alg_der)
    assert alg.scheme == "ecdsa_plain"
    assert certs.verify_signature(pub, alg, plain, b"message")
    assert not certs.verify_signature(pub, alg, plain, b"messagf")
    with pytest.raises(CertificateError):
        certs.verify_signature(pub, certs.SignatureAlgorithm("rsa_pkcs1", "sha256"), plain, b"message")


def test_explicit_curve_matching_no_named_curve() -> None:
    """brainpoolP256r1 with generator 2G: a valid domain matching no named curve -> verified with ecdsa."""
    import hashlib

    import ecdsa
    from asn1crypto import keys
    from ecdsa.ellipticcurve import PointJacobi

    base = ecdsa.curves.BRAINPOOLP256r1
    g2 = base.generator * 2
    cf = base.curve
    custom = ecdsa.curves.Curve("custom", cf, PointJacobi(cf, g2.x(), g2.y(), 1, base.order, generator=True),
                                (1, 3, 9999))
    sk = ecdsa.SigningKey.generate(curve=custom)
    params = keys.ECDomainParameters(name="specified", value={
        "version": "ecdpVer1",
        "field_id": {"field_type": "prime_field", "parameters": cf.p()},
        "curve": {"a": cf.a().to_bytes(32, "big"), "b": cf.b().to_bytes(32, "big")},
        "base": b"\x04" + g2.x().to_bytes(32, "big") + g2.y().to_bytes(32, "big"),
        "order": base.order, "cofactor": 1})
    spki = keys.PublicKeyInfo({"algorithm": {"algorithm": "ec", "parameters": params},
                               "public_key": b"\x04" + sk.get_verifying_key().to_string()}).dump()
    key = certs.load_public_key(spki)
    assert key.curve is not None and key.curve.name == "explicit"
    sig = sk.sign(b"msg", hashfunc=hashlib.sha256, sigencode=ecdsa.util.sigencode_der)
    alg = certs.SignatureAlgorithm("ecdsa", "sha256")
    assert certs.verify_signature(key, alg, sig, b"msg")
    assert not certs.verify_signature(key, alg, sig, b"msh")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_fuzz_certificate_parser(data: bytes) -> None:
    try:
        certs.load_certificate(data).public_key()
    except EmrtdError:
        pass


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_fuzz_mutated_explicit_curve_certificate(shared_data: Path, data: st.DataObject) -> None:
    raw = bytearray((shared_data / "emrtd/gmrtd/vectors/sod_parse/DE/DSC.der").read_bytes())
    pos = data.draw(st.integers(0, len(raw) - 1))
    raw[pos] ^= data.draw(st.integers(1, 255))
    try:
        cert = certs.load_certificate(bytes(raw))
        cert.public_key()
    except EmrtdError:
        pass
