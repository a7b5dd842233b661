"""``kiosk audit verify --central``: an edited, inserted or deleted central event or row is named
(exit 1), without any kiosk's audit key."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection, text

from fleet_helpers import SIGNER, make_kiosk, revoke
from kiosk.cli import main
from storage.central.chain import event_hash
from storage.central.errors import CentralConflictError
from storage.central.kiosks import register_kiosk_key
from storage.central.push import Syncer, SyncOptions
from storage.central.store import CentralStore
from storage.backoffice_signing import new_signer
from storage.errors import StorageInputError
from storage.review_queries import SessionQuery


@pytest.fixture
def fleet(central, tmp_path, make_record, clock) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Two kiosks synced (k1 in batches of 2, with a review), and k1's ids for the tamper cases."""
    k1 = make_kiosk(tmp_path, "k1", 4, make_record, clock, central)
    k2 = make_kiosk(tmp_path, "k2", 1, make_record, clock, central)
    Syncer(k1, central, "k1", SyncOptions(batch_sessions=2)).run()
    Syncer(k2, central, "k2").run()
    with central.begin() as conn:
        ids = {t: conn.execute(text(f"SELECT id FROM fleet_{t} WHERE origin_kiosk = 'k1' ORDER BY id LIMIT 1")).scalar()
               for t in ("sessions", "decisions", "reviews", "images")}
        ids["last_seq"] = conn.execute(text("SELECT max(seq) FROM fleet_audit_events WHERE kiosk_id = 'k1'")).scalar()
    k1.close()
    k2.close()
    return ids


def _verify(central: CentralStore, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["audit", "verify", "--central", central.url, *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_an_untouched_fleet_verifies(central, fleet, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out = _verify(central, capsys)
    assert code == 0, out
    assert "kiosk k1: intact" in out and "kiosk k2: intact" in out and "central audit chain intact: 2 events" in out
    code, out = _verify(central, capsys, "--kiosk", "k2")
    assert code == 0 and "k1" not in out


def _sql(statement: str) -> Callable[[Connection, dict[str, Any]], None]:
    return lambda conn, ids: conn.execute(text(statement.format(**ids)))


def _rehash_after_edit(conn: Connection, ids: dict[str, Any]) -> None:
    """Edit event 3 and recompute every later stored chain hash, as a careful forger would."""
    conn.execute(text("UPDATE fleet_audit_events SET actor = 'operator:mallory' WHERE kiosk_id = 'k1' AND seq = 3"))
    prev = "0" * 64
    for ev in conn.execute(text("SELECT * FROM fleet_audit_events WHERE kiosk_id = 'k1' ORDER BY seq")).all():
        prev = event_hash(prev, ev.seq, ev.at, ev.kind, ev.actor, ev.session_id, ev.details, ev.key_id, ev.mac)
        conn.execute(text("UPDATE fleet_audit_events SET chain_hash = :h WHERE kiosk_id = 'k1' AND seq = :s"),
                     {"h": prev, "s": ev.seq})


TAMPER: dict[str, tuple[Callable[[Connection, dict[str, Any]], None], str]] = {
    "edited session row": (_sql("UPDATE fleet_sessions SET mode = 'assisted' WHERE id = '{sessions}'"),
                           "table sessions, id {sessions}"),
    "edited decision outcome": (_sql("UPDATE fleet_decisions SET outcome = 'reject', final_outcome = 'reject' "
                                     "WHERE id = '{decisions}'"), "table decisions, id {decisions}"),
    "deleted review row": (_sql("DELETE FROM fleet_reviews WHERE id = '{reviews}'"), "table reviews, id {reviews}"),
    "deleted image row": (_sql("DELETE FROM fleet_images WHERE id = '{images}'"), "table images, id {images}"),
    "inserted session row": (_sql("INSERT INTO fleet_sessions SELECT origin_kiosk, 'z' || substr(id, 2), kiosk_id, "
                                  "mode, started_at, ended_at, created_at, document_key, identity_kid, identity_ct, "
                                  "chip, checks, model_versions, config_hash, seal, digest, announced_seq FROM "
                                  "fleet_sessions WHERE id = '{sessions}'"), "table sessions, id z"),
    "edited event": (_sql("UPDATE fleet_audit_events SET details = replace(details, '\"outcome\":', "
                          "'\"outcome\": ') WHERE kiosk_id = 'k1' AND seq = 3"), "seq 3"),  # 1: head_authenticated
    "deleted event in the middle": (_sql("DELETE FROM fleet_audit_events WHERE kiosk_id = 'k1' AND seq = 4"), "seq 4"),
    "deleted last event": (_sql("DELETE FROM fleet_audit_events WHERE kiosk_id = 'k1' AND seq = {last_seq}"),
                           "seq {last_seq}"),
    "edited event with chain hashes recomputed": (_rehash_after_edit, "seq "),
    "forged signed head": (_sql("UPDATE fleet_signed_heads SET signature = (SELECT signature FROM fleet_signed_heads "
                                "WHERE kiosk_id = 'k2') WHERE kiosk_id = 'k1' AND seq = {last_seq}"),
                           "seq {last_seq}"),
}


@pytest.mark.parametrize("case", sorted(TAMPER))
def test_tampering_at_the_centre_is_named(central, fleet, capsys, case: str) -> None:  # type: ignore[no-untyped-def]
    tamper, where = TAMPER[case]
    with central.begin() as conn:
        tamper(conn, fleet)
    code, out = _verify(central, capsys)
    assert code == 1, out
    assert f"kiosk k1: BROKEN (first bad row: {where.format(**fleet)}" in out, out
    assert "kiosk k2: intact" in out  # the other kiosk's history is unaffected and said so


def test_register_refuses_a_key_of_another_kiosk_and_a_revoked_key(central, tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    from storage.head_signing import head_signing_public_key, key_fingerprint

    st = make_kiosk(tmp_path, "k1", 0, make_record, clock, central)
    _, public = head_signing_public_key(st.keys.keys)
    with pytest.raises(CentralConflictError, match="registered for kiosk k1"):
        register_kiosk_key(central, "k2", public, SIGNER, "t")  # one key, one kiosk
    assert register_kiosk_key(central, "k1", public, SIGNER, "t") == (key_fingerprint(public), False)
    revoke(central, key_fingerprint(public))
    with pytest.raises(CentralConflictError, match="never trusted again"):
        register_kiosk_key(central, "k1", public, SIGNER, "t")
    with pytest.raises(StorageInputError, match="not the back-office signing key"):
        register_kiosk_key(central, "k1", public, new_signer(), "t")  # a signing key the centre does not trust
    st.close()


def test_central_commands_init_register_revoke(central, tmp_path, make_record, clock, capsys,  # type: ignore[no-untyped-def]
                                               monkeypatch) -> None:
    from storage.backoffice_signing import generate_signing_key_pair, read_signing_public_key
    from storage.head_signing import head_signing_public_key

    monkeypatch.setenv("BO_PASS", "signing passphrase 2026")
    key_id_bo, key_path, pub_path = generate_signing_key_pair(tmp_path / "bo", "signing passphrase 2026", log2_n=14)
    url = _new_database(central)
    assert main(["central", "init", "--central", url, "--backoffice-signing-key", str(pub_path)]) == 0
    assert key_id_bo in capsys.readouterr().out
    assert main(["central", "init", "--central", url]) == 0  # idempotent; the pinned key stays
    other_pub = generate_signing_key_pair(tmp_path / "other", "signing passphrase 2026", log2_n=14)[2]
    assert main(["central", "init", "--central", url, "--backoffice-signing-key", str(other_pub)]) == 1
    assert "another back-office signing key" in capsys.readouterr().err
    st = make_kiosk(tmp_path, "k7", 2, make_record, clock)
    key_id, public = head_signing_public_key(st.keys.keys)
    base = ["central", "register", "--central", url, "--kiosk", "k7", "--public-key", public]
    signed = ["--signing-key", str(key_path), "--passphrase-env", "BO_PASS"]
    with pytest.raises(SystemExit):  # no back-office signing key: argparse refuses
        main(base)
    assert "--signing-key" in capsys.readouterr().err
    assert main([*base, *signed]) == 0 and main([*base, *signed]) == 0
    assert "was already registered" in capsys.readouterr().out
    assert main([*base, "--key-id", "e-chosen", *signed]) == 2
    assert "not the fingerprint" in capsys.readouterr().err
    assert main(["central", "register", "--central", url, "--kiosk", "k7", "--public-key", "bm90IGEga2V5",
                 *signed]) == 2  # not 32 bytes
    assert "raw Ed25519 public key" in capsys.readouterr().err
    target = CentralStore(url)
    Syncer(st, target, "k7").run()
    with pytest.raises(SystemExit):
        main(["central", "revoke", "--central", url, "--key-id", key_id])
    capsys.readouterr()
    assert main(["central", "revoke", "--central", url, "--key-id", key_id, *signed]) == 0
    st.decisions.record_session(make_record("accept", kiosk_id="k7", doc="AFTER1"))
    assert main(["sync", "--central", url, "--data-dir", str(tmp_path / "k7"), "--kiosk-id", "k7"]) == 1
    assert "was revoked" in capsys.readouterr().err
    code = main(["audit", "verify", "--central", url, "--kiosk", "k7"])
    out = capsys.readouterr().out
    assert code == 0 and "intact" in out  # what was pushed before the revocation still verifies
    assert main(["audit", "verify", "--central", url, "--backoffice-signing-key", str(pub_path)]) == 0
    capsys.readouterr()
    with target.begin() as conn:  # the anchor re-pinned inside the database (by whoever holds the owner login)
        conn.execute(text("UPDATE fleet_meta SET value = :v WHERE key = 'backoffice_signing_key'"),
                     {"v": read_signing_public_key(other_pub)})
    assert main(["audit", "verify", "--central", url, "--backoffice-signing-key", str(pub_path)]) == 1
    assert f"not the given {key_id_bo}" in capsys.readouterr().err
    target.dispose()
    st.close()


def _new_database(central: CentralStore) -> str:
    import uuid

    name = "t" + uuid.uuid4().hex[:12]
    with central.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    return central.url.rsplit("/", 1)[0] + "/" + name


def test_an_edited_or_deleted_central_review_is_named(central, tmp_path, make_record, clock, capsys) -> None:  # type: ignore[no-untyped-def]
    from storage.central.fleet_view import open_fleet_console_storage

    st = make_kiosk(tmp_path, "k1", 3, make_record, clock, central, reviews=0)
    Syncer(st, central, "k1").run()
    st.close()
    fst = open_fleet_console_storage(tmp_path / "bo", central.url, clock=clock)
    fst.operators.add("rita", "operator", "correct horse battery", "t")
    sid = fst.queries.page(SessionQuery(review_state="pending"))[0].session_id
    fst.decisions.record_review(sid, "rita", "reject", "document photo differs")
    fst.close()
    assert _verify(central, capsys)[0] == 0
    with central.begin() as conn:
        conn.execute(text("UPDATE fleet_reviews_central SET verdict = 'accept'"))
    code, out = _verify(central, capsys)
    assert code == 1 and "central audit chain BROKEN (first bad row: central review" in out and "(edited)" in out
    with central.begin() as conn:
        conn.execute(text("DELETE FROM fleet_reviews_central"))
    code, out = _verify(central, capsys)
    assert code == 1 and "(deleted)" in out
