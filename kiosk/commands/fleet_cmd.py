"""``kiosk fleet set-backoffice-key FILE``: the back-office public key new evidence is sealed to
(storage.sealed_evidence; audited as ``config_change``). ``kiosk fleet register --kiosk-id ID``: the
kiosk's head-signing public key for the central registry (storage.head_signing). ``kiosk fleet show``."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from kiosk.commands.audit_cmd import add_storage_arguments, cli_actor, open_storage_from_args


def _set_key(args: argparse.Namespace) -> int:
    from storage.backoffice_keys import read_public_key
    from storage.sealed_evidence import record_backoffice_key

    public = read_public_key(args.file)  # checked before the store is opened
    st = open_storage_from_args(args)
    try:
        previous = record_backoffice_key(st, public, cli_actor())
    finally:
        st.close()
    if previous == public.key_id:
        print(f"back-office key {public.key_id} is already the one evidence is sealed to; nothing changed")
    else:
        print(f"evidence is now sealed to back-office key {public.key_id}"
              + (f" (was {previous}; the back office keeps that private key for older evidence)" if previous else ""))
    return 0


def _kiosk_keys(args: argparse.Namespace) -> tuple[str, str, str]:
    """(head-signing key id, its public key, the back-office key evidence is sealed to, in words)."""
    from storage.head_signing import head_signing_public_key
    from storage.sealed_evidence import recorded_backoffice_key
    from storage.sealing import BackofficeKeyMissingError

    st = open_storage_from_args(args)
    try:
        key_id, public_b64 = head_signing_public_key(st.keys.keys)
        try:
            sealed_to = recorded_backoffice_key(st.data_dir).key_id
        except BackofficeKeyMissingError:
            sealed_to = "none recorded (kiosk fleet set-backoffice-key FILE)"
    finally:
        st.close()
    return key_id, public_b64, sealed_to


def _register(args: argparse.Namespace) -> int:
    key_id, public_b64, _ = _kiosk_keys(args)
    if args.json:
        print(json.dumps({"kiosk_id": args.kiosk_id, "key_id": key_id, "public_key": public_b64}))
        return 0
    print(f"kiosk {args.kiosk_id}: head-signing key {key_id} (Ed25519) {public_b64}")
    print("at the back office (it holds the signing key that registers kiosk keys), run:")
    print(f"  kiosk central register --central URL --kiosk {args.kiosk_id} --public-key {public_b64} --key-id {key_id} "
          f"--signing-key BOS.key")
    return 0


def _show(args: argparse.Namespace) -> int:
    key_id, public_b64, sealed_to = _kiosk_keys(args)
    print(f"evidence sealed to back-office key: {sealed_to}")
    print(f"head-signing key: {key_id} {public_b64}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk fleet set-backoffice-key|register|show``."""
    p = subparsers.add_parser("fleet", help="this kiosk's keys towards the back office and the central store")
    sub = p.add_subparsers(dest="fleet_command", metavar="ACTION")
    sub.required = True
    s = sub.add_parser("set-backoffice-key", help="seal evidence for the centre to this back-office public key")
    add_storage_arguments(s)
    s.add_argument("file", type=Path, help="the <key id>.pub file from 'kiosk backoffice keygen'")
    s.set_defaults(func=_set_key)
    r = sub.add_parser("register", help="print this kiosk's head-signing public key for the central registry")
    add_storage_arguments(r)
    r.add_argument("--kiosk-id", required=True, help="the kiosk's id in the fleet (as the sync uses it)")
    r.add_argument("--json", action="store_true", help="one JSON object: kiosk_id, key_id, public_key")
    r.set_defaults(func=_register)
    w = sub.add_parser("show", help="which back-office key evidence is sealed to, and the head-signing key")
    add_storage_arguments(w)
    w.set_defaults(func=_show)
