"""``kiosk backoffice keygen --out DIR``: the back office's HPKE key pair for sealed evidence
(storage.backoffice_keys). Run it on a back-office machine, never on a kiosk: the ``.key`` file
(encrypted under a passphrase) opens every blob sealed to it; only the ``.pub`` file goes to kiosks."""
from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.commands.keys_cmd import read_passphrase


def _keygen(args: argparse.Namespace) -> int:
    from storage.backoffice_keys import generate_key_pair

    public, key_path, pub_path = generate_key_pair(args.out, read_passphrase(args, confirm=True, what="back-office key"))
    print(f"back-office key {public.key_id}")
    print(f"  private key (keep it, and every older one, at the back office): {key_path} (mode 0600, encrypted)")
    print(f"  public key (give it to each kiosk): {pub_path}")
    print(f"on each kiosk: kiosk fleet set-backoffice-key {pub_path.name}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk backoffice keygen``."""
    p = subparsers.add_parser("backoffice", help="back-office keys that open sealed evidence")
    sub = p.add_subparsers(dest="backoffice_command", metavar="ACTION")
    sub.required = True
    k = sub.add_parser("keygen", help="make a new back-office key pair (also how the key is rotated)")
    k.add_argument("--out", required=True, type=Path, help="folder for <key id>.key (private) and <key id>.pub")
    k.add_argument("--passphrase-env", metavar="VAR", help="read the passphrase from this environment variable")
    k.set_defaults(func=_keygen)
