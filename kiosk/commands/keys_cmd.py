"""``kiosk keys rotate``: new data key, everything re-encrypted, old keys retired (storage.rotation).
``kiosk keys export-public``: print the Ed25519 key the back office verifies exports with.
``kiosk keys backup --out FILE`` / ``kiosk keys restore --from FILE``: passphrase-encrypted key backup
(storage.key_backup); restore refuses a backup that is not this store's."""
from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.commands.audit_cmd import add_storage_arguments, cli_actor, open_storage_from_args
from kiosk.errors import BadInputError
from kiosk.paths import default_data_dir

if TYPE_CHECKING:
    from storage import StorageConfig


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


def read_passphrase(args: argparse.Namespace, confirm: bool, what: str = "key backup") -> str:
    """From ``--passphrase-env VAR`` (automation) or asked on the terminal, twice when ``confirm`` (never an
    argument: command lines are visible to other users in the process list)."""
    if args.passphrase_env:
        value = os.environ.get(args.passphrase_env)
        if not value:
            raise BadInputError(f"--passphrase-env {args.passphrase_env}: that environment variable is empty or unset")
        return value
    first = getpass.getpass(f"{what} passphrase: ")
    if confirm and getpass.getpass("again: ") != first:
        raise BadInputError("the two passphrases differ")
    return first


def _storage_location(args: argparse.Namespace) -> tuple[Path, StorageConfig]:
    from storage import load_storage_config

    return (args.data_dir if args.data_dir is not None else default_data_dir()), load_storage_config(args.config)


def _backup(args: argparse.Namespace) -> int:
    from storage.store import backup_keys

    data_dir, config = _storage_location(args)
    backup_keys(data_dir, config, args.out, read_passphrase(args, confirm=True), overwrite=args.force)
    print(f"key backup written to {args.out} (mode 0600, encrypted under the passphrase); keep it off this machine")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from storage.store import restore_keys

    data_dir, config = _storage_location(args)
    print(restore_keys(data_dir, config, args.source, read_passphrase(args, confirm=False), overwrite=args.force))
    print("now run: kiosk audit verify")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk keys rotate|export-public|backup|restore``."""
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
    b = sub.add_parser("backup", help="write the keys, encrypted under a passphrase (scrypt + AES-GCM), to a file")
    add_storage_arguments(b)
    b.add_argument("--out", required=True, type=Path, help="backup file to write (created 0600)")
    b.add_argument("--force", action="store_true", help="overwrite an existing backup file")
    b.add_argument("--passphrase-env", metavar="VAR", help="read the passphrase from this environment variable")
    b.set_defaults(func=_backup)
    rs = sub.add_parser("restore", help="put the keys from a backup file back (after keys.json was lost)")
    add_storage_arguments(rs)
    rs.add_argument("--from", dest="source", required=True, type=Path, help="backup file written by 'keys backup'")
    rs.add_argument("--force", action="store_true", help="replace keys that are present and differ")
    rs.add_argument("--passphrase-env", metavar="VAR", help="read the passphrase from this environment variable")
    rs.set_defaults(func=_restore)
