"""Issue 20 item 2, "one trust model": the back office, not the kiosks' database role, decides which
kiosk keys are trusted; key ids are fingerprints and revocation is of the public key; central
verification covers the review state the queue reads. Each probe is replayed as the attacker would
do it: with plain SQL over the database access every kiosk has."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from fleet_helpers import make_kiosk, register
from kiosk.cli import main
from storage.central.errors import CentralError
from storage.central.push import Syncer
from storage.head_signing import head_signing_public_key
from storage.review_queries import SessionQuery


def _verify(central, capsys, *extra: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    code = main(["audit", "verify", "--central", central.url, *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_probe1_a_kiosk_cannot_register_its_key_for_another_kiosk(central, tmp_path, make_record, clock,  # type: ignore[no-untyped-def]
                                                                   capsys, monkeypatch) -> None:
    victim = make_kiosk(tmp_path, "victim", 2, make_record, clock, central)  # registered, never synced
    evil = make_kiosk(tmp_path, "evil", 5, make_record, clock)
    key_id, public = head_signing_public_key(evil.keys.keys)
    with central.begin() as conn:  # the kiosk's own database access, no back-office key
        row = conn.execute(text("SELECT * FROM fleet_kiosk_keys WHERE kiosk_id = 'victim'")).mappings().first()
        values = {**dict(row), "kiosk_id": "victim", "key_id": key_id, "public_key": public}
        cols = ", ".join(values)
        conn.execute(text(f"INSERT INTO fleet_kiosk_keys ({cols}) VALUES ({', '.join(':' + c for c in values)})"),
                     values)
    with pytest.raises(CentralError, match="not registered|back office"):
        Syncer(evil, central, "victim").run()
    # The attacker runs its own copy of the code, without the centre's registration check.
    import storage.central.push as push
    monkeypatch.setattr(push, "require_registered", lambda *a, **k: None)
    Syncer(evil, central, "victim").run()
    monkeypatch.undo()
    code, out = _verify(central, capsys, "--kiosk", "victim")
    assert code == 1, out
    assert "kiosk victim: BROKEN" in out and "back office" in out, out
    with pytest.raises(CentralError, match="back office never registered"):  # not "restored from an older copy"
        Syncer(victim, central, "victim").run()
    victim.close()
    evil.close()


def test_probe2_a_revoked_key_stays_revoked_under_any_key_id(central, tmp_path, make_record, clock, capsys,  # type: ignore[no-untyped-def]
                                                              monkeypatch) -> None:
    st = make_kiosk(tmp_path, "k1", 2, make_record, clock, central)
    Syncer(st, central, "k1").run()
    key_id, public = head_signing_public_key(st.keys.keys)
    _revoke(central, "k1", key_id)
    with central.begin() as conn:  # the same public key under a fresh, free-text key id
        row = conn.execute(text("SELECT * FROM fleet_kiosk_keys WHERE kiosk_id = 'k1'")).mappings().first()
        values = {**dict(row), "key_id": "e-fresh"}
        values.pop("revoked_at", None)
        cols = ", ".join(values)
        conn.execute(text(f"INSERT INTO fleet_kiosk_keys ({cols}) VALUES ({', '.join(':' + c for c in values)})"),
                     values)
    import storage.head_signing as hs
    real_sign = hs.sign_head
    monkeypatch.setattr(hs, "head_signing_public_key", lambda keys: ("e-fresh", public))
    monkeypatch.setattr(hs, "sign_head", lambda *a: ("e-fresh", real_sign(*a)[1]))
    st.decisions.record_session(make_record("accept", kiosk_id="k1", doc="AFTER1"))
    with pytest.raises(CentralError, match="revoked|not registered|not trusted"):
        Syncer(st, central, "k1").run()
    import storage.central.push as push
    monkeypatch.setattr(push, "require_registered", lambda *a, **k: None)
    Syncer(st, central, "k1").run()  # the attacker's own code pushes anyway
    monkeypatch.undo()
    code, out = _verify(central, capsys, "--kiosk", "k1")
    assert code == 1 and "kiosk k1: BROKEN" in out, out
    st.close()


def test_a_deleted_revocation_is_named(central, tmp_path, make_record, clock, capsys) -> None:  # type: ignore[no-untyped-def]
    st = make_kiosk(tmp_path, "k1", 1, make_record, clock, central)
    Syncer(st, central, "k1").run()
    key_id, _ = head_signing_public_key(st.keys.keys)
    _revoke(central, "k1", key_id)
    with central.begin() as conn:  # a revoked key trusted again by deleting its revocation
        conn.execute(text("DELETE FROM fleet_key_revocations"))
    code, out = _verify(central, capsys)
    assert code == 1 and f"the revocation of key {key_id}" in out and "(deleted)" in out, out
    st.close()


def test_a_forged_revocation_refuses_pushes_and_is_named(central, tmp_path, make_record, clock, capsys) -> None:  # type: ignore[no-untyped-def]
    st = make_kiosk(tmp_path, "k1", 1, make_record, clock, central)
    Syncer(st, central, "k1").run()
    key_id, public = head_signing_public_key(st.keys.keys)
    with central.begin() as conn:  # written without the back office's key: fail closed, and say so
        conn.execute(text("INSERT INTO fleet_key_revocations VALUES (:k, :p, now(), '{}', 'bos-x', 'AAAA')"),
                     {"k": key_id, "p": public})
    st.decisions.record_session(make_record("accept", kiosk_id="k1", doc="AFTER1"))
    with pytest.raises(CentralError, match="revoked"):
        Syncer(st, central, "k1").run()
    code, out = _verify(central, capsys)
    assert code == 1 and "table fleet_key_revocations" in out and "not the back office's" in out, out
    st.close()


def _revoke(central, kiosk_id: str, key_id: str) -> None:  # type: ignore[no-untyped-def]
    from fleet_helpers import revoke

    revoke(central, key_id)


def test_probe3_an_inserted_review_state_row_is_named(central, tmp_path, make_record, clock, capsys) -> None:  # type: ignore[no-untyped-def]
    from storage.central.fleet_view import open_fleet_console_storage

    st = make_kiosk(tmp_path, "k1", 4, make_record, clock, central, reviews=0)
    Syncer(st, central, "k1").run()
    st.close()
    fst = open_fleet_console_storage(tmp_path / "bo", central.url, clock=clock)
    pending = [s.session_id for s in fst.queries.page(SessionQuery(review_state="pending"))]
    assert len(pending) == 2
    with central.begin() as conn:
        conn.execute(text("INSERT INTO fleet_review_state VALUES ('k1', :s, 'reviewed', 'accept', :t)"),
                     {"s": pending[0], "t": datetime.now(timezone.utc)})
    assert [s.session_id for s in fst.queries.page(SessionQuery(review_state="pending"))] == pending[1:]
    fst.close()
    code, out = _verify(central, capsys)
    assert code == 1, out
    assert f"review state of session {pending[0]}" in out and "(inserted behind the console)" in out, out
    fst = open_fleet_console_storage(tmp_path / "bo", central.url, clock=clock)
    fst.operators.add("rita", "operator", "correct horse battery", "t")
    with central.begin() as conn:
        conn.execute(text("DELETE FROM fleet_review_state"))
    fst.decisions.record_review(pending[1], "rita", "reject", "photo differs")
    fst.close()
    assert _verify(central, capsys)[0] == 0  # the console's own review and state verify
    for statement, says in (("UPDATE fleet_review_state SET review_state = 'pending', final_outcome = NULL",
                             "(edited)"), ("DELETE FROM fleet_review_state", "(deleted)")):
        with central.begin() as conn:
            conn.execute(text(statement))
        code, out = _verify(central, capsys)
        assert code == 1 and f"review state of session {pending[1]}" in out and says in out, out


def test_a_head_after_revocation_fails_whatever_its_push_time(central, tmp_path, make_record, clock, capsys,  # type: ignore[no-untyped-def]
                                                              monkeypatch) -> None:
    st = make_kiosk(tmp_path, "k1", 2, make_record, clock, central)
    Syncer(st, central, "k1").run()
    key_id, _ = head_signing_public_key(st.keys.keys)
    _revoke(central, "k1", key_id)
    st.decisions.record_session(make_record("accept", kiosk_id="k1", doc="AFTER1"))
    import storage.central.push as push
    monkeypatch.setattr(push, "require_registered", lambda *a, **k: None)  # the stolen kiosk's own code
    Syncer(st, central, "k1").run()
    monkeypatch.undo()
    with central.begin() as conn:  # and it backdates its push time, which it writes itself
        conn.execute(text("UPDATE fleet_signed_heads SET pushed_at = '2000-01-01'"))
    code, out = _verify(central, capsys)
    assert code == 1 and "after its key" in out and "was revoked" in out, out
    st.close()


def _make_schema_1(central, kiosk_id: str, public: str, revoked: bool) -> None:  # type: ignore[no-untyped-def]
    """Turn a schema-2 store into what schema 1 held: unsigned keys under a free-text id, heads naming it."""
    with central.begin() as conn:
        conn.execute(text("DROP TABLE fleet_kiosk_keys; DROP TABLE fleet_key_revocations"))
        conn.execute(text("CREATE TABLE fleet_kiosk_keys (kiosk_id varchar(64) NOT NULL, key_id varchar(32) NOT NULL, "
                          "public_key text NOT NULL, registered_at timestamptz NOT NULL, revoked_at timestamptz, "
                          "CONSTRAINT pk_fleet_kiosk_keys PRIMARY KEY (kiosk_id, key_id))"))
        conn.execute(text("INSERT INTO fleet_kiosk_keys VALUES (:k, 'e-legacy', :p, now() - interval '1 day', "
                          + ("now()" if revoked else "NULL") + ")"), {"k": kiosk_id, "p": public})
        conn.execute(text("UPDATE fleet_signed_heads SET key_id = 'e-legacy'"))
        conn.execute(text("UPDATE fleet_meta SET value = '1' WHERE key = 'schema_version'"))
        conn.execute(text("DELETE FROM fleet_meta WHERE key = 'backoffice_signing_key'"))


def test_a_schema_1_store_is_refused_until_migrated(central, tmp_path, make_record, clock, capsys) -> None:  # type: ignore[no-untyped-def]
    from fleet_helpers import SIGNER
    from storage.central.errors import CentralConfigError
    from storage.central.migrate import migrate_v1
    from storage.head_signing import key_fingerprint

    st = make_kiosk(tmp_path, "k1", 2, make_record, clock, central)
    Syncer(st, central, "k1").run()
    _, public = head_signing_public_key(st.keys.keys)
    _make_schema_1(central, "k1", public, revoked=False)
    with pytest.raises(CentralConfigError, match="kiosk central migrate"):
        Syncer(st, central, "k1").run()
    code, out = _verify(central, capsys)
    assert code == 1 and "kiosk central migrate" in out
    lines = migrate_v1(central, SIGNER, "test")
    assert f"kiosk k1: key e-legacy -> {key_fingerprint(public)}" in lines[0]
    code, out = _verify(central, capsys)
    assert code == 0 and "kiosk k1: intact" in out, out
    st.decisions.record_session(make_record("accept", kiosk_id="k1", doc="AFTER1"))
    assert Syncer(st, central, "k1").run().batches == 1
    with pytest.raises(CentralConfigError, match="nothing to migrate"):
        migrate_v1(central, SIGNER, "test")
    st.close()


def _login(central, kiosk_id: str) -> str:  # type: ignore[no-untyped-def]
    """A fresh database login for ``kiosk_id`` granted through the CLI; returns its central URL."""
    import uuid

    role = "kiosk_" + uuid.uuid4().hex[:10]
    with central.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
    assert main(["central", "grant-login", "--central", central.url, "--kiosk", kiosk_id, "--role", role]) == 0
    return central.url.replace("//kiosk@", f"//{role}@")


def test_a_kiosk_login_can_only_append_its_own_pushes(central, tmp_path, make_record, clock, capsys) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import ProgrammingError

    from storage.central.store import CentralStore

    k1 = make_kiosk(tmp_path, "k1", 3, make_record, clock, central)
    k2 = make_kiosk(tmp_path, "k2", 1, make_record, clock, central)
    as_k1 = CentralStore(_login(central, "k1"))
    assert Syncer(k1, as_k1, "k1").run().batches >= 1  # its own pushes go through
    with pytest.raises(CentralError, match="row-level security"):
        Syncer(k2, as_k1, "k2").run()  # k1's login pushing as k2 (here with k2's store: the keys are not the point)
    Syncer(k2, central, "k2").run()
    denied = {
        "register a key": "INSERT INTO fleet_kiosk_keys SELECT 'ed-x', 'k2', public_key, now(), record, signer, "
                          "signature FROM fleet_kiosk_keys LIMIT 1",
        "delete a revocation": "DELETE FROM fleet_key_revocations",
        "set a review state": "INSERT INTO fleet_review_state VALUES ('k1', 'x', 'reviewed', 'accept', now())",
        "write the centre's chain": "DELETE FROM fleet_central_audit",
        "edit its own events": "UPDATE fleet_audit_events SET actor = 'x'",
        "pin another signing key": "UPDATE fleet_meta SET value = 'x'",
        "append another kiosk's event": "INSERT INTO fleet_audit_events SELECT 'k2', seq + 1000, at, kind, actor, "
                                        "session_id, details, key_id, mac, chain_hash FROM fleet_audit_events LIMIT 1",
    }
    for what, statement in denied.items():
        with pytest.raises(ProgrammingError, match="permission denied|row-level security"), as_k1.engine.begin() as c:
            c.execute(text(statement))
        capsys.readouterr()
    with as_k1.engine.begin() as c:  # and it does not see another kiosk's sessions
        assert c.execute(text("SELECT count(*) FROM fleet_sessions WHERE origin_kiosk = 'k2'")).scalar() == 0
        assert c.execute(text("SELECT count(*) FROM fleet_sessions")).scalar() == 3
    as_k1.dispose()
    assert _verify(central, capsys)[0] == 0
    k1.close()
    k2.close()
