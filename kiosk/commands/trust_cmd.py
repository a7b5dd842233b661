"""``kiosk trust import PATH...``: build the kiosk's CSCA trust store (ICAO 9303-12) under the data dir.

PATH is a CSCA master list (.ml/.mls), a certificate file (DER or PEM), a CRL, or a folder of them.
The store lives in ``<data dir>/trust`` and is what ``kiosk passport verify`` uses by default.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from hardware.emrtd.errors import TrustStoreError
from hardware.emrtd.trust import TrustStore
from kiosk.errors import BadInputError
from kiosk.paths import default_data_dir


def trust_dir(data_dir: str | Path | None) -> Path:
    """The trust-store folder inside ``data_dir`` (default: the kiosk's data dir)."""
    return Path(data_dir).expanduser() / "trust" if data_dir else default_data_dir() / "trust"


def _import(args: argparse.Namespace) -> int:
    folder = trust_dir(args.data_dir)
    try:
        store = TrustStore.load(folder)
    except TrustStoreError as exc:
        raise BadInputError(f"the existing trust store in {folder} is unusable: {exc}") from exc
    before_certs, before_crls = len(store), len(store.crls)
    for path in args.paths:
        try:
            lines = store.add_path(path)
        except TrustStoreError as exc:
            raise BadInputError(f"{path}: {exc}") from exc
        for line in lines:
            print(line)
    store.save(folder)
    print(f"trust store {folder}: {len(store)} CSCA certificates (+{len(store) - before_certs}), "
          f"{len(store.crls)} CRLs (+{len(store.crls) - before_crls})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk trust import``."""
    p = subparsers.add_parser("trust", help="CSCA trust store for passive authentication")
    sub = p.add_subparsers(dest="trust_command", metavar="ACTION")
    sub.required = True
    imp = sub.add_parser("import", help="add master lists, CSCA certificates, CRLs or folders of them")
    imp.add_argument("paths", nargs="+", metavar="PATH", help="master list, certificate, CRL or folder")
    imp.add_argument("--data-dir", default=None, help="kiosk data folder (default: the per-user data dir)")
    imp.set_defaults(func=_import)
