"""``kiosk central init --central URL``: create the central (fleet) schema on PostgreSQL.
``kiosk central register --central URL --kiosk ID --key-id K --public-key B64``: register a kiosk's
head-signing key (printed on the kiosk by ``kiosk fleet register``); ``kiosk central revoke`` revokes one.
See storage.central."""
from __future__ import annotations

import argparse

from kiosk.commands.audit_cmd import cli_actor


def add_central_argument(parser: argparse.ArgumentParser, required: bool = True) -> None:
    """``--central URL`` (SQLAlchemy PostgreSQL URL of the central store)."""
    parser.add_argument("--central", required=required, metavar="URL",
                        help="central store, e.g. postgresql+psycopg://kiosk@127.0.0.1:5432/central")


def _init(args: argparse.Namespace) -> int:
    from storage.central.store import CentralStore

    central = CentralStore(args.central)
    try:
        central_id = central.init_schema()
    finally:
        central.dispose()
    print(f"central store {central.describe()} ready (central id {central_id})")
    return 0


def _register(args: argparse.Namespace) -> int:
    from storage.central.kiosks import register_kiosk_key
    from storage.central.store import CentralStore

    central = CentralStore(args.central)
    try:
        added = register_kiosk_key(central, args.kiosk, args.key_id, args.public_key, cli_actor())
    finally:
        central.dispose()
    print(f"kiosk {args.kiosk}: key {args.key_id} " + ("registered" if added else "was already registered"))
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from storage.central.kiosks import revoke_kiosk_key
    from storage.central.store import CentralStore

    central = CentralStore(args.central)
    try:
        at = revoke_kiosk_key(central, args.kiosk, args.key_id, cli_actor())
    finally:
        central.dispose()
    print(f"kiosk {args.kiosk}: key {args.key_id} revoked as of {at.isoformat()}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk central init|register``."""
    p = subparsers.add_parser("central", help="the central (fleet) store: create it, register kiosks")
    sub = p.add_subparsers(dest="central_command", metavar="ACTION")
    sub.required = True
    i = sub.add_parser("init", help="create the central schema (idempotent)")
    add_central_argument(i)
    i.set_defaults(func=_init)
    r = sub.add_parser("register", help="register a kiosk's head-signing public key (from 'kiosk fleet register')")
    add_central_argument(r)
    r.add_argument("--kiosk", required=True, help="kiosk id")
    r.add_argument("--key-id", required=True, help="key id printed by 'kiosk fleet register'")
    r.add_argument("--public-key", required=True, help="Ed25519 public key (base64) printed by 'kiosk fleet register'")
    r.set_defaults(func=_register)
    v = sub.add_parser("revoke", help="revoke a kiosk's head-signing key (stolen kiosk): its pushes are refused")
    add_central_argument(v)
    v.add_argument("--kiosk", required=True, help="kiosk id")
    v.add_argument("--key-id", required=True, help="the key id to revoke")
    v.set_defaults(func=_revoke)
