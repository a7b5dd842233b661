"""Seed corpora for the fuzz targets, generated at run time from the project's own virtual passport.

Every seed is a real, valid file of its kind (signed EF.SOD, DG1/DG2/DG14/DG15, the TEST CSCA and
document-signer certificates, a CRL and a master list signed by them, EF.CardAccess, protected APDU
responses, a model bundle written by ``export_bundle``), so the fuzzer starts deep inside each
parser instead of at its first length check. Nothing is read from the research data. The documents
are built with a fixed seed and issue date, so the corpora are the same bytes on every run.
"""
from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import io
import tarfile
from dataclasses import dataclass

from asn1crypto import keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hardware.emrtd import mrz, tlv
from hardware.emrtd.apdu import CommandApdu
from hardware.emrtd.crypto import CipherAlg
from hardware.emrtd.lds import encode_dg2, jpeg_for_dg2
from hardware.emrtd.lds.files import FID_COM, FID_SOD
from hardware.emrtd.lds.signed_data import build_signed_data
from hardware.emrtd.lds.sod import hash_function
from hardware.emrtd.sm import SecureMessaging
from hardware.emrtd.trust import OID_CSCA_MASTER_LIST, _CscaMasterList
from hardware.emrtd.virtual.document import VirtualDocument, make_document, synthetic_portrait
from hardware.emrtd.virtual.pace_card import PaceOffer, build_card_access

ISSUED = _dt.date(2026, 1, 15)
# Fixed session keys for the secure-messaging target (test values, they protect nothing).
SM_KEYS = {CipherAlg.DES3: (bytes(range(16)), bytes(range(16, 32))),
           CipherAlg.AES: (bytes(range(32, 48)), bytes(range(48, 64)))}
SM_SSC = 0x1122334455667788


@dataclass(frozen=True)
class Documents:
    """Two virtual passports (brainpoolP256r1 and P-384 PKIs) and the trust material around them."""

    main: VirtualDocument
    other: VirtualDocument
    crl: bytes
    master_list: bytes


@functools.lru_cache(maxsize=1)
def documents() -> Documents:
    """The virtual passports every LDS/PKI seed comes from (built once per process)."""
    main = make_document(chip_authentication=True, active_authentication="ec", issued=ISSUED)
    td3 = mrz.build_td3(document_number="X1234567", birth_date="880229", expiry_date="310101",
                        issuing_state="UTO", nationality="UTO", primary_identifier="SPECIMEN",
                        secondary_identifier="FUZZ", sex="M")
    other = make_document(td3, synthetic_portrait((120, 160)), seed=b"fuzz-other", curve="P-384",
                          chip_authentication=True, active_authentication="ec", issued=ISSUED)
    return Documents(main, other, _crl(main), _master_list(main))


def _crl(doc: VirtualDocument) -> bytes:
    csca = x509.load_der_x509_certificate(doc.pki.csca_certificate)
    dsc = x509.load_der_x509_certificate(doc.pki.dsc_certificate)
    when = _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc)
    builder = (x509.CertificateRevocationListBuilder().issuer_name(csca.subject)
               .last_update(when).next_update(when + _dt.timedelta(days=90)))
    for serial in (dsc.serial_number, 12345, 2**70 + 1):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build())
    crl = builder.sign(doc.pki.csca_key, hashes.SHA256(), ecdsa_deterministic=True)
    return crl.public_bytes(serialization.Encoding.DER)


def _master_list(doc: VirtualDocument) -> bytes:
    from asn1crypto import x509 as a_x509

    content = _CscaMasterList({"version": 0,
                               "cert_list": [a_x509.Certificate.load(doc.pki.csca_certificate)]}).dump()
    algo = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
    return build_signed_data(OID_CSCA_MASTER_LIST, content, doc.pki.dsc_certificate, "sha256", "sha256_ecdsa",
                             lambda m: doc.pki.dsc_key.sign(m, algo), hash_function("sha256"))


def _dg(doc: VirtualDocument, number: int) -> bytes:
    return doc.files[0x0100 + number]


def _dg2_39794() -> bytes:
    """A DG2 in the ISO/IEC 39794-5 encoding (7F2E block), with one JPEG representation."""
    jpeg, width, height = jpeg_for_dg2(synthetic_portrait((60, 80)), quality=50)
    info = (tlv.encode(0xA0, tlv.encode(0x80, b"\x02"))
            + tlv.encode(0xA7, tlv.encode(0x80, width.to_bytes(2, "big")) + tlv.encode(0x81, height.to_bytes(2, "big"))))
    block2d = tlv.encode(0xA0, tlv.encode(0x80, jpeg) + tlv.encode(0xA1, info))
    rep = tlv.encode(0x30, tlv.encode(0xA1, tlv.encode(0xA0, block2d)))
    face = tlv.encode(0xA1, tlv.encode(0x65, tlv.encode(0xA1, rep)))
    bit = tlv.encode(0x7F60, tlv.encode(0xA1, tlv.encode(0x80, b"\x01\x01")) + tlv.encode(0x7F2E, face))
    return tlv.encode(0x75, tlv.encode(0x7F61, tlv.encode(0x02, b"\x01") + bit))


def _dg2_two_faces() -> bytes:
    small, w, h = jpeg_for_dg2(synthetic_portrait((30, 40)), quality=30)
    one = encode_dg2(small, w, h)
    outer = tlv.decode_single(one)
    group = outer.find(0x7F61)
    assert group is not None
    bit = group.find(0x7F60)
    assert bit is not None
    return tlv.encode(0x75, tlv.encode(0x7F61, tlv.encode(0x02, b"\x02") + bit.raw + bit.raw))


def dg11() -> bytes:
    """A DG11 with synthetic personal details (tag list, names, dates, the A0 other-names template)."""
    fields = [(0x5F0E, "SPECIMEN<<FUZZ"), (0x5F10, "123456789"), (0x5F2B, "19880230"),
              (0x5F11, "ZENITH,UTO"), (0x5F42, "1 TEST ST<ZENITH"), (0x5F12, "+000 000"),
              (0x5F13, "TESTER"), (0x5F14, "DR"), (0x5F17, "X1234567")]
    tag_list = b"".join(t.to_bytes(2, "big") for t, _ in fields) + b"\x00\xA0"
    body = tlv.encode(0x5C, tag_list) + b"".join(tlv.encode(t, v.encode()) for t, v in fields)
    body += tlv.encode(0xA0, tlv.encode(0x02, b"\x02") + tlv.encode(0x5F0F, "ÉTÉ<<TEST".encode())
                       + tlv.encode(0x5F0F, b"OTHER<<NAME"))
    return tlv.encode(0x6B, body)


def dg12() -> bytes:
    """A DG12 with ASCII and BCD dates, text fields, a tiny front image and another person."""
    jpeg, _, _ = jpeg_for_dg2(synthetic_portrait((16, 12)), quality=20)
    body = (tlv.encode(0x5C, bytes.fromhex("5F195F265F555F1D"))
            + tlv.encode(0x5F19, b"TEST AUTHORITY") + tlv.encode(0x5F26, b"20260115")
            + tlv.encode(0x5F55, bytes.fromhex("20260115093000")) + tlv.encode(0x5F1B, b"NONE")
            + tlv.encode(0x5F1D, jpeg)
            + tlv.encode(0xA0, tlv.encode(0x02, b"\x01") + tlv.encode(0x5F1A, b"SPECIMEN<<CHILD")))
    return tlv.encode(0x6C, body)


def rsa_dg15() -> bytes:
    """A DG15 holding an RSA SubjectPublicKeyInfo (the modulus is a fixed odd number, never a real key)."""
    modulus = int.from_bytes(hashlib.sha512(b"fuzz-rsa").digest() * 2, "big") | (1 << 1023) | 1
    spki = keys.PublicKeyInfo({"algorithm": {"algorithm": "rsa"},
                               "public_key": keys.RSAPublicKey({"modulus": modulus, "public_exponent": 65537})})
    return tlv.encode(0x6F, spki.dump())


def mrz_texts() -> list[bytes]:
    """Valid TD1, TD2, TD3, MRV-A and MRV-B MRZs (one with a long TD1 document number), joined and with newlines."""
    td3 = mrz.build_td3(document_number="L898902C3", birth_date="740812", expiry_date="120415",
                        issuing_state="UTO", nationality="UTO", primary_identifier="ERIKSSON",
                        secondary_identifier="ANNA MARIA", sex="F", optional_data="ZE184226B")
    td1 = mrz.build_td1(document_number="D23145890", birth_date="740812", expiry_date="120415",
                        issuing_state="UTO", nationality="UTO", primary_identifier="ERIKSSON",
                        secondary_identifier="ANNA MARIA", sex="F")
    td2 = mrz.build_td2(document_number="D23145890", birth_date="740812", expiry_date="120415",
                        issuing_state="UTO", nationality="UTO", primary_identifier="ERIKSSON",
                        secondary_identifier="ANNA MARIA", sex="F")
    visas = [mrz.build_mrv(fmt=f, document_number="L8988901C", birth_date="400907", expiry_date="961210",
                           issuing_state="UTO", nationality="XXX", primary_identifier="ERIKSSON",
                           secondary_identifier="ANNA MARIA", sex="F", optional_data="6ZE184226B"[:8])
             for f in (mrz.MRV_A, mrz.MRV_B)]
    out = []
    for m in (td3, td1, td2, *visas):
        out.append("".join(m.lines).encode())
        out.append("\n".join(m.lines).encode())
    return out


def sm_responses() -> list[bytes]:
    """Fuzz inputs for the secure-messaging target: mode byte + status word + protected response body.

    Mode byte bit 0: AES (1) or 3DES (0); the body is what ``wrap_response`` produced for the session
    in the same state as the harness's, so the MAC verifies before mutation.
    """
    out = []
    for alg, mode in ((CipherAlg.DES3, 0), (CipherAlg.AES, 1)):
        for data, sw in ((b"", 0x9000), (bytes(range(40)), 0x9000), (b"\x60\x14" + bytes(20), 0x6282),
                         (bytes(223), 0x9000)):
            card = SecureMessaging(alg, *SM_KEYS[alg], ssc=SM_SSC - 1)
            body, outer = card.wrap_response(data, sw, odd_ins=bool(len(data) % 2))
            out.append(bytes([mode, 0]) + outer.to_bytes(2, "big") + body)
        for cmd in (CommandApdu(0x00, 0xB0, 0x00, 0x00, ne=224), CommandApdu(0x00, 0xA4, 0x02, 0x0C, b"\x01\x1E"),
                    CommandApdu(0x00, 0xB1, 0x00, 0x00, b"\x54\x02\x80\x00", ne=256)):
            protected = SecureMessaging(alg, *SM_KEYS[alg], ssc=SM_SSC - 1).wrap_command(cmd)
            out.append(bytes([mode | 2, 0]) + b"\x90\x00" + protected.encode())
    return out


def apdus() -> list[bytes]:
    """Command APDUs of all four cases, short and extended, and chained response scripts."""
    cmds = [CommandApdu(0x00, 0xA4, 0x04, 0x0C, bytes.fromhex("A0000002471001")),
            CommandApdu(0x00, 0xB0, 0x81, 0x00, ne=4), CommandApdu(0x00, 0x84, 0x00, 0x00, ne=8),
            CommandApdu(0x0C, 0xB1, 0x00, 0x00, b"\x54\x02\x80\x00", ne=65536, extended=True),
            CommandApdu(0x00, 0x86, 0x00, 0x00, bytes(300), ne=300), CommandApdu(0x00, 0x22, 0xC1, 0xA4)]
    out = [c.encode() for c in cmds]
    # Chaining scripts: C0, command length, command, then answers as [2-byte length][data][SW1 SW2].
    def answer(data: bytes, sw: int) -> bytes:
        return len(data).to_bytes(2, "big") + data + sw.to_bytes(2, "big")

    for cmd, script in ((cmds[1], answer(b"", 0x6110) + answer(bytes(16), 0x9000)),
                        (cmds[2], answer(b"", 0x6C08) + answer(bytes(8), 0x9000)),
                        (cmds[1], answer(bytes(4), 0x6282))):
        raw = cmd.encode()
        out.append(b"\xC0" + bytes([len(raw)]) + raw + script)
    return out


def chip_answers() -> list[bytes]:
    """Chip answers for reading one file (the SOD): SELECT, then READ BINARY chunks, each answer as
    ``[2-byte length][data][SW1 SW2]``; plain, with a 6700 that makes the reader shrink its chunks, and
    with a 6CXX that makes it ask again."""
    sod = documents().main.files[FID_SOD]

    def answer(data: bytes, sw: int) -> bytes:
        return len(data).to_bytes(2, "big") + data + sw.to_bytes(2, "big")

    def chunks(data: bytes, size: int) -> bytes:
        return b"".join(answer(data[i : i + size], 0x9000) for i in range(0, len(data), size))

    plain = answer(b"", 0x9000) + answer(sod[:8], 0x9000) + chunks(sod[8:], 224)
    shrink = answer(b"", 0x9000) + answer(sod[:8], 0x9000) + answer(b"", 0x6700) + chunks(sod[8:], 168)
    retry = answer(b"", 0x9000) + answer(b"", 0x6C04) + answer(sod[:4], 0x9000) + chunks(sod[4:], 224)
    return [plain, shrink, retry]


def bundle_files() -> dict[str, bytes]:
    """The asset files of the small manifest the bundle target imports into (name -> content)."""
    return {"a.bin": b"fuzz asset A\n" * 8, "b.bin": bytes(range(256))}


def bundle_tar() -> bytes:
    """A bundle as ``export_bundle`` writes it, for the files of ``bundle_files``."""
    from fuzz_targets import bundle_store  # the store and manifest the harness uses

    import tempfile
    from pathlib import Path

    from models.bundle import export_bundle

    with tempfile.TemporaryDirectory() as tmp:
        store = bundle_store(Path(tmp) / "src")
        for name, data in bundle_files().items():
            (store.root / "assets").mkdir(parents=True, exist_ok=True)
            (store.root / "assets" / name).write_bytes(data)
        export_bundle(store, Path(tmp) / "b.tar")
        return (Path(tmp) / "b.tar").read_bytes()


def _gz(data: bytes) -> bytes:
    import gzip

    return gzip.compress(data, mtime=0)


def _small_tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("BUNDLE.json")
        payload = b'{"schema": 1, "files": {}}'
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    return buf.getvalue()


def seeds(target: str) -> list[bytes]:
    """The seed corpus of one target (by its name in ``fuzz_targets.TARGETS``)."""
    d = documents()
    docs = (d.main, d.other)
    table = {
        "tlv": lambda: [doc.files[f] for doc in docs for f in (FID_COM, FID_SOD, 0x0101, 0x010E)],
        "com": lambda: [doc.files[FID_COM] for doc in docs],
        "dg1": lambda: [_dg(doc, 1) for doc in docs],
        "mrz": mrz_texts,
        "dg2": lambda: [_dg(d.other, 2), _dg2_39794(), _dg2_two_faces()],
        "dg11": lambda: [dg11()],
        "dg12": lambda: [dg12()],
        "dg14": lambda: [_dg(doc, 14) for doc in docs] + [build_card_access([PaceOffer.ecdh(), PaceOffer.dh()])],
        "dg15": lambda: [_dg(doc, 15) for doc in docs] + [rsa_dg15()],
        "sod": lambda: [doc.files[FID_SOD] for doc in docs],
        "certificate": lambda: [c for doc in docs for c in (doc.pki.csca_certificate, doc.pki.dsc_certificate)]
        + [_pem(d.main.pki.csca_certificate) + _pem(d.main.pki.dsc_certificate)],
        "crl": lambda: [d.crl],
        "master_list": lambda: [d.master_list],
        "apdu": apdus,
        "sm": sm_responses,
        "read": chip_answers,
        "bundle": lambda: [bundle_tar(), _gz(bundle_tar()), _small_tar()],
    }
    return table[target]()


def _pem(der: bytes) -> bytes:
    import base64

    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"-----BEGIN CERTIFICATE-----\n" + b"\n".join(lines) + b"\n-----END CERTIFICATE-----\n"
