"""Sealed evidence through a real central store (issue 12 items 2-3; PostgreSQL on 127.0.0.1): a kiosk syncs
with evidence on; the central reviewer opens it with the back-office keys (audited centrally); the kiosk's
own keys cannot; a blob moved to another central row does not open (and the attempt is audited); after a
key rotation new evidence goes to the new key and old evidence still opens with the old private key."""
from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select, update

from kiosk.cli import main
from storage.backoffice_keys import BackofficeKeyring, generate_key_pair
from storage.central import schema
from storage.central.central_audit import verify_central_audit
from storage.central.evidence import list_central_evidence, open_central_evidence
from storage.backoffice_signing import new_signer
from storage.central.kiosks import register_kiosk_key
from storage.central.push import SyncOptions, sync_store
from storage.central.store import CentralStore
from storage.errors import NotFoundError
from storage.head_signing import head_signing_public_key
from storage.sealed_evidence import record_backoffice_key
from storage.sealing import SUITE, DamagedBlobError, UnknownKeyIdError, WrongKeyError, sealing_info

PASS = "back office passphrase 2026"
SIGNER = new_signer()
KIOSK = "branch-hamburg-2"


@pytest.fixture
def central(pg_db: str):  # type: ignore[no-untyped-def]
    c = CentralStore(pg_db)
    c.init_schema(SIGNER.public_key)
    yield c
    c.dispose()


def _sync(store, central: CentralStore) -> None:  # type: ignore[no-untyped-def]
    report = sync_store(store, central.url, KIOSK, SyncOptions(push_evidence=True))
    assert report.evidence_skipped is None, report.evidence_skipped


def _kiosk(store, central: CentralStore, public) -> None:  # type: ignore[no-untyped-def]
    _, pub = head_signing_public_key(store.keys.keys)
    register_kiosk_key(central, KIOSK, pub, SIGNER, "test")
    record_backoffice_key(store, public, "cli:test")


def _central_rows(central: CentralStore) -> dict[str, object]:
    with central.begin("test read", snapshot=True) as conn:
        return {r.evidence_id: r for r in conn.execute(select(schema.evidence))}


def test_central_reviewer_opens_what_the_kiosk_cannot(tmp_path: Path, store, make_record, central) -> None:  # type: ignore[no-untyped-def]
    public, _, _ = generate_key_pair(tmp_path / "bo", PASS, log2_n=14)
    _kiosk(store, central, public)
    rec = store.decisions.record_session(make_record("review"))
    _sync(store, central)
    ring = BackofficeKeyring(tmp_path / "bo", PASS)
    items = list_central_evidence(central, kiosk_id=KIOSK, session_id=rec.session_id)
    assert {e.evidence_id for e in items} >= set(rec.image_ids)
    assert all(e.key_id == public.key_id for e in items)
    for image_id in rec.image_ids:
        _, local = store.decisions.load_image(image_id, "test")
        info, data = open_central_evidence(central, ring, kiosk_id=KIOSK, evidence_id=image_id, actor="reviewer:ana")
        assert data == local and info.kind.startswith("image/")
    with central.begin("test read", snapshot=True) as conn:
        kinds = list(conn.execute(select(schema.central_audit.c.kind).order_by(schema.central_audit.c.seq)).scalars())
        assert verify_central_audit(conn).ok
    assert kinds.count("image_viewed") == len(rec.image_ids)

    # The kiosk's own secrets, every one of them, do not open a central blob.
    km = store.keys.keys
    secrets = [*km.data_keys.values(), *km.audit_keys.values(), km.document_hmac_key, km.export_signing_seed]
    row = _central_rows(central)[rec.image_ids[0]]
    body = row.sealed[5 + len(row.key_id):]
    info_bytes = sealing_info(row.kiosk_id, row.session_id, row.evidence_id, row.kind, row.key_id)
    for secret in secrets:
        with pytest.raises(InvalidTag):
            SUITE.decrypt(body, X25519PrivateKey.from_private_bytes(secret), info=info_bytes)
        with pytest.raises(WrongKeyError):
            open_central_evidence(central, {row.key_id: X25519PrivateKey.from_private_bytes(secret)},
                                  kiosk_id=KIOSK, evidence_id=row.evidence_id, actor="kiosk")
    with pytest.raises(UnknownKeyIdError):  # the kiosk's data folder holds no back-office private key
        open_central_evidence(central, BackofficeKeyring(store.data_dir, PASS), kiosk_id=KIOSK,
                              evidence_id=row.evidence_id, actor="kiosk")
    with pytest.raises(NotFoundError):
        open_central_evidence(central, ring, kiosk_id="another-kiosk", evidence_id=row.evidence_id, actor="x")


def test_a_blob_moved_to_another_central_row_does_not_open(tmp_path: Path, store, make_record, central) -> None:  # type: ignore[no-untyped-def]
    public, _, _ = generate_key_pair(tmp_path / "bo", PASS, log2_n=14)
    _kiosk(store, central, public)
    a = store.decisions.record_session(make_record("review", seed=1))
    b = store.decisions.record_session(make_record("review", doc="L898902C3", seed=5))
    _sync(store, central)
    rows = _central_rows(central)
    src, dst = rows[a.image_ids[0]], rows[b.image_ids[0]]
    assert src.kind == dst.kind  # same kind: only the row differs
    with central.begin("test tamper") as conn:
        conn.execute(update(schema.evidence).where(schema.evidence.c.evidence_id == dst.evidence_id)
                     .values(sealed=src.sealed))
    ring = BackofficeKeyring(tmp_path / "bo", PASS)
    with pytest.raises(DamagedBlobError, match=f"sealed evidence {dst.evidence_id}.*belongs to another row"):
        open_central_evidence(central, ring, kiosk_id=KIOSK, evidence_id=dst.evidence_id, actor="reviewer:ana")
    with central.begin("test tamper") as conn:  # and a row whose columns were edited to point elsewhere
        conn.execute(update(schema.evidence).where(schema.evidence.c.evidence_id == src.evidence_id)
                     .values(session_id=b.session_id))
    with pytest.raises(DamagedBlobError):
        open_central_evidence(central, ring, kiosk_id=KIOSK, evidence_id=src.evidence_id, actor="reviewer:ana")
    with central.begin("test read", snapshot=True) as conn:
        failed = conn.execute(select(schema.central_audit.c.details).where(
            schema.central_audit.c.kind == "evidence_open_failed")).scalars().all()
    assert len(failed) == 2 and all('"error":"DamagedBlobError"' in d for d in failed)


def test_rotation_old_evidence_opens_with_the_old_key(tmp_path: Path, store, make_record, central) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "bo"
    k1, _, _ = generate_key_pair(folder, PASS, log2_n=14)
    _kiosk(store, central, k1)
    old = store.decisions.record_session(make_record("review", seed=2))
    _sync(store, central)
    k2, _, _ = generate_key_pair(folder, PASS, log2_n=14)
    record_backoffice_key(store, k2, "cli:test")
    new = store.decisions.record_session(make_record("review", doc="P12345678", seed=3))
    _sync(store, central)
    rows = _central_rows(central)
    assert {rows[i].key_id for i in old.image_ids} == {k1.key_id}  # already pushed: stays as it was
    assert {rows[i].key_id for i in new.image_ids} == {k2.key_id}
    ring = BackofficeKeyring(folder, PASS)
    for image_id in (*old.image_ids, *new.image_ids):
        open_central_evidence(central, ring, kiosk_id=KIOSK, evidence_id=image_id, actor="reviewer:ana")
    (folder / f"{k1.key_id}.key").unlink()
    with pytest.raises(UnknownKeyIdError, match=k1.key_id):
        open_central_evidence(central, BackofficeKeyring(folder, PASS), kiosk_id=KIOSK,
                              evidence_id=old.image_ids[0], actor="reviewer:ana")
    open_central_evidence(central, BackofficeKeyring(folder, PASS), kiosk_id=KIOSK, evidence_id=new.image_ids[0],
                          actor="reviewer:ana")


def test_open_evidence_command(tmp_path: Path, store, make_record, central, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    public, _, _ = generate_key_pair(tmp_path / "bo", PASS, log2_n=14)
    _kiosk(store, central, public)
    rec = store.decisions.record_session(make_record("review"))
    _sync(store, central)
    monkeypatch.setenv("BO_PASS", PASS)
    assert main(["backoffice", "evidence", "--central", central.url, "--kiosk", KIOSK, "--session", rec.session_id]) == 0
    assert rec.image_ids[0] in capsys.readouterr().out
    out = tmp_path / "portrait.jpg"
    assert main(["backoffice", "open-evidence", "--central", central.url, "--kiosk", KIOSK, "--evidence",
                 rec.image_ids[0], "--keys", str(tmp_path / "bo"), "--out", str(out), "--passphrase-env", "BO_PASS"]) == 0
    assert out.read_bytes() == store.decisions.load_image(rec.image_ids[0], "test")[1]
    assert (out.stat().st_mode & 0o777) == 0o600
    monkeypatch.setenv("BAD_PASS", "not the right passphrase")
    assert main(["backoffice", "open-evidence", "--central", central.url, "--kiosk", KIOSK, "--evidence",
                 rec.image_ids[0], "--keys", str(tmp_path / "bo"), "--out", str(out), "--passphrase-env", "BAD_PASS"]) == 1
    assert "wrong passphrase" in capsys.readouterr().err
