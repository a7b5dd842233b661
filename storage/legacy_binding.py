"""Binding the rows of a store written before row seals (schema 0002), once, at the first open.

The migration cannot do it (it has no audit key), so it leaves ``storage_state.row_binding`` =
``pending``; the first :func:`storage.open_storage` with the keys seals those rows and appends one
``rows_bound`` event listing them. Only rows the (verified) chain vouches for are bound:
* a session and its decision need the session's ``decision`` event, with the same decision id,
  outcome, reasons and policy version, and a review state / final outcome that the session's review
  events explain;
* a review needs its ``review`` event with the same verdict;
* images and templates need a bound session whose decision event counted at least that many.
Anything else stays unsealed, so ``kiosk audit verify`` names it. Fields the old events never
carried (a session's ``checks``, ``chip``...) are bound as found: an edit made *before* the upgrade
cannot be detected, and the README says so. ``native`` (a store created with seals) and ``done``
never bind anything, so unsealed rows inserted later are not blessed; neither does a second
``pending`` once a ``rows_bound`` event exists, nor a session whose decision event was written by
seal-aware code (it names its image ids).
"""
from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.audit import AuditKind, AuditTrail
from storage.binding import seal
from storage.crypto import KeyContext
from storage.db import Database
from storage.tables import AuditEventRow, DecisionRow, ImageRow, ReviewRow, SessionRow, StateRow, TemplateRow

log = logging.getLogger(__name__)

STATE_KEY = "row_binding"


def _decision_matches(d: dict[str, Any], drow: DecisionRow, verdicts: list[str]) -> bool:
    if (d.get("decision_id") != drow.id or d.get("outcome") != drow.outcome
            or list(d.get("reasons") or []) != list(drow.reasons) or d.get("policy_version") != drow.policy_version):
        return False
    if verdicts:
        return drow.review_state == "reviewed" and drow.final_outcome == verdicts[-1]
    if drow.outcome == "review":
        return drow.review_state == "pending" and drow.final_outcome is None
    return drow.review_state == "none" and drow.final_outcome == drow.outcome


def bind_once(db: Database, keys: KeyContext, audit: AuditTrail, state_key: str, bound_kind: str, what: str,
              bind: Callable[[Session, StateRow], int]) -> int | None:
    """Run ``bind`` (in one write transaction) if ``storage_state[state_key]`` is ``pending``, the chain
    verifies and no ``bound_kind`` event exists yet; it sets the state to ``done``. Its seq, or ``None``."""
    with db.read() as s:
        state = s.get(StateRow, state_key)
        if state is None or state.value != "pending":
            return None
    chain = audit.verify()
    if not chain.ok:
        log.error("%s were not bound: the audit chain is broken (%s)", what, chain.problem)
        return None
    keys.refresh()
    with db.write() as s:
        state = s.get(StateRow, state_key)
        if state is None or state.value != "pending":  # another process did it meanwhile
            return None
        if s.execute(select(AuditEventRow.seq).where(AuditEventRow.kind == bound_kind).limit(1)).first():
            # Binding happens once in a store's life; a "pending" state after that was put there by hand.
            log.error("%s is 'pending' but %s were already bound once: nothing is bound again", state_key, what)
            state.value = "done"
            return None
        return bind(s, state)


def bind_legacy_rows(db: Database, keys: KeyContext, audit: AuditTrail, actor: str = "system:upgrade") -> int | None:
    """Bind pre-seal rows if the store is marked ``pending``; returns the ``rows_bound`` seq, or ``None``."""
    return bind_once(db, keys, audit, STATE_KEY, AuditKind.ROWS_BOUND, "rows written before row seals",
                     lambda s, state: _bind(s, keys, audit, state, actor))


def _bind(s: Session, keys: KeyContext, audit: AuditTrail, state: StateRow, actor: str) -> int:
    decisions: dict[str, dict[str, Any]] = {}
    verdicts: dict[str, list[str]] = defaultdict(list)
    review_events: dict[str, tuple[str | None, str]] = {}
    for ev in s.execute(select(AuditEventRow).where(AuditEventRow.kind.in_([AuditKind.DECISION, AuditKind.REVIEW]))
                        .order_by(AuditEventRow.seq)).scalars():
        d = json.loads(ev.details)
        if ev.kind == AuditKind.DECISION and ev.session_id is not None and "image_ids" not in d:
            # Only sessions whose decision event predates seals (it has no "image_ids"): a row written
            # by seal-aware code that lost its seal is never blessed again.
            decisions[ev.session_id] = d
        elif ev.kind == AuditKind.REVIEW and ev.session_id is not None:
            verdicts[ev.session_id].append(str(d.get("verdict")))
            review_events[str(d.get("review_id"))] = (ev.session_id, str(d.get("verdict")))
    bound: dict[str, dict[str, str]] = {t: {} for t in ("sessions", "decisions", "reviews", "images", "templates")}
    refused = 0
    km = keys.keys
    present: set[str] = set()
    for srow, drow in s.execute(select(SessionRow, DecisionRow).join(DecisionRow, DecisionRow.session_id == SessionRow.id)):
        present.add(srow.id)
        if srow.seal is not None and drow.seal is not None:
            continue
        d = decisions.get(srow.id)
        if d is None or not _decision_matches(d, drow, verdicts.get(srow.id, [])):
            refused += 1
            continue
        seal(km, srow, drow)
        bound["sessions"][srow.id] = srow.id
        bound["decisions"][drow.id] = srow.id
    for rv in s.execute(select(ReviewRow).where(ReviewRow.seal.is_(None))).scalars():
        if review_events.get(rv.id) == (rv.session_id, rv.verdict) and rv.session_id in decisions:
            seal(km, rv)
            bound["reviews"][rv.id] = rv.session_id
        else:
            refused += 1
    for model, table, count_key in ((ImageRow, "images", "images"), (TemplateRow, "templates", "templates")):
        per_session: dict[str, list[ImageRow | TemplateRow]] = defaultdict(list)
        for row in s.execute(select(model).where(model.seal.is_(None))).scalars():
            per_session[row.session_id].append(row)
        for sid, rows in per_session.items():
            announced = int((decisions.get(sid) or {}).get(count_key) or 0)
            if sid in bound["sessions"] and len(rows) <= announced:
                seal(km, *rows)
                bound[table].update({r.id: sid for r in rows})
            else:
                refused += len(rows)
    absent = sorted(sid for sid in decisions if sid not in present)
    seq = audit.append(s, AuditKind.ROWS_BOUND, actor, {
        "reason": "rows written before row seals (schema 0002) bound at upgrade",
        "bound": bound, "absent_sessions": absent, "refused": refused})
    state.value = "done"
    if refused:
        log.warning("%d rows written before row seals were not bound (no matching audit event)", refused)
    return seq
