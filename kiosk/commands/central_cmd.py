"""``kiosk central init --central URL --backoffice-signing-key FILE.pub``: create the central (fleet) schema
on PostgreSQL and pin the back office's signing key. ``kiosk central register --central URL --kiosk ID
--public-key B64 --signing-key FILE.key``: register a kiosk's head-signing key (printed on the kiosk by
``kiosk fleet register``) under a record signed by the back office; ``kiosk central revoke`` revokes one
for ever, ``kiosk central grant-login`` lets a kiosk's own database login push as that kiosk only
(storage.central.roles), ``kiosk central migrate`` brings a schema-1 store over. See storage.central."""
from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.commands.audit_cmd import cli_actor
from kiosk.commands.keys_cmd import read_passphrase
from kiosk.errors import BadInputError


def add_central_argument(parser: argparse.ArgumentParser, required: bool = True) -> None:
    """``--central URL`` (SQLAlchemy PostgreSQL URL of the central store)."""
    parser.add_argument("--central", required=required, metavar="URL",
                        help="central store, e.g. postgresql+psycopg://kiosk@127.0.0.1:5432/central")


def _add_signing_key(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--signing-key", required=True, type=Path, metavar="FILE",
                        help="the back office's signing key (<bos-...>.key from 'kiosk backoffice signing-keygen'); "
                             "without it nothing is registered or revoked")
    parser.add_argument("--passphrase-env", metavar="VAR", help="read its passphrase from this environment variable")


def _signer(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from storage.backoffice_signing import read_signing_key

    return read_signing_key(args.signing_key, read_passphrase(args, confirm=False, what="back-office signing key"))


def _init(args: argparse.Namespace) -> int:
    from storage.backoffice_signing import read_signing_public_key, signing_key_id
    from storage.central.store import CentralStore

    public = read_signing_public_key(args.backoffice_signing_key) if args.backoffice_signing_key else None
    central = CentralStore(args.central)
    try:
        central_id = central.init_schema(public)
    finally:
        central.dispose()
    print(f"central store {central.describe()} ready (central id {central_id})"
          + (f"; kiosk keys are trusted only when back-office signing key {signing_key_id(public)} registered them"
             if public else ""))
    return 0


def _register(args: argparse.Namespace) -> int:
    from storage.central.kiosks import register_kiosk_key
    from storage.central.store import CentralStore
    from storage.head_signing import MalformedKeyError, key_fingerprint

    try:
        fingerprint = key_fingerprint(args.public_key)
    except MalformedKeyError as exc:
        raise BadInputError(f"--public-key: {exc}") from exc
    if args.key_id is not None and args.key_id != fingerprint:
        raise BadInputError(f"--key-id {args.key_id} is not the fingerprint of that public key ({fingerprint}); key "
                            f"ids are derived from the key, not chosen")
    signer = _signer(args)
    central = CentralStore(args.central)
    try:
        key_id, added = register_kiosk_key(central, args.kiosk, args.public_key, signer, cli_actor())
    finally:
        central.dispose()
    print(f"kiosk {args.kiosk}: key {key_id} " + ("registered" if added else "was already registered"))
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from storage.central.kiosks import revoke_kiosk_key
    from storage.central.store import CentralStore

    signer = _signer(args)
    central = CentralStore(args.central)
    try:
        at = revoke_kiosk_key(central, args.key_id, signer, cli_actor())
    finally:
        central.dispose()
    print(f"key {args.key_id} revoked for ever as of {at.isoformat()}")
    return 0


def _grant_login(args: argparse.Namespace) -> int:
    from storage.central.roles import grant_kiosk_login
    from storage.central.store import CentralStore

    central = CentralStore(args.central)
    try:
        with central.begin("kiosk login grant") as conn:
            central.central_id(conn)
            grant_kiosk_login(conn, args.kiosk, args.role)
    finally:
        central.dispose()
    print(f"database role {args.role} may now push as kiosk {args.kiosk} only (and nothing else at the centre)")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from storage.central.migrate import migrate_v1
    from storage.central.store import CentralStore

    signer = _signer(args)
    central = CentralStore(args.central)
    try:
        lines = migrate_v1(central, signer, cli_actor())
    finally:
        central.dispose()
    for line in lines:
        print(line)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk central init|register|revoke|grant-login|migrate``."""
    p = subparsers.add_parser("central", help="the central (fleet) store: create it, register kiosks")
    sub = p.add_subparsers(dest="central_command", metavar="ACTION")
    sub.required = True
    i = sub.add_parser("init", help="create the central schema (idempotent) and pin the back-office signing key")
    add_central_argument(i)
    i.add_argument("--backoffice-signing-key", type=Path, metavar="FILE",
                   help="the back office's signing public key (<bos-...>.pub); pinned once, needed before any "
                        "kiosk key can be registered")
    i.set_defaults(func=_init)
    r = sub.add_parser("register", help="register a kiosk's head-signing public key (from 'kiosk fleet register')")
    add_central_argument(r)
    r.add_argument("--kiosk", required=True, help="kiosk id")
    r.add_argument("--public-key", required=True, help="Ed25519 public key (base64) printed by 'kiosk fleet register'")
    r.add_argument("--key-id", default=None, help="optional: the key id printed with it (checked: the key's fingerprint)")
    _add_signing_key(r)
    r.set_defaults(func=_register)
    v = sub.add_parser("revoke", help="revoke a kiosk's head-signing key for ever (stolen kiosk): pushes refused")
    add_central_argument(v)
    v.add_argument("--key-id", required=True, help="the key id (ed-... fingerprint) to revoke")
    _add_signing_key(v)
    v.set_defaults(func=_revoke)
    g = sub.add_parser("grant-login", help="let an existing database login push as one kiosk, and only that "
                                           "(run with the back office's database login)")
    add_central_argument(g)
    g.add_argument("--kiosk", required=True, help="kiosk id")
    g.add_argument("--role", required=True, help="the kiosk's own database login role (created beforehand)")
    g.set_defaults(func=_grant_login)
    m = sub.add_parser("migrate", help="bring a schema-1 central store over: its keys re-registered under signed "
                                       "records (review the list it prints)")
    add_central_argument(m)
    _add_signing_key(m)
    m.set_defaults(func=_migrate)
