"""Helpers of the fleet tests: kiosk stores with real recorded sessions, registered at a central store."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from storage.backoffice_signing import new_signer
from storage import FixedClock, Storage, StorageConfig, open_storage
from storage.central import schema
from storage.central.kiosks import register_kiosk_key
from storage.central.store import CentralStore
from storage.head_signing import head_signing_public_key

OPERATOR_PASSWORD = "correct horse battery"


def kiosk_config(**sync: Any) -> StorageConfig:
    """Test storage config (cheap scrypt), with ``[storage.sync]`` values if given."""
    return StorageConfig.model_validate({"operators": {"scrypt_log2_n": 14}, **({"sync": sync} if sync else {})})


def make_kiosk(root: Path, kiosk_id: str, sessions: int, make_record: Callable[..., Any], clock: FixedClock,
               central: CentralStore | None = None, config: StorageConfig | None = None,
               reviews: int = 1) -> Storage:
    """A kiosk store under ``root/kiosk_id`` with ``sessions`` recorded sessions (every third flagged for
    review, ``reviews`` of them reviewed), registered at ``central`` when given."""
    st = open_storage(root / kiosk_id, config or kiosk_config(), clock=clock)
    st.operators.add("olga", "operator", OPERATOR_PASSWORD, "t")
    for i in range(sessions):
        st.decisions.record_session(make_record("review" if i % 3 == 0 else "accept", kiosk_id=kiosk_id,
                                                doc=f"K{i:05d}{kiosk_id[-1]}X", seed=i % 5))
    for summary in st.decisions.pending_reviews()[:reviews]:
        st.decisions.record_review(summary.session_id, "olga", "accept", note="checked by hand")
    if central is not None:
        register(central, st, kiosk_id)
    return st


SIGNER = new_signer()  # the back office's signing key of the tests (pinned by the ``central`` fixture)


def register(central: CentralStore, st: Storage, kiosk_id: str) -> str:
    """Register the store's head-signing key for ``kiosk_id`` as the back office; returns its key id."""
    _, public = head_signing_public_key(st.keys.keys)
    return register_kiosk_key(central, kiosk_id, public, SIGNER, "test")[0]


def central_ids(central: CentralStore, table: str = "sessions") -> list[tuple[str, str]]:
    """(origin kiosk, id) of every central row of ``table``, sorted (duplicates would show twice)."""
    t = schema.ROW_TABLES[table]
    with central.begin() as conn:
        return sorted((r[0], r[1]) for r in conn.execute(select(t.c.origin_kiosk, t.c.id)))


def central_count(central: CentralStore, table: Any, **where: Any) -> int:
    """Rows in a central table matching ``where``."""
    with central.begin() as conn:
        stmt = select(func.count()).select_from(table)
        for col, value in where.items():
            stmt = stmt.where(table.c[col] == value)
        return int(conn.execute(stmt).scalar_one())


def snapshot(central: CentralStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every fleet_ table, for before/after comparisons."""
    with central.begin() as conn:
        return {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in schema.metadata.sorted_tables}


def local_ids(st: Storage) -> list[str]:
    """The store's session ids, sorted."""
    with st.db.read() as s:
        from storage.tables import SessionRow

        return sorted(s.execute(select(SessionRow.id)).scalars())


def revoke(central: CentralStore, key_id: str) -> None:
    """Revoke a head-signing key as the back office."""
    from storage.central.kiosks import revoke_kiosk_key

    revoke_kiosk_key(central, key_id, SIGNER, "test")
