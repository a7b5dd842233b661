"""``kiosk review`` without an action: opens the operator review console window. The ``review`` parser and
its Qt-free actions (queue, show, approve, reject, reopen) are ``kiosk/commands/review_cmd.py``'s; this
entry point (pyproject.toml, since kiosk/ never imports ui/) only adds the window and its options."""
from __future__ import annotations

import argparse
from pathlib import Path


def _review(args: argparse.Namespace) -> int:
    import os

    from kiosk.commands.review_cmd import ACTIONS, backoffice_keyring
    from kiosk.errors import BadInputError
    from kiosk.paths import default_data_dir
    from ui.console.app import run_console

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


def register_review(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the window to ``kiosk review`` (the parser is created here when the kiosk command has none)."""
    from kiosk.commands.review_cmd import add_review_parser

    p = sub.choices.get("review") or add_review_parser(sub)
    p.add_argument("--idle-lock", type=float, default=300.0, help="(window) lock after this many idle seconds")
    p.add_argument("--language", choices=("en", "de"), default="en", help="(window) language of the console")
    p.add_argument("--calibration", action="store_true",
                   help="(window) offer admins the liveness calibration screen on this kiosk's camera "
                        "([devices.camera] of --config; stop the kiosk first, it holds the camera)")
    p.add_argument("--calibration-replay", type=Path, default=None, metavar="PATH",
                   help="(window) the calibration screen on a replayed video or image folder instead of the camera")
    p.set_defaults(func=_review)
