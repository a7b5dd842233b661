"""Binding the operator accounts of a store written before operator seals (schema 0006), once, at the first open.

The migration cannot seal them (it has no audit key), so it leaves ``storage_state.operator_binding`` =
``pending``; the first :func:`storage.open_storage` with the keys replays the (verified) audit chain per
account and seals only the rows it explains, recording one ``operators_bound`` event that names them:
* the account's ``operator_added`` event exists and gave it the role the row has;
* the row is disabled if an ``operator_disabled`` event says so;
* a lock recorded by a ``login_failed`` event was not cleared in the row without an ``operator_unlocked``,
  ``password_changed`` or ``login_ok`` event after it.
A row the chain does not explain stays unsealed: its login is refused as tampered and ``kiosk audit
verify`` names it, until ``kiosk operator restore`` sets it again. The password hash and the failure
count were never in an event, so an edit of those made *before* the upgrade cannot be detected (README).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.audit import AuditKind, AuditTrail
from storage.binding import canonical_value, seal
from storage.crypto import KeyContext
from storage.db import Database
from storage.legacy_binding import bind_once
from storage.tables import AuditEventRow, OperatorRow, StateRow

log = logging.getLogger(__name__)

STATE_KEY = "operator_binding"


@dataclass
class _Expected:
    """An account as the audit events describe it."""

    role: str
    disabled: bool = False
    locked_until: str | None = None  # canonical time text, as sealed


def _replay(s: Session) -> dict[str, _Expected]:
    accounts: dict[str, _Expected] = {}
    for ev in s.execute(select(AuditEventRow).order_by(AuditEventRow.seq)).scalars():
        if ev.kind not in (AuditKind.OPERATOR_ADDED, AuditKind.OPERATOR_DISABLED, AuditKind.LOGIN_FAILED,
                           AuditKind.OPERATOR_UNLOCKED, AuditKind.PASSWORD_CHANGED, AuditKind.LOGIN_OK):
            continue
        d = json.loads(ev.details)
        if ev.kind == AuditKind.OPERATOR_ADDED:
            accounts[str(d.get("username"))] = _Expected(str(d.get("role")))
            continue
        name = ev.actor.split(":", 1)[1] if ev.kind in (AuditKind.LOGIN_FAILED, AuditKind.LOGIN_OK) \
            else str(d.get("username"))
        acc = accounts.get(name)
        if acc is None:
            continue
        if ev.kind == AuditKind.OPERATOR_DISABLED:
            acc.disabled = True
        elif ev.kind == AuditKind.LOGIN_FAILED:
            if d.get("locked_until"):
                acc.locked_until = canonical_value(datetime.fromisoformat(d["locked_until"]))
        else:
            acc.locked_until = None
    return accounts


def _explained(row: OperatorRow, acc: _Expected | None) -> bool:
    if acc is None or row.role != acc.role or (acc.disabled and not row.disabled):
        return False
    if acc.locked_until is None:
        return True
    return row.locked_until is not None and canonical_value(row.locked_until) >= acc.locked_until


def bind_legacy_operators(db: Database, keys: KeyContext, audit: AuditTrail, actor: str = "system:upgrade") -> int | None:
    """Seal the pre-0006 accounts the chain explains, if the store is marked ``pending``; the event's seq or ``None``."""
    return bind_once(db, keys, audit, STATE_KEY, AuditKind.OPERATORS_BOUND,
                     "operator accounts from before operator seals", lambda s, state: _bind(s, keys, audit, state, actor))


def _bind(s: Session, keys: KeyContext, audit: AuditTrail, state: StateRow, actor: str) -> int:
    accounts = _replay(s)
    bound, refused = [], []
    for row in s.execute(select(OperatorRow).where(OperatorRow.seal.is_(None)).order_by(OperatorRow.id)).scalars():
        if _explained(row, accounts.get(row.username)):
            seal(keys.keys, row)
            bound.append(row.id)
        else:
            refused.append(row.id)
    seq = audit.append(s, AuditKind.OPERATORS_BOUND, actor, {
        "reason": "operator accounts written before operator seals (schema 0006) bound at upgrade",
        "bound": bound, "refused": refused})
    state.value = "done"
    if refused:
        log.warning("%d operator accounts were not bound (the audit chain does not explain them)", len(refused))
    return seq
