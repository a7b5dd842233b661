"""``kiosk review queue|show|approve|reject|reopen``: the operator review from the command line, for a
back-office server without a display. ``kiosk review`` alone opens the console window, which the ``ui``
package adds to this parser through its ``idkiosk.commands`` entry point (kiosk/ never imports Qt).

Every action signs an operator in through the same Qt-free console service as the window
(``kiosk.console.Console``: login with lockout, the role check in front of each action, the four-eyes
rules of ``storage.review_rules``, ``session_viewed`` audited), then signs out. The password comes from
one line of stdin (``--password-stdin``), an environment variable named by ``--password-env``, or the
terminal; never from an argument, since command lines are visible in the process list.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.errors import BadInputError

if TYPE_CHECKING:
    from storage.store import Storage

    from kiosk.console import Console

WHERE = "review-cli"  # recorded with each login and logout, beside the window's "review-console"
ACTIONS = ("queue", "show", "approve", "reject", "reopen")


def add_location_arguments(p: argparse.ArgumentParser, suppress: bool = False) -> None:
    """``--data-dir``, ``--config`` and the central store's options (the window has the same).

    ``suppress``: on a sub-command, an option not given keeps the value given before the action
    (``kiosk review --data-dir D queue``) instead of overwriting it with the default."""
    default: Any = argparse.SUPPRESS if suppress else None
    p.add_argument("--data-dir", type=Path, default=default,
                   help="folder holding the database, blobs and keys (default: the per-user data folder or "
                        "$KIOSK_HOME); with --central, the back office's own keys")
    p.add_argument("--config", type=Path, default=default, help="TOML file whose [storage] table configures storage")
    p.add_argument("--central", default=default, metavar="URL",
                   help="review at the central store (one queue across kiosks)")
    p.add_argument("--backoffice-keys", type=Path, default=default, metavar="DIR",
                   help="with --central: the back office's key folder, to open sealed images and identity fields")
    p.add_argument("--passphrase-env", default=default, metavar="VAR",
                   help="read the back-office key passphrase from this environment variable (else asked)")


def backoffice_keyring(args: argparse.Namespace) -> Any:
    """The back-office keyring of ``--backoffice-keys`` (its passphrase from ``--passphrase-env`` or asked),
    or None."""
    if args.backoffice_keys is None:
        return None
    from storage.backoffice_keys import BackofficeKeyring

    from kiosk.commands.keys_cmd import read_passphrase

    return BackofficeKeyring(args.backoffice_keys, read_passphrase(args, confirm=False, what="back-office key"))


def open_review_storage(args: argparse.Namespace) -> Storage:
    """The kiosk's own store, or with ``--central`` the central store as the window opens it."""
    from storage import load_storage_config, open_storage

    from kiosk.paths import default_data_dir

    data_dir = args.data_dir if args.data_dir is not None else default_data_dir()
    config = load_storage_config(args.config)
    if args.central:
        from storage.central.fleet_view import open_fleet_console_storage

        return open_fleet_console_storage(Path(data_dir), args.central, backoffice_keyring(args), config)
    if args.backoffice_keys is not None:
        raise BadInputError("--backoffice-keys opens sealed evidence at the central store: give --central too")
    return open_storage(data_dir, config)


def read_login_password(args: argparse.Namespace) -> str:
    """The operator's password: ``--password-env VAR``, one line of stdin, or asked on the terminal."""
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            raise BadInputError(f"--password-env {args.password_env}: that environment variable is empty or unset")
        return value
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            raise BadInputError("--password-stdin: no password on standard input")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise BadInputError("no terminal to ask the password on: give --password-stdin or --password-env VAR")
    return getpass.getpass(f"Password of {args.user}: ")


def signed_in(args: argparse.Namespace, action: Callable[[Console], int]) -> int:
    """Open the store, log ``--user`` in (audited, lockout as in the window), run ``action``, log out."""
    from kiosk.console import Console

    password = read_login_password(args)  # before the store opens: nothing to undo when it is missing
    st = open_review_storage(args)
    try:
        console = Console(st, where=WHERE)
        console.login(args.user, password)
        try:
            return action(console)
        finally:
            console.logout()
    finally:
        st.close()


def _window(args: argparse.Namespace) -> int:
    """No action: the console window, through the ``console`` front end the ui package declares (kiosk/ never
    imports ui/), on a display; otherwise a typed error that names the command-line actions."""
    from kiosk.paths import default_data_dir
    from kiosk.plugins import frontend

    run_console = frontend("console")
    if run_console is None:
        raise BadInputError("the review window is not installed here (it needs the ui package and PySide6): "
                            f"use an action instead, kiosk review {{{','.join(ACTIONS)}}} (see kiosk review --help)")
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")):
        # Qt would abort the process with a platform-plugin dump; a server without a display has the actions.
        raise BadInputError("no display for the review window: review from the command line instead, "
                            f"kiosk review {{{','.join(ACTIONS)}}} (see kiosk review --help)")
    keyring = backoffice_keyring(args)
    camera = None
    if args.calibration or args.calibration_replay:
        from kiosk.pad.collect import open_camera

        if args.central:
            raise BadInputError("liveness calibration needs the kiosk's own camera and data folder, not --central")
        camera = lambda: open_camera(args.config, args.calibration_replay)  # noqa: E731  (opened on Start)
    return run_console(args.data_dir or default_data_dir(), args.config, idle_lock_s=args.idle_lock,
                       language=args.language, central_url=args.central, keyring=keyring, calibration_camera=camera)


def add_review_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """``kiosk review`` with its location options; without an action it opens the window if installed."""
    p = sub.add_parser("review", help=f"operator review: the console window, or an action ({', '.join(ACTIONS)})",
                       description="Operator review. Without an action: the console window (when the ui "
                                   "package is installed). With one: the same review from the command line, "
                                   "signed in as an operator.")
    add_location_arguments(p)
    p.add_argument("--idle-lock", type=float, default=300.0, help="(window) lock after this many idle seconds")
    p.add_argument("--language", choices=("en", "de"), default="en", help="(window) language of the console")
    p.add_argument("--calibration", action="store_true",
                   help="(window) offer admins the liveness calibration screen on this kiosk's camera "
                        "([devices.camera] of --config; stop the kiosk first, it holds the camera)")
    p.add_argument("--calibration-replay", type=Path, default=None, metavar="PATH",
                   help="(window) the calibration screen on a replayed video or image folder instead of the camera")
    p.set_defaults(func=_window)
    return p


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk review`` and its actions."""
    from kiosk.commands.review_actions import add_actions

    add_actions(add_review_parser(subparsers))
