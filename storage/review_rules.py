"""Who may review or reopen a flagged session: the four-eyes and role rules.

Both review paths apply them under their write lock, so two parallel requests cannot slip past them:
the kiosk's own log (``storage.decisions``) and the central store (``storage.central.fleet_view``).

* only an operator or a supervisor decides (accept/reject); an admin administers accounts and
  configuration and takes no case decisions;
* only a supervisor reopens a reviewed case;
* the clerk who ran an assisted session (``checks["assisted_by"]``) can neither decide nor reopen it;
* whoever decided the current verdict cannot reopen it (a second person challenges a verdict);
* whoever reopened a case cannot decide it afterwards (else one person could replace any verdict).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from storage.errors import ReviewNotAllowedError, StorageInputError

DECIDER_ROLES = ("operator", "supervisor")
REOPENER_ROLES = ("supervisor",)


@dataclass(frozen=True)
class PastReview:
    """One earlier review of the session, oldest first in a history: who and which verdict."""

    operator: str
    verdict: str  # accept | reject | reopen


def _same(a: str | None, b: str) -> bool:
    return isinstance(a, str) and a.casefold() == b.casefold()


def check_review_allowed(verdict: str, state: str, role: str | None, checks: dict[str, Any] | None,
                         operator: str, history: Sequence[PastReview]) -> None:
    """Raise ``ReviewNotAllowedError`` (or ``StorageInputError`` for a case in the wrong state) unless
    ``operator`` (of ``role``) may give ``verdict`` on a session in review ``state`` with ``history``."""
    clerk = (checks or {}).get("assisted_by")
    if verdict == "reopen":
        if role not in REOPENER_ROLES:
            raise ReviewNotAllowedError("only a supervisor may reopen a review")
        if state != "reviewed":
            raise StorageInputError("only a reviewed session can be reopened")
        if _same(clerk, operator):
            raise ReviewNotAllowedError("four eyes: the clerk who ran this assisted session cannot reopen it; "
                                        "ask another supervisor")
        decided = next((r for r in reversed(history) if r.verdict != "reopen"), None)
        if decided is not None and _same(decided.operator, operator):
            raise ReviewNotAllowedError("four eyes: you gave this verdict, so you cannot reopen it; "
                                        "ask another supervisor")
        return
    if role not in DECIDER_ROLES:
        raise ReviewNotAllowedError("an admin takes no case decisions: an operator or supervisor reviews cases")
    if state == "reviewed":
        raise StorageInputError("this session was already reviewed; a supervisor may reopen it first")
    if state != "pending":
        raise StorageInputError("this session was not flagged for review")
    if _same(clerk, operator):
        raise ReviewNotAllowedError("four eyes: the clerk who ran this assisted session cannot review it")
    if history and history[-1].verdict == "reopen" and _same(history[-1].operator, operator):
        raise ReviewNotAllowedError("four eyes: you reopened this case, so another operator or supervisor "
                                    "must decide it")
