"""``kiosk trust import PATH...``: build the kiosk's CSCA trust store (ICAO 9303-12) under the data dir.

PATH is a CSCA master list (.ml/.mls), a certificate file (DER or PEM), a CRL, or a folder of them.
A master list is imported only when its signer is issued by a CSCA already trusted, or is (or is
issued by) a certificate named with ``--ml-signer``; otherwise it is refused with the reason. The
store lives in ``<data dir>/trust`` (folders 0700, files 0600) and is what ``kiosk passport verify``
and ``kiosk passport read`` use by default.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from hardware.emrtd import certs
from hardware.emrtd.errors import EmrtdError, TrustStoreError
from hardware.emrtd.trust import TrustStore
from kiosk.errors import BadInputError
from kiosk.paths import default_data_dir


def trust_dir(data_dir: str | Path | None) -> Path:
    """The trust-store folder inside ``data_dir`` (default: the kiosk's data dir)."""
    return Path(data_dir).expanduser() / "trust" if data_dir else default_data_dir() / "trust"


def _ml_signers(paths: list[str]) -> list[certs.Certificate]:
    out = []
    for path in paths:
        try:
            out.extend(certs.load_certificates(Path(path).read_bytes()))
        except OSError as exc:
            raise BadInputError(f"--ml-signer {path}: cannot read it ({exc.strerror})") from exc
        except EmrtdError as exc:
            raise BadInputError(f"--ml-signer {path}: not a certificate ({exc})") from exc
    return out


def _import(args: argparse.Namespace) -> int:
    if not args.paths and not args.ml_signer:
        raise BadInputError("give at least one PATH to import (or --ml-signer CERT)")
    folder = trust_dir(args.data_dir)
    try:
        store = TrustStore.load(folder)
    except TrustStoreError as exc:
        raise BadInputError(f"the existing trust store in {folder} is unusable: {exc}") from exc
    before_certs, before_crls = len(store), len(store.crls)
    for signer in _ml_signers(args.ml_signer):
        if store.add_master_list_signer(signer):
            print(f"master-list signer trusted: {signer.subject_text}")
    for path in args.paths:
        try:
            lines = store.add_path(path)
        except TrustStoreError as exc:
            raise BadInputError(f"{path}: {exc}") from exc
        for line in lines:
            print(line)
    try:
        store.save(folder)
    except TrustStoreError as exc:
        raise BadInputError(str(exc)) from exc
    print(f"trust store {folder}: {len(store)} CSCA certificates (+{len(store) - before_certs}), "
          f"{len(store.crls)} CRLs (+{len(store.crls) - before_crls})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk trust import``."""
    p = subparsers.add_parser("trust", help="CSCA trust store for passive authentication")
    sub = p.add_subparsers(dest="trust_command", metavar="ACTION")
    sub.required = True
    imp = sub.add_parser("import", help="add master lists, CSCA certificates, CRLs or folders of them")
    imp.add_argument("paths", nargs="*", metavar="PATH", help="master list, certificate, CRL or folder")
    imp.add_argument("--ml-signer", action="append", default=[], metavar="CERT",
                     help="certificate trusted to vouch for master lists (the signer itself or the CSCA that "
                          "issued it), checked out of band; kept in the store; repeatable")
    imp.add_argument("--data-dir", default=None, help="kiosk data folder (default: the per-user data dir)")
    imp.set_defaults(func=_import)
