"""``kiosk pad uninstall --reason TEXT``: remove the installed site liveness model on the record.

The kiosk refuses to start when a site model that the audit chain says is installed is missing or changed
(``kiosk.pad.site``); running on FaceAntiSpoofing alone again is a decision, so it is an audited
``config_change`` event (who, why, which model) followed by the removal of the model file.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.commands.audit_cmd import add_storage_arguments, cli_actor, open_storage_from_args


def _uninstall(args: argparse.Namespace) -> int:
    from kiosk.pad.site import uninstall
    from kiosk.paths import default_data_dir

    data_dir = Path(args.data_dir) if args.data_dir is not None else default_data_dir()
    args.data_dir = data_dir
    st = open_storage_from_args(args)
    try:
        seq = uninstall(st, data_dir, cli_actor(), args.reason)
    finally:
        st.close()
    print(f"site liveness model uninstalled (audit event {seq}); the kiosk scores with FaceAntiSpoofing alone")
    return 0


def register_uninstall(psub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``pad uninstall``."""
    u = psub.add_parser("uninstall", help="remove the installed site liveness model (audited, with the reason); "
                                          "the kiosk then runs on FaceAntiSpoofing alone")
    add_storage_arguments(u)
    u.add_argument("--reason", required=True, help="why the model is removed (kept in the audit event)")
    u.set_defaults(func=_uninstall)
