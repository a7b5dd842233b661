"""What the central store acknowledged, for retention: with sync configured, nothing is purged locally
before the centre holds it as it is now (``storage.retention`` asks :func:`held_back`)."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.central.chain import row_digest
from storage.central.schema import LOCAL_COLUMNS
from storage.tables import DecisionRow, ImageRow, ReviewRow, SessionRow, SyncAckRow, SyncCursorRow

EVIDENCE = "evidence"
_CHUNK = 400


@dataclass
class HeldBack:
    """Ids retention must keep for now (not acknowledged by the central store as they are)."""

    sessions: set[str] = field(default_factory=set)
    images: set[str] = field(default_factory=set)
    templates: set[str] = field(default_factory=set)


def current_central(s: Session) -> str | None:
    """The central store this kiosk synced with last (its cursor updated most recently), if any."""
    return s.execute(select(SyncCursorRow.central_id).order_by(SyncCursorRow.updated_at.desc()).limit(1)).scalar()


def _chunks(ids: Collection[str]) -> list[list[str]]:
    items = sorted(ids)
    return [items[i:i + _CHUNK] for i in range(0, len(items), _CHUNK)]


def held_back(s: Session, sessions: Collection[str], images: Collection[str], templates: Collection[str],
              evidence: bool) -> HeldBack:
    """Of the rows retention would delete, those the current central store has not acknowledged.

    A session is held when any of its session, decision, review or image rows (and, with ``evidence``,
    its sealed images, templates and identity) is unacknowledged or changed since; an image or template
    due on its own is held when it (or, with ``evidence``, its sealed copy) is. Before the first sync
    everything is held.
    """
    central = current_central(s)
    acks: dict[tuple[str, str], str] = {}
    if central is not None:
        acks = {(r.tbl, r.row_id): r.digest for r in s.execute(
            select(SyncAckRow).where(SyncAckRow.central_id == central)).scalars()}
    out = HeldBack()

    def acked(table: str, row: object) -> bool:
        values = {c: getattr(row, c) for c in LOCAL_COLUMNS[table]}
        return acks.get((table, str(getattr(row, "id")))) == row_digest(table, values)

    for chunk in _chunks(sessions):
        for table, model in (("sessions", SessionRow), ("decisions", DecisionRow), ("reviews", ReviewRow),
                             ("images", ImageRow)):
            col = model.id if model is SessionRow else model.session_id
            for row in s.execute(select(model).where(col.in_(chunk))).scalars():
                sid = row.id if model is SessionRow else row.session_id
                if not acked(table, row) or (evidence and model in (SessionRow, ImageRow) and (
                        model is ImageRow or row.identity_ct is not None) and (EVIDENCE, row.id) not in acks):
                    out.sessions.add(sid)
    for chunk in _chunks(images):
        for row in s.execute(select(ImageRow).where(ImageRow.id.in_(chunk))).scalars():
            if not acked("images", row) or (evidence and (EVIDENCE, row.id) not in acks):
                out.images.add(row.id)
    if evidence:
        out.templates = {t for t in templates if (EVIDENCE, t) not in acks}
    return out
