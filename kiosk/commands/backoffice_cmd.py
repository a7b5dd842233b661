"""``kiosk backoffice keygen --out DIR``: the back office's HPKE key pair for sealed evidence
(storage.backoffice_keys). Run it on a back-office machine, never on a kiosk: the ``.key`` file
(encrypted under a passphrase) opens every blob sealed to it; only the ``.pub`` file goes to kiosks.
``kiosk backoffice signing-keygen --out DIR``: its Ed25519 signing key pair, the authority that registers
and revokes kiosk keys at the central store (storage.backoffice_signing). ``kiosk backoffice evidence`` lists a session's sealed items at the central store;
``kiosk backoffice open-evidence`` opens one into a file (storage.central.evidence; audited centrally)."""
from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.commands.audit_cmd import cli_actor
from kiosk.commands.keys_cmd import read_passphrase


def _keygen(args: argparse.Namespace) -> int:
    from storage.backoffice_keys import generate_key_pair

    passphrase = read_passphrase(args, confirm=True, what="back-office key")
    public, key_path, pub_path = generate_key_pair(args.out, passphrase)
    print(f"back-office key {public.key_id}")
    print(f"  private key (keep it, and every older one, at the back office): {key_path} (mode 0600, encrypted)")
    print(f"  public key (give it to each kiosk): {pub_path}")
    print(f"on each kiosk: kiosk fleet set-backoffice-key {pub_path.name}")
    return 0


def _signing_keygen(args: argparse.Namespace) -> int:
    from storage.backoffice_signing import generate_signing_key_pair

    passphrase = read_passphrase(args, confirm=True, what="back-office signing key")
    key_id, key_path, pub_path = generate_signing_key_pair(args.out, passphrase)
    print(f"back-office signing key {key_id}")
    print(f"  private key (it decides which kiosk keys the centre trusts; keep it at the back office): {key_path}")
    print(f"  public key: {pub_path}")
    print(f"at the centre, once: kiosk central init --central URL --backoffice-signing-key {pub_path.name}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from storage.central.evidence import list_central_evidence
    from storage.central.store import CentralStore

    central = CentralStore(args.central)
    try:
        items = list_central_evidence(central, kiosk_id=args.kiosk, session_id=args.session)
    finally:
        central.dispose()
    for e in items:
        print(f"{e.evidence_id}  {e.kind:<18} {e.media_type:<38} sealed to {e.key_id}  {e.size} bytes")
    if not items:
        print(f"no sealed evidence of session {args.session} (kiosk {args.kiosk}) at the central store")
    return 0


def _open(args: argparse.Namespace) -> int:
    from storage.backoffice_keys import BackofficeKeyring
    from storage.central.evidence import open_central_evidence, save_opened_evidence
    from storage.central.store import CentralStore

    keys = BackofficeKeyring(args.keys, read_passphrase(args, confirm=False, what="back-office key"))
    central = CentralStore(args.central)
    try:
        info, data = open_central_evidence(central, keys, kiosk_id=args.kiosk, evidence_id=args.evidence,
                                           actor=cli_actor())
    finally:
        central.dispose()
    save_opened_evidence(args.out, data)
    print(f"{info.kind} ({info.media_type}, {len(data)} bytes) of session {info.session_id} written to {args.out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk backoffice keygen|signing-keygen|evidence|open-evidence``."""
    p = subparsers.add_parser("backoffice", help="back-office keys that open sealed evidence")
    sub = p.add_subparsers(dest="backoffice_command", metavar="ACTION")
    sub.required = True
    k = sub.add_parser("keygen", help="make a new back-office key pair (also how the key is rotated)")
    k.add_argument("--out", required=True, type=Path, help="folder for <key id>.key (private) and <key id>.pub")
    k.add_argument("--passphrase-env", metavar="VAR", help="read the passphrase from this environment variable")
    k.set_defaults(func=_keygen)
    g = sub.add_parser("signing-keygen", help="make the back office's signing key pair: it registers and revokes "
                                              "kiosk keys at the central store")
    g.add_argument("--out", required=True, type=Path, help="folder for <bos-...>.key (private) and <bos-...>.pub")
    g.add_argument("--passphrase-env", metavar="VAR", help="read the passphrase from this environment variable")
    g.set_defaults(func=_signing_keygen)
    ls = sub.add_parser("evidence", help="list one session's sealed evidence at the central store")
    ls.add_argument("--central", required=True, help="central store URL (postgresql+psycopg://...)")
    ls.add_argument("--kiosk", required=True, help="kiosk id")
    ls.add_argument("--session", required=True, help="session id")
    ls.set_defaults(func=_list)
    o = sub.add_parser("open-evidence", help="open one sealed item with the back-office keys (audited centrally)")
    o.add_argument("--central", required=True, help="central store URL (postgresql+psycopg://...)")
    o.add_argument("--kiosk", required=True, help="kiosk id")
    o.add_argument("--evidence", required=True, help="evidence id (see 'kiosk backoffice evidence')")
    o.add_argument("--keys", required=True, type=Path, help="folder of the back office's <key id>.key files")
    o.add_argument("--out", required=True, type=Path, help="file to write the opened bytes to (created 0600)")
    o.add_argument("--passphrase-env", metavar="VAR", help="read the passphrase from this environment variable")
    o.set_defaults(func=_open)
