"""Helpers shared by the storage tests (a uniquely named module: several test folders have a conftest)."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from storage import Storage, StorageConfig

T0 = datetime(2026, 3, 1, 9, 0, 0, tzinfo=timezone.utc)
SURNAME = "QUIXOTEWHARTON"
GIVEN = "ZEPHYRINE ALOISIA"


def image_bytes(fmt: str, seed: int = 0, size: int = 96) -> bytes:
    """A real encoded image (JPEG or PNG) with some structure so it is not trivially compressible."""
    rng = np.random.default_rng(seed)
    arr = (rng.random((size, size, 3)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt)
    return buf.getvalue()


def write_legacy_chain(data: Path, events: list[tuple[str, str, str | None, dict, datetime]]) -> None:
    """Replace a store's audit chain with ``events`` (kind, actor, session id, details, time), MACed the way code
    from before authenticated heads wrote them: no ``head_authenticated`` event, the head's ``seq``/``mac`` only
    (schema 0005 or older has no ``head_mac`` column). Raw SQL, so it works on any older schema."""
    import sqlite3

    from storage.audit import GENESIS_MAC, canonical_details, event_mac
    from storage.keys import FileKeyring

    km = FileKeyring(data / "keys.json").load()
    kid = km.active_audit_key
    con = sqlite3.connect(data / "kiosk.db")
    with con:
        con.execute("DELETE FROM audit_events")
        prev = GENESIS_MAC
        for seq, (kind, actor, sid, details, at) in enumerate(events, start=1):
            text = canonical_details(details)
            mac = event_mac(km.audit_keys[kid], prev, seq, at, kind, actor, sid, text, kid)
            stored_at = at.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
            con.execute("INSERT INTO audit_events (seq, at, kind, actor, session_id, details, key_id, mac) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (seq, stored_at, kind, actor, sid, text, kid, mac))
            prev = mac
        con.execute("UPDATE audit_head SET seq = ?, mac = ?", (len(events), prev))
    con.close()


def downgrade_store(data: Path, config: StorageConfig, revision: str) -> None:
    """Take a closed store's schema down to ``revision`` with Alembic (what older code left behind)."""
    from alembic import command

    from storage.db import Database, alembic_config, database_url

    db = Database(database_url(config, data), config)
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    db.dispose()


def events_before_head_auth(st: Storage) -> list[tuple[str, str, str | None, dict, datetime]]:
    """A store's events as code from before authenticated heads would have written them (no ``head_authenticated``)."""
    return [(e.kind, e.actor, e.session_id, e.details, e.at) for e in st.audit.events()
            if e.kind != "head_authenticated"]
