"""``kiosk purge``: delete what the retention periods say is due (storage.retention); audited."""
from __future__ import annotations

import argparse

from kiosk.commands.audit_cmd import add_storage_arguments, cli_actor, open_storage_from_args


def _purge(args: argparse.Namespace) -> int:
    st = open_storage_from_args(args)
    try:
        r = st.retention.purge(cli_actor())
    finally:
        st.close()
    print(f"purged: {r.images} images, {r.templates} templates, {r.sessions} sessions, {r.attempts} attempts, "
          f"{r.orphan_blobs} orphan blob files (audit event {r.audit_seq})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk purge``."""
    p = subparsers.add_parser("purge", help="delete evidence and records past their retention period")
    add_storage_arguments(p)
    p.set_defaults(func=_purge)
