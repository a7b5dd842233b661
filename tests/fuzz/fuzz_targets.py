"""Fuzz targets: one function per parser, each taking the fuzzer's bytes.

A target feeds the bytes to a parser (and to what the kiosk does next with the parsed value: the
passive-authentication run after parsing EF.SOD, the key loading after DG15, the decode of DG2's
image). A target *passes* on an input when it returns or raises the package's typed error family
(``EmrtdError`` for the chip layer, ``ModelError`` for model bundles); any other exception is a crash.
Hangs and memory blow-ups are caught by libFuzzer's ``-timeout`` and ``-rss_limit_mb``
(see ``run_campaign.py``).
"""
from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hardware.emrtd import certs, lds, mrz, passive_auth, tlv
from hardware.emrtd.active_auth import verify_active_authentication
from hardware.emrtd.apdu import ChainingConnection, CommandApdu, split_response, transceive
from hardware.emrtd.chip_auth import choose_ca_key
from hardware.emrtd.crypto import CipherAlg
from hardware.emrtd.errors import CardRemovedError, EmrtdError
from hardware.emrtd.lds import security_infos
from hardware.emrtd.sm import SecureMessaging
from hardware.emrtd.trust import TrustStore, parse_crl
from models.bundle import import_bundle
from models.errors import ModelError
from models.manifest import Entry, Manifest, Source
from models.store import ModelStore

TODAY = _dt.date(2026, 6, 1)
NOW = _dt.datetime(2026, 6, 1, tzinfo=_dt.timezone.utc)


@dataclass(frozen=True)
class Target:
    """A fuzz target: ``run(data)`` exercises a parser; ``allowed`` is its typed error family."""

    name: str
    run: Callable[[bytes], None]
    allowed: tuple[type[BaseException], ...]
    summary: str


def check(target: Target, data: bytes) -> None:
    """Run ``target`` on ``data``; a typed error is a normal outcome, anything else propagates (a crash)."""
    try:
        target.run(data)
    except target.allowed:
        pass


# -- BER-TLV and LDS ------------------------------------------------------------------------------

def _walk(node: tlv.Tlv, depth: int) -> None:
    assert tlv.decode_single(tlv.encode(node.tag, node.value)).value == node.value  # re-encoding round-trips
    if node.constructed and depth < 8:
        for child in node.children():
            _walk(child, depth + 1)


def fuzz_tlv(data: bytes) -> None:
    """BER-TLV: decode the whole input, then every constructed value, and check re-encoding."""
    for node in tlv.decode_all(data):
        _walk(node, 0)


def fuzz_com(data: bytes) -> None:
    """EF.COM."""
    com = lds.parse_com(data)
    _ = com.data_groups, com.lds_version, com.unicode_version


def _use_mrz(m: mrz.Mrz) -> None:
    _ = m.lines, m.access_key_info(), m.birth_date_as_date(TODAY), m.expiry_date_as_date(), repr(m)


def fuzz_dg1(data: bytes) -> None:
    """DG1 and the MRZ inside it."""
    _use_mrz(lds.parse_dg1(data).mrz)


def fuzz_mrz(data: bytes) -> None:
    """MRZ text, as bytes (DG1's form) and as text with line breaks (an OCR or typed MRZ)."""
    for value in (data, data.decode("latin-1")):
        try:
            _use_mrz(mrz.parse(value))
        except mrz.MrzError:
            pass


def fuzz_dg2(data: bytes) -> None:
    """DG2: biometric templates, ISO/IEC 19794-5 and 39794-5 records, then the portrait decode (the one
    image decoder, as the kiosk runs it: its typed errors are ``BadImageError``)."""
    from inference.errors import BadImageError
    from kiosk.workflow.chip_step import decode_dg2_face

    dg2 = lds.parse_dg2(data)
    for face in dg2.faces[:2]:
        try:
            decode_dg2_face(face.image_data)
        except BadImageError:
            pass


def fuzz_dg11(data: bytes) -> None:
    """DG11."""
    lds.parse_dg11(data)


def fuzz_dg12(data: bytes) -> None:
    """DG12."""
    lds.parse_dg12(data)


def fuzz_dg14(data: bytes) -> None:
    """DG14 (or a bare SecurityInfos set, as in EF.CardAccess), then the chip-authentication key choice."""
    if data[:1] == b"\x31":
        infos = security_infos.parse_card_access(data)
    else:
        infos = lds.parse_dg14(data).security_infos
    for info in infos.infos:
        for attr in ("cipher", "key_agreement", "mapping", "hash_name"):
            if hasattr(type(info), attr):
                getattr(info, attr)
    _ = infos.pace_infos, infos.pace_domain_parameters, infos.active_authentication_info
    if infos.chip_authentication_public_keys:
        choose_ca_key(infos)


def fuzz_dg15(data: bytes) -> None:
    """DG15, then an active-authentication check with its key (the signature is wrong on purpose)."""
    dg15 = lds.parse_dg15(data)
    verify_active_authentication(dg15, b"\x01" * 8, b"\x02" * 64)


# -- EF.SOD, certificates, CRLs, master lists -----------------------------------------------------

@functools.lru_cache(maxsize=1)
def _trust() -> tuple[TrustStore, dict[int, bytes], certs.PublicKey]:
    from fuzz_seeds import documents

    d = documents()
    store = TrustStore()
    for doc in (d.main, d.other):
        store.add_certificate(certs.parse_certificate_der(doc.csca_certificate))
    store.add_crl(parse_crl(d.crl))
    csca_key = certs.parse_certificate_der(d.main.csca_certificate).public_key()
    return store, d.main.data_groups, csca_key


def fuzz_sod(data: bytes) -> None:
    """EF.SOD (CMS SignedData + LDSSecurityObject), then passive authentication against the TEST CSCAs."""
    store, data_groups, _ = _trust()
    try:
        sod = lds.parse_sod(data)
        _ = sod.signing_time, sod.certificates, sod.dg_hashes
    except EmrtdError:
        pass
    report = passive_auth.verify(data, data_groups, store, TODAY)
    report.to_dict()


def fuzz_certificate(data: bytes) -> None:
    """Certificates (DER or PEM), their public key, signature algorithm and a signature check."""
    _, _, csca_key = _trust()
    for cert in certs.load_certificates(data)[:4]:
        _ = cert.subject_key, cert.issuer_key, cert.self_issued, cert.valid_at(NOW)
        try:
            cert.public_key()
        except EmrtdError:
            pass
        cert.is_signed_by(csca_key)


def fuzz_crl(data: bytes) -> None:
    """CRLs (DER or PEM) and their signature check."""
    _, _, csca_key = _trust()
    entry = parse_crl(data)
    _ = entry.issuer_key, len(entry.revoked)
    entry.is_signed_by(csca_key)


def fuzz_master_list(data: bytes) -> None:
    """CSCA master lists (CMS SignedData with a certificate list), imported into a store that trusts the
    seed's CSCA (a master list is imported only when its signer chains to a trusted CSCA), so mutated
    lists reach the signature and content checks behind the signer check."""
    from fuzz_seeds import documents

    store = TrustStore()
    store.add_certificate(certs.parse_certificate_der(documents().main.csca_certificate))
    store.add_master_list(data)


# -- APDUs and secure messaging --------------------------------------------------------------------

class _ScriptedCard:
    """A card whose answers come from the fuzzer: ``[2-byte length][data][2-byte SW]`` records."""

    def __init__(self, script: bytes) -> None:
        self.script = script
        self.pos = 0

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        if self.pos + 2 > len(self.script):
            raise CardRemovedError("script exhausted")
        n = int.from_bytes(self.script[self.pos : self.pos + 2], "big")
        data = self.script[self.pos + 2 : self.pos + 2 + n]
        sw_bytes = self.script[self.pos + 2 + n : self.pos + 4 + n]
        self.pos += 4 + n
        if len(sw_bytes) != 2:
            raise CardRemovedError("script exhausted")
        return data, int.from_bytes(sw_bytes, "big")

    def close(self) -> None:
        pass


def fuzz_apdu(data: bytes) -> None:
    """Command APDU decoding (with an encode round-trip), R-APDU splitting, and 61XX/6CXX chaining
    against a card whose answers are fuzzed (input ``C0 len command script``)."""
    if data[:1] == b"\xC0" and len(data) > 2:
        n = data[1]
        conn = ChainingConnection(_ScriptedCard(data[2 + n :]), max_rounds=8)
        transceive(conn, data[2 : 2 + n], accept=(0x9000, 0x6282))
        return
    try:
        split_response(data)
    except EmrtdError:
        pass
    cmd = CommandApdu.parse(data)
    assert CommandApdu.parse(cmd.encode()) == cmd


class _EndlessCard(_ScriptedCard):
    """A hostile chip: it answers from the script and, at its end, starts again from the beginning."""

    def __init__(self, script: bytes, limit: int) -> None:
        super().__init__(script)
        self.limit, self.count = limit, 0

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        self.count += 1
        if self.count > self.limit:  # a bound for the harness only: past it the read counts as a hang
            raise RuntimeError(f"reader still sending after {self.limit} commands")
        try:
            return super().transmit(apdu)
        except CardRemovedError:
            if self.pos == 0 or len(self.script) < 4:
                raise
            self.pos = 0
            return super().transmit(apdu)


def fuzz_read(data: bytes) -> None:
    """Reading a file through ``EmrtdSession`` from a chip whose answers are fuzzed (SELECT, READ BINARY
    chunks, 6282/6CXX/6700 shrinking, odd-INS DO53), as a cloned or hostile chip would answer."""
    from hardware.emrtd.session import EF_COM, EmrtdSession

    session = EmrtdSession(_EndlessCard(data, limit=20000))
    session.read_file(EF_COM)


def _fix_mac(sm_keys: tuple[bytes, bytes], alg: CipherAlg, ssc: int, body: bytes, header: bytes | None) -> bytes:
    """Recompute DO8E so the fuzzed objects pass the MAC check and reach the code behind it."""
    try:
        objs = tlv.decode_all(body)
    except EmrtdError:
        return body
    if not objs or objs[-1].tag != 0x8E:
        return body
    tags = (0x85, 0x87, 0x97) if header is not None else (0x85, 0x87, 0x99)
    found = {o.tag: o for o in objs}
    message = b"".join(found[t].raw for t in tags if t in found)
    helper = SecureMessaging(alg, *sm_keys, ssc=ssc - 1)
    ssc_bytes = helper._next_ssc()
    if header is not None:
        from hardware.emrtd import crypto

        message = crypto.pad(header, alg.block_size) + message
    mac = helper._mac(ssc_bytes, message)
    return b"".join(o.raw for o in objs[:-1]) + tlv.encode(0x8E, mac)


def fuzz_sm(data: bytes) -> None:
    """Secure messaging: protected responses (terminal side) and commands (card side).

    Input: mode byte (bit 0 AES, bit 1 card side, bit 2 keep the MAC as given), a spare byte, the
    outer status word, then the protected body; by default the harness recomputes the MAC.
    """
    from fuzz_seeds import SM_KEYS, SM_SSC

    if len(data) < 4:
        return
    mode, sw, body = data[0], int.from_bytes(data[2:4], "big"), data[4:]
    alg = CipherAlg.AES if mode & 1 else CipherAlg.DES3
    sm = SecureMessaging(alg, *SM_KEYS[alg], ssc=SM_SSC - 1)
    if mode & 2:
        cmd = CommandApdu.parse(body)
        if not mode & 4:
            fixed = _fix_mac(SM_KEYS[alg], alg, SM_SSC, cmd.data, cmd.header())
            cmd = CommandApdu(cmd.cla, cmd.ins, cmd.p1, cmd.p2, fixed, cmd.ne, cmd.extended)
        sm.unwrap_command(cmd)
    else:
        if not mode & 4:
            body = _fix_mac(SM_KEYS[alg], alg, SM_SSC, body, None)
        sm.unwrap_response(body, sw)


# -- model bundles ---------------------------------------------------------------------------------

def bundle_store(root: Path) -> ModelStore:
    """A model store at ``root`` whose manifest lists the two seed asset files."""
    from fuzz_seeds import bundle_files

    assets = tuple(
        Entry(id=name.split(".")[0], task="fuzz asset", file=name, sha256=hashlib.sha256(content).hexdigest(), size=len(content),
              licence="CC0-1.0", source=Source("pypi", "none", "0", name), is_model=False)
        for name, content in bundle_files().items())
    return ModelStore(root, Manifest((), assets))


@functools.lru_cache(maxsize=1)
def _bundle_dir() -> Path:
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="kiosk-fuzz-bundle-", dir=base))


def fuzz_bundle(data: bytes) -> None:
    """Offline model bundles (tar, possibly compressed), imported into an empty store."""
    work = _bundle_dir()
    path = work / "in.tar"
    path.write_bytes(data)
    store = bundle_store(work / "store")
    try:
        import_bundle(store, path)
    finally:
        shutil.rmtree(work / "store", ignore_errors=True)


_CHIP = (EmrtdError,)
TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("tlv", fuzz_tlv, _CHIP, "BER-TLV decoding (ICAO 9303-10, ISO/IEC 7816-4)"),
    Target("com", fuzz_com, _CHIP, "EF.COM"),
    Target("dg1", fuzz_dg1, _CHIP, "DG1 and its MRZ"),
    Target("mrz", fuzz_mrz, _CHIP, "MRZ text (TD1, TD2, TD3)"),
    Target("dg2", fuzz_dg2, _CHIP, "DG2: ISO/IEC 19794-5 and 39794-5 records, image decode"),
    Target("dg11", fuzz_dg11, _CHIP, "DG11"),
    Target("dg12", fuzz_dg12, _CHIP, "DG12"),
    Target("dg14", fuzz_dg14, _CHIP, "DG14 / EF.CardAccess SecurityInfos, CA key choice"),
    Target("dg15", fuzz_dg15, _CHIP, "DG15 and the active-authentication key"),
    Target("sod", fuzz_sod, _CHIP, "EF.SOD / CMS SignedData, then passive authentication"),
    Target("certificate", fuzz_certificate, _CHIP, "X.509 certificates (DER, PEM), keys, signatures"),
    Target("crl", fuzz_crl, _CHIP, "CRLs (DER, PEM) and their signature"),
    Target("master_list", fuzz_master_list, _CHIP, "CSCA master lists"),
    Target("apdu", fuzz_apdu, _CHIP, "command/response APDUs, 61XX/6CXX chaining"),
    Target("read", fuzz_read, _CHIP, "file reading from a fuzzed chip (chunking, shrinking, DO53)"),
    Target("sm", fuzz_sm, _CHIP, "secure-messaging responses and commands (3DES, AES)"),
    Target("bundle", fuzz_bundle, (ModelError,), "offline model bundles (tar)"),
)}
