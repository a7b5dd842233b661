"""Face-bank lists in the store: which sessions make up an owner's list, its generation counter, and the list's
templates decrypted for an in-memory index (``kiosk.facebank_index``).

A list is the pair (owner, list name) of ``kiosk.facebank``. ``bank_entries`` (one row per enrolled identity,
indexed by owner, list and enrolment time) answers "which identities" without reading any other list;
``bank_lists.generation`` is raised in the same transaction as every change of a list's identities or templates
(an enrolment: :mod:`storage.decisions`; a withdrawal or a retention purge: :mod:`storage.retention`), so a
process that keeps the list's templates in memory compares one integer to know whether another process changed it.

Templates stay AES-GCM encrypted at rest; they are decrypted here only into the caller's memory.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.bank_generation import CHUNK as _CHUNK
from storage.crypto import KeyContext
from storage.db import Database
from storage.decisions import template_aad
from storage.records import BankMembership
from storage.tables import BankEntryRow, BankListRow, TemplateRow



@dataclass(frozen=True)
class ListLoad:
    """What :meth:`BankLists.load` read in one consistent snapshot."""

    generation: int
    # The list's identities that have templates, oldest enrolment first; None from ``newer`` (nothing left the
    # list since the caller's generation, and ``vectors`` holds exactly the newcomers).
    present: tuple[str, ...] | None
    vectors: dict[str, list[np.ndarray]] = field(default_factory=dict)  # decrypted, for those not already known


class BankLists:
    """Read side of the face-bank lists (writes happen with the session writes and erasures)."""

    def __init__(self, db: Database, keys: KeyContext) -> None:
        self._db = db
        self._keys = keys

    @staticmethod
    def _of(owner: str, list_name: str):  # type: ignore[no-untyped-def]
        return (BankEntryRow.owner == owner, BankEntryRow.list_name == list_name)

    def generation(self, owner: str, list_name: str) -> int:
        """The list's generation (0 for a list that never existed)."""
        with self._db.read() as s:
            return int(s.execute(select(BankListRow.generation).where(
                BankListRow.owner == owner, BankListRow.list_name == list_name)).scalar_one_or_none() or 0)

    def exists(self, owner: str, list_name: str) -> bool:
        """Whether the owner has at least one identity in the list."""
        with self._db.read() as s:
            return s.execute(select(BankEntryRow.session_id).where(*self._of(owner, list_name)).limit(1)).first() \
                is not None

    def page(self, owner: str, list_name: str, offset: int, limit: int) -> tuple[int, list[str]]:
        """``(total, ids)``: one page of the list, oldest enrolment first, then by id (stable pages)."""
        with self._db.read() as s:
            total = int(s.execute(select(func.count()).select_from(BankEntryRow)
                                  .where(*self._of(owner, list_name))).scalar_one())
            ids = list(s.execute(select(BankEntryRow.session_id).where(*self._of(owner, list_name))
                                 .order_by(BankEntryRow.enrolled_at, BankEntryRow.session_id)
                                 .offset(max(0, offset)).limit(max(0, limit))).scalars())
        return total, ids

    def membership(self, session_id: str) -> BankMembership | None:
        """The list a session is enrolled in, ``None`` when it is in none."""
        with self._db.read() as s:
            row = s.execute(select(BankEntryRow.owner, BankEntryRow.list_name)
                            .where(BankEntryRow.session_id == session_id)).first()
        return BankMembership(row[0], row[1]) if row is not None else None

    def vectors(self, session_id: str) -> list[np.ndarray]:
        """One identity's templates, decrypted (a 1:1 verification)."""
        self._keys.refresh()
        with self._db.read() as s:
            return self._decrypt(s, [session_id]).get(session_id, [])

    def newer(self, owner: str, list_name: str, since: int) -> ListLoad | None:
        """When every generation step after ``since`` was an enrolment that is still there (the steps equal the
        entries filed after ``since``): the generation and those entries' decrypted templates, read in one snapshot
        (``present`` None). ``None`` when something left the list since (then :meth:`load` compares the ids)."""
        self._keys.refresh()
        with self._db.read() as s:
            generation = int(s.execute(select(BankListRow.generation).where(
                BankListRow.owner == owner, BankListRow.list_name == list_name)).scalar_one_or_none() or 0)
            if generation < since:
                return None
            added = list(s.execute(select(BankEntryRow.session_id).where(
                *self._of(owner, list_name), BankEntryRow.generation > since)
                .order_by(BankEntryRow.generation)).scalars())
            if len(added) != generation - since:
                return None
            return ListLoad(generation, None, self._decrypt(s, added))

    def load(self, owner: str, list_name: str, known: frozenset[str] = frozenset()) -> ListLoad:
        """The list's generation, its identities that have templates, and the decrypted templates of those not in
        ``known`` (an index that already holds the rest), all read in one snapshot so the generation describes
        exactly what was read."""
        self._keys.refresh()
        with self._db.read() as s:
            generation = int(s.execute(select(BankListRow.generation).where(
                BankListRow.owner == owner, BankListRow.list_name == list_name)).scalar_one_or_none() or 0)
            present = tuple(s.execute(
                select(BankEntryRow.session_id).where(*self._of(owner, list_name))
                .where(select(TemplateRow.id).where(TemplateRow.session_id == BankEntryRow.session_id).exists())
                .order_by(BankEntryRow.enrolled_at, BankEntryRow.session_id)).scalars())
            if not known:
                vectors = self._decrypt_list(s, owner, list_name)
            else:
                vectors = self._decrypt(s, [sid for sid in present if sid not in known])
        return ListLoad(generation, present, vectors)

    def _decrypt_list(self, s: Session, owner: str, list_name: str) -> dict[str, list[np.ndarray]]:
        rows = s.execute(select(TemplateRow.id, TemplateRow.session_id, TemplateRow.identity_key, TemplateRow.key_id,
                                TemplateRow.ciphertext)
                         .join(BankEntryRow, BankEntryRow.session_id == TemplateRow.session_id)
                         .where(*self._of(owner, list_name)).order_by(TemplateRow.session_id, TemplateRow.id))
        return self._vectors(rows)

    def _decrypt(self, s: Session, session_ids: list[str]) -> dict[str, list[np.ndarray]]:
        out: dict[str, list[np.ndarray]] = {}
        for i in range(0, len(session_ids), _CHUNK):
            rows = s.execute(select(TemplateRow.id, TemplateRow.session_id, TemplateRow.identity_key,
                                    TemplateRow.key_id, TemplateRow.ciphertext)
                             .where(TemplateRow.session_id.in_(session_ids[i:i + _CHUNK]))
                             .order_by(TemplateRow.session_id, TemplateRow.id))
            out.update(self._vectors(rows))
        return out

    def _vectors(self, rows: Iterable[tuple[str, str, str, str, bytes]]) -> dict[str, list[np.ndarray]]:
        cipher = self._keys.cipher
        out: dict[str, list[np.ndarray]] = {}
        for tid, sid, ik, kid, ct in rows:
            raw = cipher.decrypt(kid, ct, template_aad(tid, sid, ik))
            out.setdefault(sid, []).append(np.frombuffer(raw, dtype="<f4"))
        return out
