"""``kiosk operator add|disable|passwd|role|restore``: operator accounts (storage.accounts); every change audited.

``restore`` is the way back for an account whose row fails its seal (edited in the database): it sets the
role, a new password, enabled and unlocked, and records the problem it had in the audit chain.

Passwords are read from the terminal (asked twice) or, for scripts, one line from stdin with
``--password-stdin``; they never appear on the command line.
"""
from __future__ import annotations

import argparse
import getpass
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
    """Add ``kiosk operator add|disable|passwd|role|restore``."""
    p = subparsers.add_parser("operator", help="operator accounts for the review screen")
    sub = p.add_subparsers(dest="operator_command", metavar="ACTION")
    sub.required = True
    a = sub.add_parser("add", help="create an operator account")
    a.add_argument("username")
    a.add_argument("--role", choices=("operator", "supervisor", "admin"), default="operator")
    a.add_argument("--password-stdin", action="store_true", help="read the password from stdin (one line)")
    add_storage_arguments(a)
    a.set_defaults(func=_add)
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
