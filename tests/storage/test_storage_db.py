"""Database setup: WAL, foreign keys, durable synchronous, busy timeout, file modes, migrations, config."""
from __future__ import annotations

import os
import stat
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import StorageConfig, open_storage
from storage.config import load_storage_config, parse_storage_config
from storage.db import alembic_config
from storage.errors import StorageConfigError


def test_sqlite_pragmas_are_durable(store) -> None:  # type: ignore[no-untyped-def]
    assert store.db.pragma("journal_mode") == "wal"
    assert store.db.pragma("synchronous") == 2  # FULL
    assert store.db.pragma("foreign_keys") == 1
    assert store.db.pragma("busy_timeout") == 10000


def test_extra_synchronous_is_applied(tmp_path: Path) -> None:
    st = open_storage(tmp_path, StorageConfig(synchronous="EXTRA"))
    try:
        assert st.db.pragma("synchronous") == 3
    finally:
        st.close()


def test_normal_synchronous_is_refused() -> None:
    with pytest.raises(StorageConfigError, match="synchronous"):
        parse_storage_config({"synchronous": "NORMAL"})


def test_unknown_config_key_is_refused() -> None:
    with pytest.raises(StorageConfigError, match="retension"):
        parse_storage_config({"retension": {"images_days": 3}})


def test_config_fields_all_have_descriptions() -> None:
    from storage.config import AttemptLimitConfig, OperatorLoginConfig, RetentionConfig

    for model in (StorageConfig, RetentionConfig, AttemptLimitConfig, OperatorLoginConfig):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"


def test_config_from_toml(tmp_path: Path) -> None:
    f = tmp_path / "kiosk.toml"
    f.write_text('[storage]\nsynchronous = "EXTRA"\n[storage.retention]\nimages_days = 7\n')
    cfg = load_storage_config(f)
    assert cfg.synchronous == "EXTRA" and cfg.retention.images_days == 7
    f.write_text("[storage\n")
    with pytest.raises(StorageConfigError, match="not valid TOML"):
        load_storage_config(f)


def test_files_are_private(store) -> None:  # type: ignore[no-untyped-def]
    d = store.data_dir
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    for name in ("kiosk.db", "keys.json"):
        assert stat.S_IMODE(os.stat(d / name).st_mode) == 0o600, name


def test_schema_is_at_alembic_head_and_reopen_is_idempotent(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    st = open_storage(tmp_path)
    st.close()
    st = open_storage(tmp_path)  # second open: migration is a no-op
    try:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        with st.db.read() as s:
            assert s.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
    finally:
        st.close()
    con = sqlite3.connect(tmp_path / "kiosk.db")
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    con.close()
    assert {"sessions", "decisions", "reviews", "operators", "images", "templates", "attempts", "audit_events",
            "audit_head", "export_outbox"} <= tables


def test_foreign_keys_are_enforced(store) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with store.db.engine.begin() as conn:
            conn.execute(text("INSERT INTO images (id, session_id, kind, media_type, key_id, size, created_at) "
                              "VALUES ('a', 'nosuchsession', 'dg2', 'image/jpeg', 'k', 1, '2026-01-01')"))


def test_bad_url_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(StorageConfigError):
        open_storage(tmp_path, StorageConfig(database_url="mysql://x/y"))
