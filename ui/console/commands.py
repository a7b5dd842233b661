"""``kiosk review``: opens the operator review console (declared as an entry point in pyproject.toml,
since kiosk/ never imports ui/)."""
from __future__ import annotations

import argparse
from pathlib import Path


def _review(args: argparse.Namespace) -> int:
    from kiosk.paths import default_data_dir
    from ui.console.app import run_console

    keyring = None
    if args.backoffice_keys is not None:
        from storage.backoffice_keys import BackofficeKeyring

        from kiosk.commands.keys_cmd import read_passphrase

        keyring = BackofficeKeyring(args.backoffice_keys, read_passphrase(args, confirm=False, what="back-office key"))
    camera = None
    if args.calibration or args.calibration_replay:
        from kiosk.errors import BadInputError
        from kiosk.pad_collect import open_camera

        if args.central:
            raise BadInputError("liveness calibration needs the kiosk's own camera and data folder, not --central")
        camera = lambda: open_camera(args.config, args.calibration_replay)  # noqa: E731  (opened on Start)
    return run_console(args.data_dir or default_data_dir(), args.config, idle_lock_s=args.idle_lock,
                       language=args.language, central_url=args.central, keyring=keyring, calibration_camera=camera)


def register_review(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk review``."""
    p = sub.add_parser("review", help="the operator review console (login, queue, cases, report, accounts)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="folder holding the database, blobs and keys (default: the per-user data folder or $KIOSK_HOME)")
    p.add_argument("--config", type=Path, default=None, help="TOML file whose [storage] table configures storage")
    p.add_argument("--idle-lock", type=float, default=300.0, help="lock the console after this many idle seconds")
    p.add_argument("--language", choices=("en", "de"), default="en")
    p.add_argument("--central", default=None, metavar="URL",
                   help="review at the central store (one queue across kiosks); --data-dir then holds the back "
                        "office's own keys")
    p.add_argument("--backoffice-keys", type=Path, default=None, metavar="DIR",
                   help="with --central: the back office's key folder, to open sealed images and identity fields")
    p.add_argument("--passphrase-env", default=None, metavar="VAR",
                   help="read the back-office key passphrase from this environment variable (else asked)")
    p.add_argument("--calibration", action="store_true",
                   help="offer admins the liveness calibration screen on this kiosk's camera ([devices.camera] of "
                        "--config; stop the kiosk first, it holds the camera)")
    p.add_argument("--calibration-replay", type=Path, default=None, metavar="PATH",
                   help="the calibration screen on a replayed video or image folder instead of the camera")
    p.set_defaults(func=_review)
