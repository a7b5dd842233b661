"""``kiosk sync [--central URL] [--data-dir D] [--config F]``: push this store to the central store
until it is caught up (storage.central.push); exit 1 with the reason when the centre is unreachable
or refuses (nothing unacknowledged is lost: the next sync resumes)."""
from __future__ import annotations

import argparse

from kiosk.commands.audit_cmd import add_storage_arguments, open_storage_from_args
from kiosk.commands.central_cmd import add_central_argument
from kiosk.errors import BadInputError


def _sync(args: argparse.Namespace) -> int:
    from storage import load_storage_config
    from storage.central.push import SyncOptions, sync_store

    from kiosk.workflow.config import load_config

    sync = load_storage_config(args.config).sync
    url = args.central or sync.central_url
    if not url:
        raise BadInputError("no central store: pass --central URL or set [storage.sync] central_url")
    kiosk_id = args.kiosk_id or load_config(args.config).kiosk_id
    options = SyncOptions(batch_sessions=args.batch_sessions or sync.batch_sessions,
                          push_evidence=sync.push_evidence if args.evidence is None else args.evidence)
    st = open_storage_from_args(args)
    try:
        report = sync_store(st, url, kiosk_id, options)
    finally:
        st.close()
    print(report.summary())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk sync``."""
    p = subparsers.add_parser("sync", help="push sessions, decisions, reviews, audit events (and sealed evidence) "
                                           "to the central store")
    add_central_argument(p, required=False)
    add_storage_arguments(p)
    p.add_argument("--kiosk-id", default=None, help="this kiosk's id at the centre (default: kiosk_id of --config)")
    p.add_argument("--batch-sessions", type=int, default=None, help="sessions per central transaction")
    p.add_argument("--evidence", action=argparse.BooleanOptionalAction, default=None,
                   help="push sealed evidence (default: [storage.sync] push_evidence)")
    p.set_defaults(func=_sync)
