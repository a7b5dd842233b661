"""``kiosk keys rotate``: new data key, everything re-encrypted, old keys retired (storage.rotation).
``kiosk keys export-public``: print the Ed25519 key the back office verifies exports with."""
from __future__ import annotations

import argparse

from kiosk.commands.audit_cmd import add_storage_arguments, cli_actor, open_storage_from_args


def _rotate(args: argparse.Namespace) -> int:
    st = open_storage_from_args(args)
    try:
        r = st.rotation.rotate(cli_actor(), new_audit_key=args.audit_key)
    finally:
        st.close()
    print(f"new data key {r.new_key_id}; re-encrypted {r.fields} fields and {r.blobs} images; "
          f"retired {', '.join(r.retired_key_ids) or 'none'}; audit key {r.audit_key_id}")
    return 0


def _public(args: argparse.Namespace) -> int:
    from storage.export import public_key_b64

    st = open_storage_from_args(args)
    try:
        print(public_key_b64(st.keys))
    finally:
        st.close()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk keys rotate`` and ``kiosk keys export-public``."""
    p = subparsers.add_parser("keys", help="encryption keys of the decision log")
    sub = p.add_subparsers(dest="keys_command", metavar="ACTION")
    sub.required = True
    r = sub.add_parser("rotate", help="start a new data key and re-encrypt every record and image under it")
    add_storage_arguments(r)
    r.add_argument("--audit-key", action="store_true", help="also start a new audit MAC key (old ones are kept)")
    r.set_defaults(func=_rotate)
    e = sub.add_parser("export-public", help="print the export signature verification key (base64 Ed25519)")
    add_storage_arguments(e)
    e.set_defaults(func=_public)
