"""``kiosk audit verify --data-dir DIR``: check the audit chain, the chain-head anchor and every
sealed row (storage.integrity). ``kiosk audit verify --central URL [--kiosk ID]``: every kiosk's pushed
history at the central store (storage.central.verify).

Exit status 0 when all is intact; 1 naming the first bad row (``seq N`` for an event, ``table T, id X,
field F`` for a stored row) when anything was edited, inserted, deleted, reordered or rolled back. Also holds the ``--data-dir``/``--config`` helpers the other storage
commands (keys, purge, operator, export, bench storage) share.
"""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.paths import default_data_dir

if TYPE_CHECKING:
    from storage import Storage


def add_storage_arguments(parser: argparse.ArgumentParser,
                          config_help: str = "TOML file whose [storage] table configures storage") -> None:
    """``--data-dir`` (default: the per-user data folder) and ``--config`` (TOML with a [storage] table, or what
    ``config_help`` says the command reads of it)."""
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder holding the database, blobs and keys (default: the per-user data folder or $KIOSK_HOME)")
    parser.add_argument("--config", type=Path, default=None, help=config_help)


def open_storage_from_args(args: argparse.Namespace) -> Storage:
    """Open the storage the parsed ``--data-dir``/``--config`` name."""
    from storage import load_storage_config, open_storage

    data_dir = args.data_dir if args.data_dir is not None else default_data_dir()
    return open_storage(data_dir, load_storage_config(args.config))


def cli_actor() -> str:
    """Audit actor for command-line actions: ``cli:<OS user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _verify(args: argparse.Namespace) -> int:
    if args.central:
        return _verify_central(args)
    st = open_storage_from_args(args)
    try:
        result = st.verify()
    finally:
        st.close()
    if result.ok:
        print(f"audit chain intact: {result.events} events; {result.rows} stored rows match their seals and events")
        return 0
    print(f"audit chain BROKEN (first bad row: {result.where()}): {result.problem}", file=sys.stderr)
    return 1


def _verify_central(args: argparse.Namespace) -> int:
    from storage.central.store import CentralStore
    from storage.central.verify import verify_central

    expected = None
    if args.backoffice_signing_key is not None:
        from storage.backoffice_signing import read_signing_public_key

        expected = read_signing_public_key(args.backoffice_signing_key)
    central = CentralStore(args.central)
    try:
        result = verify_central(central, args.kiosk, expected_signing_key=expected)
    finally:
        central.dispose()
    for k in result.kiosks:
        if k.ok:
            print(f"kiosk {k.kiosk_id}: intact: {k.events} events, {k.heads} signed heads, {k.rows} rows and evidence items")
        else:
            print(f"kiosk {k.kiosk_id}: BROKEN (first bad row: {k.where()}): {k.problem}", file=sys.stderr)
    ca = result.central_audit
    if ca.ok:
        print(f"central audit chain intact: {ca.events} events, central reviews match them")
    else:
        print(f"central audit chain BROKEN (first bad row: {ca.where()}): {ca.problem}", file=sys.stderr)
    return 0 if result.ok else 1


def _reanchor(args: argparse.Namespace) -> int:
    st = open_storage_from_args(args)
    try:
        seq = st.integrity.reanchor(cli_actor(), args.reason)
    finally:
        st.close()
    print(f"database head accepted; audit event {seq} records the reason and what the head file held before")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk audit verify``."""
    p = subparsers.add_parser("audit", help="tamper-evident audit trail")
    sub = p.add_subparsers(dest="audit_command", metavar="ACTION")
    sub.required = True
    v = sub.add_parser("verify", help="check the audit chain, its head anchor and every stored row; "
                                      "exit 1 naming the first bad row")
    add_storage_arguments(v)
    v.add_argument("--central", default=None, metavar="URL",
                   help="verify the central store instead: every kiosk's pushed chain, signed heads and rows")
    v.add_argument("--kiosk", default=None, help="with --central: only this kiosk")
    v.add_argument("--backoffice-signing-key", type=Path, default=None, metavar="FILE",
                   help="with --central: the back office's signing public key (<bos-...>.pub), checked against the "
                        "one the central store trusts (which lives in its database)")
    v.set_defaults(func=_verify)
    r = sub.add_parser("reanchor", help="after a deliberate restore of a database backup: accept its head "
                                        "(audited, with the reason) so verification can pass again")
    add_storage_arguments(r)
    r.add_argument("--reason", required=True, help="why the restored database is accepted (kept in the audit event)")
    r.set_defaults(func=_reanchor)
