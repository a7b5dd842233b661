"""``kiosk operator add|list|disable|passwd|role|restore``: operator accounts (storage.accounts); every change
audited. ``list`` prints name, role, enabled, locked and tampered (no secrets), as the admin screen shows them.

``restore`` is the way back for an account whose row fails its seal (edited in the database): it sets the
role, a new password, enabled and unlocked, and records the problem it had in the audit chain.

Passwords are read from the terminal (asked twice) or, for scripts, one line from stdin with
``--password-stdin``; they never appear on the command line.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk.commands.audit_cmd import add_storage_arguments, cli_actor, open_storage_from_args
from kiosk.errors import BadInputError

if TYPE_CHECKING:
    from storage.store import Storage


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise BadInputError("--password-stdin: no password on standard input")
        return line.rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise BadInputError("the two passwords differ")
    return first


def _on_store(args: argparse.Namespace, action: Callable[[Storage], Any], done: str) -> int:
    """Open the store, run ``action``, close the store, print ``done`` formatted with the action's result."""
    st = open_storage_from_args(args)
    try:
        result = action(st)
    finally:
        st.close()
    print(done.format(result, args=args))
    return 0


def _add(args: argparse.Namespace) -> int:
    password = _read_password(args)
    return _on_store(args, lambda st: st.operators.add(args.username, args.role, password, cli_actor()),
                     "operator {0.username} added with role {0.role}")


def account_rows(st: Storage) -> list[dict[str, Any]]:
    """Every account as the admin screen lists it: name, role, enabled, locked (until when), tampered (why)."""
    now = st.clock.now()
    return [{"name": a.username, "role": a.role, "enabled": not a.disabled,
             "locked": a.locked_until is not None and a.locked_until > now,
             "locked_until": a.locked_until.isoformat() if a.locked_until is not None and a.locked_until > now else None,
             "tampered": a.problem is not None, "problem": a.problem} for a in st.operators.list_accounts()]


def _list(args: argparse.Namespace) -> int:
    st = open_storage_from_args(args)
    try:
        rows = account_rows(st)
    finally:
        st.close()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'name':<20} {'role':<11} {'enabled':<8} {'locked':<7} tampered")
    for r in rows:
        print(f"{r['name']:<20} {r['role']:<11} {'yes' if r['enabled'] else 'no':<8} {'yes' if r['locked'] else 'no':<7} "
              + (f"yes: {r['problem']} (kiosk operator restore)" if r["tampered"] else "no"))
    return 0


def _disable(args: argparse.Namespace) -> int:
    return _on_store(args, lambda st: st.operators.disable(args.username, cli_actor()),
                     "operator {args.username} disabled")


def _passwd(args: argparse.Namespace) -> int:
    password = _read_password(args)
    return _on_store(args, lambda st: st.operators.set_password(args.username, password, cli_actor()),
                     "password of {args.username} changed")


def _role(args: argparse.Namespace) -> int:
    return _on_store(args, lambda st: st.operators.set_role(args.username, args.role, cli_actor()),
                     "operator {args.username} now has role {args.role}")


def _restore(args: argparse.Namespace) -> int:
    password = _read_password(args)

    def restore(st: Storage) -> str:
        problem = st.operators.restore(args.username, args.role, password, cli_actor())
        return f" (it had failed its integrity check: {problem})" if problem else ""
    return _on_store(args, restore, "operator {args.username} restored with role {args.role}{0}")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk operator add|list|disable|passwd|role|restore``."""
    p = subparsers.add_parser("operator", help="operator accounts for the review screen")
    sub = p.add_subparsers(dest="operator_command", metavar="ACTION")
    sub.required = True
    a = sub.add_parser("add", help="create an operator account")
    a.add_argument("username")
    a.add_argument("--role", choices=("operator", "supervisor", "admin"), default="operator")
    a.add_argument("--password-stdin", action="store_true", help="read the password from stdin (one line)")
    add_storage_arguments(a)
    a.set_defaults(func=_add)
    ls = sub.add_parser("list", help="every account: name, role, enabled, locked, tampered (no secrets)")
    ls.add_argument("--json", action="store_true", help="print the accounts as JSON")
    add_storage_arguments(ls)
    ls.set_defaults(func=_list)
    d = sub.add_parser("disable", help="disable an operator account")
    d.add_argument("username")
    add_storage_arguments(d)
    d.set_defaults(func=_disable)
    w = sub.add_parser("passwd", help="set a new password (clears a lockout)")
    w.add_argument("username")
    w.add_argument("--password-stdin", action="store_true", help="read the password from stdin (one line)")
    add_storage_arguments(w)
    w.set_defaults(func=_passwd)
    r = sub.add_parser("role", help="give an account another role")
    r.add_argument("username")
    r.add_argument("role", choices=("operator", "supervisor", "admin"))
    add_storage_arguments(r)
    r.set_defaults(func=_role)
    o = sub.add_parser("restore", help="set an account that fails its integrity check again "
                                       "(role, new password, enabled, unlocked)")
    o.add_argument("username")
    o.add_argument("--role", choices=("operator", "supervisor", "admin"), required=True)
    o.add_argument("--password-stdin", action="store_true", help="read the password from stdin (one line)")
    add_storage_arguments(o)
    o.set_defaults(func=_restore)
