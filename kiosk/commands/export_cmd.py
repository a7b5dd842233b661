"""``kiosk export --since DATE --out FILE``: signed JSON lines of decisions for a back office
(storage.export); the outbox records what went out."""
from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path

from kiosk.commands.audit_cmd import add_storage_arguments, cli_actor, open_storage_from_args
from kiosk.errors import BadInputError


def parse_since(text: str) -> datetime:
    """``YYYY-MM-DD`` or an ISO 8601 time; without a zone it is taken as UTC."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadInputError(f"--since {text!r}: use a date like 2026-01-31 or 2026-01-31T12:00:00+00:00") from exc
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _export(args: argparse.Namespace) -> int:
    since = parse_since(args.since)
    st = open_storage_from_args(args)
    try:
        r = st.exporter.export(since, args.out, cli_actor(), only_new=args.only_new)
    finally:
        st.close()
    print(f"exported {r.count} decisions to {r.path} (batch {r.batch_id}); verify with public key {r.public_key}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk export``."""
    p = subparsers.add_parser("export", help="write signed JSON lines of decisions for the back office")
    p.add_argument("--since", required=True, help="first decision time to export (date or ISO time, UTC)")
    p.add_argument("--out", required=True, type=Path, help="output file (.jsonl)")
    p.add_argument("--only-new", action="store_true", help="skip decisions already in an earlier export")
    add_storage_arguments(p)
    p.set_defaults(func=_export)
