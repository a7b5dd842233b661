"""TEST trust material beside a ``TestPki``: CRLs, master-list signers and CSCA master lists.

What a country's PKI publishes (ICAO 9303-12 sections 7-9), made from the generated TEST CSCA so
trust-store and revocation checks can be exercised end to end: a CRL signed by the CSCA (any dates,
any revoked serials), a master-list signer certificate issued by the CSCA, and a CSCA master list
(CMS SignedData, content type 2.23.136.1.1.2) signed by such a signer. All names say TEST.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from asn1crypto import core, x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hardware.emrtd.lds.signed_data import build_signed_data
from hardware.emrtd.lds.sod import hash_function
from hardware.emrtd.virtual.document import TestPki, _derive_key, _name, _serial

OID_CSCA_MASTER_LIST = "2.23.136.1.1.2"
_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384}


def make_test_crl(pki: TestPki, revoked_serials: Iterable[int] = (), *, this_update: _dt.datetime,
                  next_update: _dt.datetime | None) -> bytes:
    """A DER CRL signed by ``pki``'s CSCA listing ``revoked_serials`` (revoked at ``this_update``).

    ``next_update=None`` leaves the field out (what a careless issuer does; ICAO requires it).
    """
    csca = x509.load_der_x509_certificate(pki.csca_certificate)
    builder = x509.CertificateRevocationListBuilder().issuer_name(csca.subject).last_update(this_update)
    if next_update is not None:
        builder = builder.next_update(next_update)
    for serial in revoked_serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(this_update).build())
    if next_update is None:
        # cryptography insists on nextUpdate: sign with a placeholder, then re-sign without it.
        return _crl_without_next_update(builder.next_update(this_update), pki)
    crl = builder.sign(pki.csca_key, _HASHES[pki.hash_algorithm](), ecdsa_deterministic=True)
    return crl.public_bytes(serialization.Encoding.DER)


def _crl_without_next_update(builder: x509.CertificateRevocationListBuilder, pki: TestPki) -> bytes:
    from asn1crypto import crl as asn1_crl

    signed = builder.sign(pki.csca_key, _HASHES[pki.hash_algorithm]())
    cl = asn1_crl.CertificateList.load(signed.public_bytes(serialization.Encoding.DER))
    tbs = cl["tbs_cert_list"].copy()
    tbs["next_update"] = None
    tbs_der = tbs.dump(force=True)
    sig = pki.csca_key.sign(tbs_der, ec.ECDSA(_HASHES[pki.hash_algorithm](), deterministic_signing=True))
    out = asn1_crl.CertificateList({"tbs_cert_list": asn1_crl.TbsCertList.load(tbs_der),
                                    "signature_algorithm": cl["signature_algorithm"], "signature": sig})
    return bytes(out.dump())


@dataclass(frozen=True)
class MasterListSigner:
    """A TEST master-list signer certificate (issued by a CSCA) and its key."""

    certificate: bytes = field(repr=False)
    key: ec.EllipticCurvePrivateKey = field(repr=False)
    hash_algorithm: str = "sha256"


def make_master_list_signer(pki: TestPki, seed: bytes = b"idkiosk-test-mls") -> MasterListSigner:
    """A master-list signer certificate issued by ``pki``'s CSCA (valid over the CSCA's first years)."""
    csca = x509.load_der_x509_certificate(pki.csca_certificate)
    key = _derive_key(seed, "master-list-signer", pki.curve)
    country = csca.subject.get_attributes_for_oid(x509.NameOID.COUNTRY_NAME)[0].value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("idkiosk TEST Master List Signer", str(country))).issuer_name(csca.subject)
        .public_key(key.public_key()).serial_number(_serial(seed, "mls"))
        .not_valid_before(csca.not_valid_before_utc).not_valid_after(csca.not_valid_after_utc)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .sign(pki.csca_key, _HASHES[pki.hash_algorithm](), ecdsa_deterministic=True)
    )
    return MasterListSigner(cert.public_bytes(serialization.Encoding.DER), key, pki.hash_algorithm)


class _CscaMasterList(core.Sequence):
    _fields = [("version", core.Integer), ("cert_list", core.SetOf, {"spec": asn1_x509.Certificate})]


def make_master_list(csca_certificates: Iterable[bytes], signer: MasterListSigner) -> bytes:
    """A CSCA master list holding ``csca_certificates`` (DER), signed by ``signer``."""
    content = _CscaMasterList({"version": 0, "cert_list": [
        asn1_x509.Certificate.load(der) for der in csca_certificates]}).dump()
    algo = ec.ECDSA(_HASHES[signer.hash_algorithm](), deterministic_signing=True)
    return build_signed_data(OID_CSCA_MASTER_LIST, content, signer.certificate, signer.hash_algorithm,
                             f"{signer.hash_algorithm}_ecdsa", lambda m: signer.key.sign(m, algo),
                             hash_function(signer.hash_algorithm), _dt.datetime.now(_dt.timezone.utc))

