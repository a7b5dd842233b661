"""Signed test documents: a TEST CSCA and document signer, and a complete LDS for a given MRZ and face.

Builds what an issuer personalises (ICAO 9303-10 LDS, 9303-12 PKI): EF.COM, DG1, DG2 (ISO/IEC
19794-5 with a JPEG), optionally DG14 (chip authentication key) and DG15 (active authentication
key), and EF.SOD signed by the document signer. Passive authentication passes with the returned
CSCA certificate and fails without it.

The keys are derived from ``seed`` (EC private scalars from SHA-256) and signatures are RFC 6979
deterministic, so the same seed, inputs and ``issued`` date give the same bytes. Every certificate
says TEST in its names: these are never to be trusted by a production kiosk.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from hardware.emrtd import mrz as _mrz
from hardware.emrtd.errors import LdsError
from hardware.emrtd.lds import encode_com, encode_dg1, encode_dg2, encode_dg15, encode_sod, jpeg_for_dg2
from hardware.emrtd.lds.dg14 import encode_dg14_chip_authentication
from hardware.emrtd.lds.files import FID_COM, FID_SOD, dg_fid, file_name
from hardware.emrtd.lds.security_infos import (
    ID_SECURITY_OBJECT,
    ChipAuthenticationPublicKeyInfo,
    SecurityInfo,
    encode_security_infos,
)
from hardware.emrtd.lds.signed_data import build_signed_data
from hardware.emrtd.lds.sod import hash_function, parse_sod

CURVES: dict[str, ec.EllipticCurve] = {
    "brainpoolP256r1": ec.BrainpoolP256R1(),
    "P-256": ec.SECP256R1(),
    "brainpoolP384r1": ec.BrainpoolP384R1(),
    "P-384": ec.SECP384R1(),
}
_ORDERS = {
    "brainpoolP256r1": 0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7,
    "P-256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "brainpoolP384r1": int(
        "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565", 16),
    "P-384": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16),
}
_HASH_FOR_CURVE = {"brainpoolP256r1": "sha256", "P-256": "sha256", "brainpoolP384r1": "sha384", "P-384": "sha384"}
_CRYPTO_HASH: dict[str, type[hashes.SHA256 | hashes.SHA384]] = {"sha256": hashes.SHA256, "sha384": hashes.SHA384}

ICAO_SAMPLE_MRZ = _mrz.build_td3(
    document_number="L898902C3", birth_date="740812", expiry_date="120415", issuing_state="UTO",
    nationality="UTO", primary_identifier="ERIKSSON", secondary_identifier="ANNA MARIA", sex="F",
    optional_data="ZE184226B",
)


def _derive_key(seed: bytes, label: str, curve: str) -> ec.EllipticCurvePrivateKey:
    order = _ORDERS[curve]
    digest = hashlib.sha512(seed + b"/" + label.encode()).digest()
    scalar = int.from_bytes(digest, "big") % (order - 1) + 1
    return ec.derive_private_key(scalar, CURVES[curve])


def _name(common_name: str, country: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, country),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "idkiosk TEST PKI - not for production"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _serial(seed: bytes, label: str) -> int:
    return int.from_bytes(hashlib.sha256(seed + b"/serial/" + label.encode()).digest()[:8], "big") | 1


@dataclass(frozen=True)
class TestPki:
    """A TEST country signing CA and one document signer under it (keys as ``cryptography`` objects)."""

    __test__ = False  # not a pytest test class

    csca_certificate: bytes = field(repr=False)
    csca_key: ec.EllipticCurvePrivateKey = field(repr=False)
    dsc_certificate: bytes = field(repr=False)
    dsc_key: ec.EllipticCurvePrivateKey = field(repr=False)
    curve: str
    hash_algorithm: str


def make_test_pki(
    seed: bytes = b"idkiosk-test", *, curve: str = "brainpoolP256r1", issued: _dt.date | None = None,
    country: str = "ZZ",
) -> TestPki:
    """Generate a TEST CSCA (15 years) and DSC (10 years) valid from a year before ``issued`` (default today)."""
    if curve not in CURVES:
        raise LdsError(f"curve {curve} is not one of {', '.join(CURVES)}")
    issued = issued or _dt.datetime.now(_dt.timezone.utc).date()
    start = _dt.datetime(issued.year, issued.month, issued.day, tzinfo=_dt.timezone.utc) - _dt.timedelta(days=365)
    hash_name = _HASH_FOR_CURVE[curve]
    cert_hash = _CRYPTO_HASH[hash_name]()
    csca_key = _derive_key(seed, "csca", curve)
    dsc_key = _derive_key(seed, "dsc", curve)
    csca_name = _name("idkiosk TEST CSCA", country)
    csca_ski = x509.SubjectKeyIdentifier.from_public_key(csca_key.public_key())
    csca = (
        x509.CertificateBuilder()
        .subject_name(csca_name).issuer_name(csca_name)
        .public_key(csca_key.public_key())
        .serial_number(_serial(seed, "csca"))
        .not_valid_before(start).not_valid_after(start + _dt.timedelta(days=15 * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(csca_ski, critical=False)
        .sign(csca_key, cert_hash, ecdsa_deterministic=True)
    )
    dsc = (
        x509.CertificateBuilder()
        .subject_name(_name("idkiosk TEST Document Signer", country)).issuer_name(csca_name)
        .public_key(dsc_key.public_key())
        .serial_number(_serial(seed, "dsc"))
        .not_valid_before(start).not_valid_after(start + _dt.timedelta(days=10 * 365))
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(csca_ski), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(dsc_key.public_key()), critical=False)
        .sign(csca_key, cert_hash, ecdsa_deterministic=True)
    )
    der = serialization.Encoding.DER
    return TestPki(csca.public_bytes(der), csca_key, dsc.public_bytes(der), dsc_key, curve, hash_name)


@dataclass(frozen=True)
class VirtualDocument:
    """A personalised test document: LDS files by file identifier, the PKI, and the chip's private keys."""

    files: dict[int, bytes] = field(repr=False)
    mrz: _mrz.Mrz
    pki: TestPki
    ca_private_key: ec.EllipticCurvePrivateKey | None = field(default=None, repr=False)
    aa_private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = field(default=None, repr=False)

    @property
    def csca_certificate(self) -> bytes:
        """DER TEST CSCA certificate: the trust anchor under which passive authentication passes."""
        return self.pki.csca_certificate

    @property
    def data_groups(self) -> dict[int, bytes]:
        """{data-group number: raw file} for the data groups present."""
        return {fid - 0x0100: data for fid, data in self.files.items() if 0x0101 <= fid <= 0x0110}

    @property
    def sod(self) -> bytes:
        """Raw EF.SOD."""
        return self.files[FID_SOD]

    def card_security(self, pace_infos: Sequence[SecurityInfo]) -> bytes:
        """EF.CardSecurity (BSI TR-03110-3, ICAO 9303-11 9.2.12) signed by the document signer.

        It announces ``pace_infos`` and the chip-authentication public key (needed by PACE-CAM,
        whose terminal checks the chip against this signed key). Requires a document made with
        ``chip_authentication=True``.
        """
        if self.ca_private_key is None:
            raise LdsError("EF.CardSecurity needs the chip-authentication key: make the document with "
                           "chip_authentication=True")
        spki = self.ca_private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        infos = list(pace_infos) + [ChipAuthenticationPublicKeyInfo.make(spki, key_id=1)]
        algo = ec.ECDSA(_CRYPTO_HASH[self.pki.hash_algorithm](), deterministic_signing=True)
        return build_signed_data(ID_SECURITY_OBJECT, encode_security_infos(infos), self.pki.dsc_certificate,
                                 self.pki.hash_algorithm, f"{self.pki.hash_algorithm}_ecdsa",
                                 lambda message: self.pki.dsc_key.sign(message, algo),
                                 hash_function(self.pki.hash_algorithm), parse_sod(self.sod).signing_time)

    def write(self, folder: str | Path) -> list[Path]:
        """Save the files as ``EF_COM.bin``, ``EF_SOD.bin``, ``DG1.bin``...; returns the paths written.

        A new folder is made 0700 and the files 0600: DG1 carries the MRZ it was personalised for.
        """
        out = Path(folder)
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
        written = []
        for fid, data in sorted(self.files.items()):
            path = out / file_name(fid)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), 0o600)
                fh.write(data)
            written.append(path)
        return written


def synthetic_portrait(size: tuple[int, int] = (240, 320)) -> Any:
    """A drawn, clearly artificial head-and-shoulders portrait (PIL RGB image) for demos and tests."""
    from PIL import Image, ImageDraw

    w, h = size
    img = Image.new("RGB", size, (200, 210, 225))
    d = ImageDraw.Draw(img)
    d.ellipse([w * 0.1, h * 0.72, w * 0.9, h * 1.3], fill=(60, 70, 110))  # shoulders
    d.ellipse([w * 0.27, h * 0.18, w * 0.73, h * 0.72], fill=(224, 184, 150))  # face
    d.chord([w * 0.25, h * 0.12, w * 0.75, h * 0.5], 180, 360, fill=(70, 45, 30))  # hair
    for ex in (0.40, 0.60):
        d.ellipse([w * (ex - 0.04), h * 0.40, w * (ex + 0.04), h * 0.45], fill=(255, 255, 255))
        d.ellipse([w * (ex - 0.018), h * 0.41, w * (ex + 0.018), h * 0.44], fill=(50, 40, 30))
    d.line([w * 0.5, h * 0.45, w * 0.48, h * 0.55, w * 0.52, h * 0.55], fill=(170, 120, 100), width=2)
    d.arc([w * 0.42, h * 0.55, w * 0.58, h * 0.64], 20, 160, fill=(150, 60, 60), width=3)
    return img


def _dg2_for_size(face: Any, dg2_size: int | None) -> bytes:
    if dg2_size is None:
        jpeg, w, h = jpeg_for_dg2(face)
        return encode_dg2(jpeg, w, h)
    target = dg2_size - 64  # first guess at the DG2 / ISO 19794-5 overhead, corrected below
    for _ in range(3):
        jpeg, w, h = jpeg_for_dg2(face, target)
        dg2 = encode_dg2(jpeg, w, h)
        if len(dg2) == dg2_size:
            return dg2
        target += dg2_size - len(dg2)
    raise LdsError(f"could not build a DG2 of exactly {dg2_size} bytes")


def make_document(
    mrz: _mrz.Mrz | None = None,
    face: Any = None,
    *,
    seed: bytes = b"idkiosk-test",
    pki: TestPki | None = None,
    dg2_size: int | None = None,
    chip_authentication: bool = False,
    active_authentication: str | None = None,
    curve: str = "brainpoolP256r1",
    issued: _dt.date | None = None,
    signing_time: _dt.datetime | None = None,
    extra_data_groups: Mapping[int, bytes] | None = None,
) -> VirtualDocument:
    """Personalise a test document.

    :param mrz: TD3 MRZ (default: the ICAO 9303 specimen ``L898902C3``).
    :param face: PIL image, numpy array or encoded image bytes (default: ``synthetic_portrait()``).
    :param dg2_size: make DG2 exactly this many bytes (JPEG quality chosen, then comment padding).
    :param chip_authentication: add DG14 with an EC chip-authentication key (``ca_private_key``).
    :param active_authentication: ``"ec"`` (seed-derived) or ``"rsa"`` (random 2048-bit) adds DG15.
    :param signing_time: the SOD's signing-time attribute (default: ``issued`` at 00:00 UTC).
    """
    mrz = mrz or ICAO_SAMPLE_MRZ
    if mrz.format != _mrz.TD3:
        raise LdsError("test documents are passports: give a TD3 MRZ")
    issued = issued or _dt.datetime.now(_dt.timezone.utc).date()
    pki = pki or make_test_pki(seed, curve=curve, issued=issued)
    face = synthetic_portrait() if face is None else face
    dgs: dict[int, bytes] = {1: encode_dg1(mrz), 2: _dg2_for_size(face, dg2_size)}
    ca_key: ec.EllipticCurvePrivateKey | None = None
    aa_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None
    if chip_authentication:
        ca_key = _derive_key(seed, "chip-authentication", pki.curve)
        dgs[14] = encode_dg14_chip_authentication(ca_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
    if active_authentication == "ec":
        aa_key = _derive_key(seed, "active-authentication", pki.curve)
    elif active_authentication == "rsa":
        aa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif active_authentication is not None:
        raise LdsError("active_authentication must be None, 'ec' or 'rsa'")
    if aa_key is not None:
        dgs[15] = encode_dg15(aa_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
    for number, data in (extra_data_groups or {}).items():
        dgs[number] = bytes(data)
    when = signing_time or _dt.datetime(issued.year, issued.month, issued.day, tzinfo=_dt.timezone.utc)
    algo = ec.ECDSA(_CRYPTO_HASH[pki.hash_algorithm](), deterministic_signing=True)
    sod = encode_sod(
        dgs,
        certificate_der=pki.dsc_certificate,
        sign=lambda message: pki.dsc_key.sign(message, algo),
        signature_algorithm=f"{pki.hash_algorithm}_ecdsa",
        hash_algorithm=pki.hash_algorithm,
        signing_time=when,
    )
    files = {FID_COM: encode_com(dgs), FID_SOD: sod}
    files.update({dg_fid(n): data for n, data in dgs.items()})
    return VirtualDocument(files, mrz, pki, ca_key, aa_key)
