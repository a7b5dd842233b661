"""Sealed evidence (issue 12 item 2): images and templates sealed with HPKE to the back office's public
key open with its private key only, only for the row they were sealed for; the kiosk's own keys
(keys.json) cannot open them; rotation keeps old blobs openable with the old private key; missing,
unknown and wrong keys, and damaged blobs, are typed errors that say what to do; the blobs are
standard RFC 9180 HPKE (checked against the RFC's key schedule written out with plain primitives)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
from pathlib import Path

import numpy as np
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select

from kiosk.cli import main
from storage.backoffice_keys import BackofficeKeyring, generate_key_pair, read_private_key, read_public_key
from storage.errors import DecryptionError, KeyStoreError
from storage.sealed_evidence import (
    TEMPLATE_MEDIA_TYPE,
    record_backoffice_key,
    recorded_backoffice_key,
    seal_identity_for_central,
    seal_image_for_central,
    seal_template_for_central,
)
from storage.sealing import (
    SUITE,
    BackofficeKeyMissingError,
    BackofficePublicKey,
    DamagedBlobError,
    UnknownKeyIdError,
    WrongKeyError,
    key_id_of,
    open_evidence,
    seal_evidence,
    sealing_info,
)
from storage.tables import AuditEventRow, TemplateRow

from storage_helpers import SURNAME  # noqa: E402

PASS = "back office passphrase 2026"
PLACE = {"kiosk_id": "branch-berlin-1", "session_id": "a" * 32, "evidence_id": "b" * 32, "kind": "image/live"}


@pytest.fixture
def bo_key(tmp_path: Path) -> tuple[BackofficePublicKey, BackofficeKeyring]:
    """A back-office key pair on disk (cheapest scrypt cost) and the reviewer's keyring over its folder."""
    public, _, _ = generate_key_pair(tmp_path / "bo", PASS, log2_n=14)
    return public, BackofficeKeyring(tmp_path / "bo", PASS)


def test_round_trip_and_fresh_ciphertext_each_time(bo_key) -> None:  # type: ignore[no-untyped-def]
    public, ring = bo_key
    a = seal_evidence(b"portrait bytes", public_key=public, **PLACE)
    b = seal_evidence(b"portrait bytes", public_key=public, **PLACE)
    assert a != b  # a fresh ephemeral key per blob (HPKE base mode)
    assert open_evidence(a, private_keys=ring, **PLACE) == b"portrait bytes"
    assert open_evidence(b, private_keys=ring, **PLACE) == b"portrait bytes"
    assert b"portrait" not in a


@pytest.mark.parametrize("field", ["kiosk_id", "session_id", "evidence_id", "kind"])
def test_a_blob_moved_to_another_row_does_not_open(bo_key, field: str) -> None:  # type: ignore[no-untyped-def]
    public, ring = bo_key
    blob = seal_evidence(b"template", public_key=public, **PLACE)
    moved = {**PLACE, field: PLACE[field][:-1] + "c"}
    with pytest.raises(DamagedBlobError, match="altered or belongs to another row"):
        open_evidence(blob, private_keys=ring, **moved)


def test_damaged_blobs_are_named(bo_key) -> None:  # type: ignore[no-untyped-def]
    public, ring = bo_key
    blob = seal_evidence(b"x" * 100, public_key=public, **PLACE)
    flipped = bytearray(blob)
    flipped[-20] ^= 1
    for bad in (bytes(flipped), blob[:30], b"IKB1" + blob[4:], b""):
        with pytest.raises(DamagedBlobError):
            open_evidence(bad, private_keys=ring, **PLACE)


def test_unknown_and_wrong_keys(tmp_path: Path, bo_key) -> None:  # type: ignore[no-untyped-def]
    public, ring = bo_key
    blob = seal_evidence(b"evidence", public_key=public, **PLACE)
    other, _, _ = generate_key_pair(tmp_path / "other", PASS, log2_n=14)
    with pytest.raises(UnknownKeyIdError, match=public.key_id):
        open_evidence(blob, private_keys=BackofficeKeyring(tmp_path / "other", PASS), **PLACE)
    with pytest.raises(WrongKeyError, match="another key"):  # a key filed under the wrong id
        open_evidence(blob, private_keys={public.key_id: X25519PrivateKey.generate()}, **PLACE)
    with pytest.raises(WrongKeyError, match="wrong passphrase"):
        open_evidence(blob, private_keys=BackofficeKeyring(tmp_path / "bo", "not the passphrase"), **PLACE)
    # Re-framed under another key's id: that key is held, but the blob is not sealed to it.
    other_ring = {other.key_id: read_private_key(tmp_path / "other" / f"{other.key_id}.key", PASS),
                  public.key_id: ring.private_key(public.key_id)}
    kid = public.key_id.encode()
    reframed = blob[:5] + other.key_id.encode() + blob[5 + len(kid):]
    with pytest.raises(DamagedBlobError):
        open_evidence(reframed, private_keys=other_ring, **PLACE)


def test_key_files(tmp_path: Path) -> None:
    public, key_path, pub_path = generate_key_pair(tmp_path / "bo", PASS, log2_n=14)
    assert key_path.name == f"{public.key_id}.key" and pub_path.name == f"{public.key_id}.pub"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert read_public_key(pub_path) == public
    private = read_private_key(key_path, PASS)
    assert key_id_of(private.public_key()) == public.key_id
    raw = private.private_bytes_raw()
    text = key_path.read_bytes()
    assert base64.b64encode(raw) not in text and raw.hex().encode() not in text  # never in clear
    with pytest.raises(KeyStoreError, match="passphrase must have at least"):
        generate_key_pair(tmp_path / "weak", "short", log2_n=14)
    with pytest.raises(KeyStoreError, match="never the .key file"):
        read_public_key(key_path)
    doc = json.loads(pub_path.read_text())
    pub_path.write_text(json.dumps({**doc, "suite": "HPKE base, DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM"}))
    with pytest.raises(KeyStoreError, match="this version seals with"):
        read_public_key(pub_path)
    doc["key_id"] = "bo-0000000000000000"
    pub_path.write_text(json.dumps(doc))
    with pytest.raises(WrongKeyError, match="edited or damaged"):
        read_public_key(pub_path)
    doc = json.loads(key_path.read_text())
    doc["key_id"] = "bo-0000000000000000"  # the key id is associated data of the private key file
    key_path.write_text(json.dumps(doc))
    with pytest.raises(WrongKeyError, match="wrong passphrase, or the file was altered"):
        read_private_key(key_path, PASS)
    with pytest.raises(BackofficeKeyMissingError, match="not found"):
        BackofficeKeyring(tmp_path / "nowhere", PASS)


def _image_and_template(store, make_record):  # type: ignore[no-untyped-def]
    rec = store.decisions.record_session(make_record("review", template=np.linspace(-1, 1, 128, dtype=np.float32)))
    with store.db.read() as s:
        template_id = s.execute(select(TemplateRow.id).where(TemplateRow.session_id == rec.session_id)).scalar_one()
    return rec, rec.image_ids[0], template_id


def test_kiosk_seals_its_evidence_for_the_back_office(store, make_record, bo_key) -> None:  # type: ignore[no-untyped-def]
    public, ring = bo_key
    rec, image_id, template_id = _image_and_template(store, make_record)
    with pytest.raises(BackofficeKeyMissingError, match="kiosk fleet set-backoffice-key"):
        seal_image_for_central(store, image_id, kiosk_id="branch-1")
    record_backoffice_key(store, public, "cli:test")
    _, local = store.decisions.load_image(image_id, "test")
    sealed = seal_image_for_central(store, image_id, kiosk_id="branch-1")
    assert (sealed.evidence_id, sealed.session_id, sealed.key_id) == (image_id, rec.session_id, public.key_id)
    assert sealed.kind == "image/dg2" and sealed.media_type == "image/jpeg"
    assert open_evidence(sealed.blob, private_keys=ring, kiosk_id="branch-1", session_id=rec.session_id,
                         evidence_id=image_id, kind=sealed.kind) == local
    t = seal_template_for_central(store, template_id, kiosk_id="branch-1")
    assert t.kind == "template/live" and t.media_type == TEMPLATE_MEDIA_TYPE
    vec = np.frombuffer(open_evidence(t.blob, private_keys=ring, kiosk_id="branch-1", session_id=rec.session_id,
                                      evidence_id=template_id, kind=t.kind), dtype="<f4")
    assert np.array_equal(vec, np.linspace(-1, 1, 128, dtype=np.float32))
    ident = seal_identity_for_central(store, rec.session_id, kiosk_id="branch-1")
    assert ident is not None and (ident.evidence_id, ident.kind) == (rec.session_id, "identity")
    fields = json.loads(open_evidence(ident.blob, private_keys=ring, kiosk_id="branch-1", session_id=rec.session_id,
                                      evidence_id=rec.session_id, kind="identity"))
    assert fields["surname"] == SURNAME
    bare = store.decisions.record_session(make_record("accept", doc="X12345678", identity=None))
    assert seal_identity_for_central(store, bare.session_id, kiosk_id="branch-1") is None
    # Sealing for the centre is not someone viewing the image: only the load_image above is audited.
    with store.db.read() as s:
        kinds = list(s.execute(select(AuditEventRow.kind).order_by(AuditEventRow.seq)).scalars())
    assert kinds.count("image_viewed") == 1
    assert store.verify().ok


def test_the_kiosks_own_keys_cannot_open_a_sealed_blob(store, make_record, bo_key) -> None:  # type: ignore[no-untyped-def]
    public, ring = bo_key
    rec, image_id, _ = _image_and_template(store, make_record)
    record_backoffice_key(store, public, "cli:test")
    sealed = seal_image_for_central(store, image_id, kiosk_id="branch-1")
    place = dict(kiosk_id="branch-1", session_id=rec.session_id, evidence_id=image_id, kind=sealed.kind)
    km = store.keys.keys
    secrets = [*km.data_keys.values(), *km.audit_keys.values(), km.document_hmac_key, km.export_signing_seed]
    body = sealed.blob[5 + len(public.key_id):]
    info = sealing_info(key_id=public.key_id, **place)
    for secret in secrets:
        as_x25519 = X25519PrivateKey.from_private_bytes(secret)
        with pytest.raises(WrongKeyError):  # filed under the blob's key id, it is seen not to be that key
            open_evidence(sealed.blob, private_keys={public.key_id: as_x25519}, **place)
        with pytest.raises(InvalidTag):  # and without that check, HPKE itself refuses it
            SUITE.decrypt(body, as_x25519, info=info)
        with pytest.raises(InvalidTag):  # nor does any of them open it as an AES-GCM key
            AESGCM(secret).decrypt(body[32:44], body[44:], info)
    for kid in km.data_keys:  # the kiosk's own decryption path refuses it too
        with pytest.raises(DecryptionError):
            store.keys.cipher.decrypt(kid, sealed.blob, info)
    assert open_evidence(sealed.blob, private_keys=ring, **place)  # while the back office's key opens it


def test_rotation_new_evidence_to_the_new_key_old_blobs_with_the_old_key(tmp_path: Path, store, make_record) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "bo"
    k1, _, _ = generate_key_pair(folder, PASS, log2_n=14)
    assert record_backoffice_key(store, k1, "cli:test") is None
    rec, image_id, template_id = _image_and_template(store, make_record)
    old = seal_image_for_central(store, image_id, kiosk_id="branch-1")
    k2, _, _ = generate_key_pair(folder, PASS, log2_n=14)
    assert record_backoffice_key(store, k2, "cli:test") == k1.key_id
    assert record_backoffice_key(store, k2, "cli:test") == k2.key_id  # unchanged: no second event
    assert recorded_backoffice_key(store.data_dir) == k2
    new = seal_template_for_central(store, template_id, kiosk_id="branch-1")
    assert (old.key_id, new.key_id) == (k1.key_id, k2.key_id)
    ring = BackofficeKeyring(folder, PASS)
    assert ring.key_ids() == sorted([k1.key_id, k2.key_id])
    open_evidence(old.blob, private_keys=ring, kiosk_id="branch-1", session_id=rec.session_id,
                  evidence_id=image_id, kind=old.kind)
    open_evidence(new.blob, private_keys=ring, kiosk_id="branch-1", session_id=rec.session_id,
                  evidence_id=template_id, kind=new.kind)
    (folder / f"{k1.key_id}.key").unlink()  # the back office lost the old private key
    with pytest.raises(UnknownKeyIdError, match="old private keys must be kept"):
        open_evidence(old.blob, private_keys=BackofficeKeyring(folder, PASS), kiosk_id="branch-1",
                      session_id=rec.session_id, evidence_id=image_id, kind=old.kind)
    with store.db.read() as s:
        changes = [json.loads(d) for d in s.execute(select(AuditEventRow.details).where(
            AuditEventRow.kind == "config_change").order_by(AuditEventRow.seq)).scalars()]
    assert changes == [{"setting": "backoffice_key", "previous": None, "current": k1.key_id},
                       {"setting": "backoffice_key", "previous": k1.key_id, "current": k2.key_id}]
    assert store.verify().ok


def test_commands(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BO_PASS", PASS)
    assert main(["backoffice", "keygen", "--out", str(tmp_path / "bo"), "--passphrase-env", "BO_PASS"]) == 0
    (pub,) = (tmp_path / "bo").glob("*.pub")
    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["fleet", "set-backoffice-key", str(pub), *data]) == 0
    assert f"sealed to back-office key {pub.stem}" in capsys.readouterr().out
    assert main(["fleet", "set-backoffice-key", str(pub.with_suffix(".key")), *data]) == 1
    assert "never the .key file" in capsys.readouterr().err
    assert main(["fleet", "show", *data]) == 0
    assert pub.stem in capsys.readouterr().out
    monkeypatch.setenv("EMPTY", "")
    assert main(["backoffice", "keygen", "--out", str(tmp_path / "bo2"), "--passphrase-env", "EMPTY"]) == 2
    assert "empty or unset" in capsys.readouterr().err


# --- RFC 9180 written out from the RFC with plain primitives (section 4, 4.1, 5.1, 7.1), to show the blobs
# --- are standard HPKE: a back office on another HPKE implementation opens them, and ours opens theirs.
_KEM_SUITE = b"KEM\x00\x20"  # DHKEM(X25519, HKDF-SHA256)
_HPKE_SUITE = b"HPKE\x00\x20\x00\x01\x00\x02"  # that KEM, HKDF-SHA256, AES-256-GCM


def _extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def _labeled_extract(suite: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return _extract(salt, b"HPKE-v1" + suite + label + ikm)


def _labeled_expand(suite: bytes, prk: bytes, label: bytes, info: bytes, n: int) -> bytes:
    return HKDFExpand(hashes.SHA256(), n, n.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info).derive(prk)


def _key_schedule(shared: bytes, info: bytes) -> tuple[bytes, bytes]:
    ctx = b"\x00" + _labeled_extract(_HPKE_SUITE, b"", b"psk_id_hash", b"") + \
        _labeled_extract(_HPKE_SUITE, b"", b"info_hash", info)
    secret = _labeled_extract(_HPKE_SUITE, shared, b"secret", b"")
    return (_labeled_expand(_HPKE_SUITE, secret, b"key", ctx, 32),
            _labeled_expand(_HPKE_SUITE, secret, b"base_nonce", ctx, 12))


def _shared_secret(dh: bytes, enc: bytes, pk_r: bytes) -> bytes:
    prk = _labeled_extract(_KEM_SUITE, b"", b"eae_prk", dh)
    return _labeled_expand(_KEM_SUITE, prk, b"shared_secret", enc + pk_r, 32)


def test_blobs_are_standard_rfc9180_hpke(tmp_path: Path) -> None:
    public, key_path, _ = generate_key_pair(tmp_path / "bo", PASS, log2_n=14)
    sk_r = read_private_key(key_path, PASS)
    pk_r = public.key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    info = sealing_info(key_id=public.key_id, **PLACE)

    blob = seal_evidence(b"opened elsewhere", public_key=public, **PLACE)
    body = blob[5 + len(public.key_id):]
    enc, ct = body[:32], body[32:]
    key, nonce = _key_schedule(_shared_secret(sk_r.exchange(X25519PublicKey.from_public_bytes(enc)), enc, pk_r), info)
    assert AESGCM(key).decrypt(nonce, ct, b"") == b"opened elsewhere"  # single-shot: sequence 0, empty aad

    sk_e = X25519PrivateKey.generate()  # the other direction: sealed by hand, opened by open_evidence
    enc = sk_e.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key, nonce = _key_schedule(_shared_secret(sk_e.exchange(public.key), enc, pk_r), info)
    theirs = b"IKH1" + bytes([len(public.key_id)]) + public.key_id.encode() + enc + \
        AESGCM(key).encrypt(nonce, b"sealed elsewhere", b"")
    assert open_evidence(theirs, private_keys=BackofficeKeyring(tmp_path / "bo", PASS), **PLACE) == b"sealed elsewhere"
