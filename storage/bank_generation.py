"""The generation counter of a face-bank list (``bank_lists``; :mod:`storage.bank_lists`), raised inside the write
transaction of every change to the list's identities or templates, so another process's in-memory index can tell
it is stale by comparing one integer."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.tables import BankEntryRow, BankListRow

CHUNK = 500  # ids per IN (...) query


def bump(s: Session, owner: str, list_name: str, steps: int = 1) -> int:
    """Raise the generation of one list by ``steps`` (from 0 for a new list) inside the caller's write transaction;
    returns the new value."""
    row = s.execute(select(BankListRow).where(BankListRow.owner == owner, BankListRow.list_name == list_name)
                    .with_for_update()).scalar_one_or_none()
    if row is None:
        row = BankListRow(owner=owner, list_name=list_name, generation=0)
        s.add(row)
    row.generation += steps
    s.flush()
    return row.generation


def bump_sessions(s: Session, session_ids: Iterable[str]) -> None:
    """Raise the generation of every list that holds one of ``session_ids`` (before they or their templates go)."""
    ids = sorted(set(session_ids))
    lists: set[tuple[str, str]] = set()
    for i in range(0, len(ids), CHUNK):
        lists |= {(o, n) for o, n in s.execute(select(BankEntryRow.owner, BankEntryRow.list_name)
                                                .where(BankEntryRow.session_id.in_(ids[i:i + CHUNK]))
                                                .distinct())}
    for owner, list_name in sorted(lists):
        bump(s, owner, list_name)
