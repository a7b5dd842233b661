"""The actions of ``kiosk review``: ``queue`` (the console's filters), ``show CASE``, ``approve|reject CASE
--note`` and ``reopen CASE --note`` (a supervisor). CASE is a session id or its first digits as the queue
prints them. Refusals are the console's typed errors with its messages (printed by ``kiosk.cli``, exit 1;
exit 2 for bad input)."""
from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from kiosk.commands.review_cmd import add_location_arguments, signed_in
from kiosk.console.queue import waiting_text
from kiosk.errors import BadInputError

if TYPE_CHECKING:
    from storage.records import SessionSummary

    from kiosk.console import Console, QueuePage


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day as YYYY-MM-DD") from None


def _review_state(s: SessionSummary) -> str:
    if s.integrity_problem:
        return "INTEGRITY PROBLEM"
    return s.review_state if s.final_outcome is None else f"{s.review_state}: {s.final_outcome}"


def queue_json(page: QueuePage, now: dt.datetime) -> dict[str, Any]:
    """One page of the queue or search as JSON (no personal data: the list holds none)."""
    from kiosk.console.reasons import reason_text

    return {"total": page.total, "page": page.page + 1, "pages": page.pages, "page_size": page.page_size,
            "items": [{"session_id": s.session_id, "decided_at": s.decided_at.isoformat(),
                       "waiting": waiting_text(s, now) or None, "kiosk_id": s.kiosk_id, "mode": s.mode,
                       "outcome": s.outcome, "reasons": [{"code": c, "text": reason_text(c)} for c in s.reasons],
                       "review_state": s.review_state, "final_outcome": s.final_outcome,
                       "integrity_problem": s.integrity_problem} for s in page.items]}


def _queue(args: argparse.Namespace) -> int:
    from kiosk.console import QueueFilter

    if args.page < 1:
        raise BadInputError(f"--page counts from 1, got {args.page}")
    f = QueueFilter(day_from=args.day_from, day_to=args.day_to, reason=args.reason, kiosk_id=args.kiosk,
                    mode=args.mode, outcome=args.outcome, session_id=args.session)

    def run(console: Console) -> int:
        page = (console.search if args.all else console.queue)(f, args.page - 1)
        now = console.storage.clock.now()
        if args.json:
            print(json.dumps(queue_json(page, now), indent=2))
            return 0
        what = "sessions found" if args.all else "cases waiting for review"
        print(f"{page.total:,} {what}  \u00b7  page {page.page + 1} of {page.pages}")
        for s in page.items:
            print(f"{s.session_id[:12]}  {s.decided_at:%Y-%m-%d %H:%M}  {waiting_text(s, now):>7}  {s.kiosk_id}  "
                  f"{s.mode}  {s.outcome.upper()}  {','.join(s.reasons) or '-'}  {_review_state(s)}")
        return 0
    return signed_in(args, run)


def _show(args: argparse.Namespace) -> int:
    from kiosk.commands.review_show import case_json, case_text

    def run(console: Console) -> int:
        case = console.open_case(console.find_session(args.case), with_images=False)  # audited session_viewed
        now = console.storage.clock.now()
        print(json.dumps(case_json(case), indent=2) if args.json else case_text(case, now))
        return 0
    return signed_in(args, run)


def _decide(args: argparse.Namespace) -> int:
    def run(console: Console) -> int:
        sid = console.find_session(args.case)
        act = {"approve": console.approve, "reject": console.reject, "reopen": console.reopen}[args.review_command]
        review_id = act(sid, args.note)
        done = {"approve": "approved", "reject": "rejected", "reopen": "reopened (back in the queue)"}
        print(f"case {sid} {done[args.review_command]} by {args.user}; review {review_id}")
        return 0
    return signed_in(args, run)


def _login_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", required=True, metavar="NAME", help="the operator account to sign in as")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from stdin (one line)")
    how.add_argument("--password-env", default=None, metavar="VAR",
                     help="read the password from this environment variable (else asked on the terminal)")
    add_location_arguments(p, suppress=True)


def add_actions(review: argparse.ArgumentParser) -> None:
    """Add the actions to the ``kiosk review`` parser (an action is optional: none opens the window)."""
    sub = review.add_subparsers(dest="review_command", metavar="ACTION")
    q = sub.add_parser("queue", help="the cases waiting for review, oldest first (or --all: search every session)")
    q.add_argument("--all", action="store_true", help="search every session (any outcome and review state), newest first")
    q.add_argument("--from", dest="day_from", type=_day, default=None, metavar="YYYY-MM-DD", help="first day (UTC)")
    q.add_argument("--to", dest="day_to", type=_day, default=None, metavar="YYYY-MM-DD", help="last day (UTC), included")
    q.add_argument("--reason", default=None, metavar="CODE", help="a reason code, e.g. DOCUMENT_EXPIRED")
    q.add_argument("--kiosk", default=None, metavar="ID", help="one kiosk's sessions")
    q.add_argument("--mode", default=None, help="kiosk (self-service), assisted, or another mode the log holds")
    q.add_argument("--outcome", default=None, choices=("accept", "review", "reject"), help="the kiosk's decision")
    q.add_argument("--session", default=None, metavar="DIGITS", help="the first digits of a session id")
    q.add_argument("--page", type=int, default=1, help="page of 50, counted from 1")
    q.add_argument("--json", action="store_true", help="print the page as JSON")
    _login_arguments(q)
    q.set_defaults(func=_queue)
    s = sub.add_parser("show", help="one case: reasons, chip verdicts, liveness, match; identity as the window "
                                    "shows it, never images (audited as viewed)")
    s.add_argument("case", metavar="CASE", help="the session id or its first digits")
    s.add_argument("--json", action="store_true", help="print the case as JSON")
    _login_arguments(s)
    s.set_defaults(func=_show)
    for name, text in (("approve", "accept a flagged case, with a note"), ("reject", "reject a flagged case, with a note"),
                       ("reopen", "a supervisor puts a reviewed case back in the queue, with a note")):
        d = sub.add_parser(name, help=text)
        d.add_argument("case", metavar="CASE", help="the session id or its first digits")
        d.add_argument("--note", required=True, help="why (at least 5 characters); stored encrypted and audited")
        _login_arguments(d)
        d.set_defaults(func=_decide)
