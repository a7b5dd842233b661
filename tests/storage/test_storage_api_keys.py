"""Integration-API keys in storage: hashed, scoped, revocable, sealed and announced in the audit chain;
schema revision 0003 upgrades a 0002 store on SQLite and builds on PostgreSQL."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from storage import open_storage
from storage.api_keys import ApiKeyError, hash_key
from storage.db import alembic_config
from storage.errors import StorageInputError



def test_key_is_stored_hashed_and_authenticates(store) -> None:  # type: ignore[no-untyped-def]
    info, key = store.api_keys.create("branch 7", ("compare", "verify"), "admin:cli")
    assert key.startswith("idk_") and len(key) > 40
    assert store.api_keys.authenticate(key).scopes == ("compare", "verify")
    with store.db.read() as s:
        stored = s.execute(text("SELECT key_hash FROM api_keys")).scalar_one()
    assert stored == hash_key(key) and key not in stored
    kinds = [e.kind for e in store.audit.events()]
    assert "api_key_created" in kinds and store.verify().ok


def test_wrong_and_revoked_keys_are_refused(store) -> None:  # type: ignore[no-untyped-def]
    info, key = store.api_keys.create("k", ("all",), "admin:cli")
    with pytest.raises(ApiKeyError) as wrong:
        store.api_keys.authenticate(key[:-2] + "xx")
    assert wrong.value.code == "invalid_api_key"
    store.api_keys.revoke(info.key_id, "admin:cli")
    with pytest.raises(ApiKeyError) as revoked:
        store.api_keys.authenticate(key)
    assert revoked.value.code == "key_revoked"
    assert store.verify().ok  # the revocation re-sealed the row


def test_bad_names_and_empty_scopes_are_refused(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StorageInputError):
        store.api_keys.create("", ("compare",), "admin:cli")
    with pytest.raises(StorageInputError):
        store.api_keys.create("ok", (), "admin:cli")


def test_key_edited_in_the_database_is_refused_and_named(store) -> None:  # type: ignore[no-untyped-def]
    info, key = store.api_keys.create("k", ("compare",), "admin:cli")
    with store.db.engine.begin() as conn:  # un-revoke / widen scopes behind storage's back
        conn.execute(text("UPDATE api_keys SET scopes = '[\"all\"]'"))
    with pytest.raises(ApiKeyError) as err:
        store.api_keys.authenticate(key)
    assert err.value.code == "key_integrity"
    v = store.verify()
    assert not v.ok and (v.table, v.row_id, v.field) == ("api_keys", info.key_id, "scopes")


def test_key_inserted_without_event_is_named(store) -> None:  # type: ignore[no-untyped-def]
    info, _ = store.api_keys.create("k", ("compare",), "admin:cli")
    with store.db.engine.begin() as conn:  # a copy of a genuine row (its seal names the other id)
        conn.execute(text("INSERT INTO api_keys (id, name, key_hash, scopes, created_at, revoked_at, seal) "
                          "SELECT (CASE WHEN substr(id, 1, 1) = 'f' THEN 'e' ELSE 'f' END) || substr(id, 2), name, 'x' || substr(key_hash, 2), scopes, created_at, "
                          "revoked_at, seal FROM api_keys"))
    v = store.verify()
    assert not v.ok and v.table == "api_keys"


def _head() -> str:
    """The newest schema revision (0003 added the keys; later revisions build on it)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None and head >= "0003"
    return head


def test_upgrade_from_0002_keeps_the_store_verifiable(tmp_path: Path) -> None:
    st = open_storage(tmp_path)
    st.api_keys.create("k", ("compare",), "admin:cli")
    st.close()
    con = sqlite3.connect(tmp_path / "kiosk.db")
    con.execute("DELETE FROM api_keys")
    con.commit()
    con.close()
    # Back to 0002 (the previous head), then open: the upgrade re-creates the table.
    from storage.db import open_database
    from storage.config import StorageConfig

    db = open_database(StorageConfig(), tmp_path)
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    db.dispose()
    con = sqlite3.connect(tmp_path / "kiosk.db")
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0002"
    assert "api_keys" not in {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    con.close()
    st = open_storage(tmp_path)
    try:
        with st.db.read() as s:
            assert s.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == _head()
        info, key = st.api_keys.create("k2", ("verify",), "admin:cli")
        assert st.api_keys.authenticate(key).key_id == info.key_id
    finally:
        st.close()


def test_api_keys_on_postgresql(pg_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from storage import StorageConfig

    st = open_storage(tmp_path, StorageConfig(database_url=pg_db))
    try:
        with st.db.read() as s:
            assert s.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == _head()
        info, key = st.api_keys.create("pg", ("compare", "facebank"), "admin:cli")
        assert st.api_keys.authenticate(key).scopes == ("compare", "facebank")
        st.api_keys.revoke(info.key_id, "admin:cli")
        with pytest.raises(ApiKeyError):
            st.api_keys.authenticate(key)
        assert st.verify().ok
        with st.db.engine.begin() as conn:
            conn.execute(text("UPDATE api_keys SET revoked_at = NULL"))
        v = st.verify()
        assert not v.ok and (v.table, v.field) == ("api_keys", "revoked_at")
    finally:
        st.close()
