"""``kiosk trust import PATH...``: build the kiosk's CSCA trust store (ICAO 9303-12) under the data dir;
``kiosk trust list``: what is trusted, from where, and until when.

PATH is a CSCA master list (.ml/.mls), a certificate file (DER or PEM), a CRL, or a folder of them.
A master list is imported only when its signer is issued by a CSCA already trusted, or is (or is
issued by) a certificate named with ``--ml-signer``; otherwise it is refused with the reason. The
store lives in ``<data dir>/trust`` (folders 0700, files 0600) and is what ``kiosk passport verify``
and ``kiosk passport read`` use by default.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from hardware.emrtd import certs
from hardware.emrtd.errors import EmrtdError, TrustStoreError
from hardware.emrtd.trust import TrustStore
from kiosk.errors import BadInputError
from kiosk.paths import trust_dir


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


def trust_listing(store: TrustStore, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """One row per CSCA, master-list signer and CRL: kind, country, name, valid until, state, fingerprint, source."""
    now = now or dt.datetime.now(dt.timezone.utc)
    rows: list[dict[str, Any]] = []
    for kind, items in (("CSCA", store.certificates), ("master-list signer", store.master_list_signers)):
        for c in sorted(items, key=lambda c: (c.country or "", c.not_after)):
            state = "expired" if c.not_after < now else "not yet valid" if c.not_before > now else "valid"
            rows.append({"kind": kind, "country": c.country, "name": c.subject_text,
                         "until": c.not_after.isoformat(), "state": state,
                         "sha256": hashlib.sha256(c.der).hexdigest(), **(store.source_of(c.der) or {})})
    for crl in sorted(store.crls, key=lambda e: e.issuer_text):
        nxt = crl.next_update
        rows.append({"kind": "CRL", "country": None, "name": crl.issuer_text,
                     "until": nxt.isoformat() if nxt else None,
                     "state": "out of date" if nxt is None or nxt < now else "current",
                     "revoked": len(crl.revoked), "sha256": hashlib.sha256(crl.der).hexdigest(),
                     **(store.source_of(crl.der) or {})})
    return rows


def _list(args: argparse.Namespace) -> int:
    folder = trust_dir(args.data_dir)
    try:
        store = TrustStore.load(folder)
    except TrustStoreError as exc:
        raise BadInputError(f"the trust store in {folder} is unusable: {exc}") from exc
    rows = trust_listing(store)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    if not rows:
        print(f"trust store {folder} is empty: import CSCAs with 'kiosk trust import'")
        return 0
    for r in rows:
        extra = f", {r['revoked']} revoked" if "revoked" in r else ""
        source = f"; from {r['source']} ({r['imported']})" if r.get("source") else "; source not recorded"
        print(f"{r['kind']:<18} {r['country'] or '--':<3} {r['state']:<13} until {(r['until'] or '-')[:10]}  "
              f"{r['sha256'][:16]}  {r['name']}{extra}{source}")
    return 0


def _refresh_crl(args: argparse.Namespace) -> int:
    source = Path(args.folder)
    if not source.is_dir():
        raise BadInputError(f"{source} is not a folder")
    files = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in (".crl", ".der", ".pem"))
    if not files:
        raise BadInputError(f"{source} holds no .crl/.der/.pem file")
    folder = trust_dir(args.data_dir)
    try:
        store = TrustStore.load(folder)
    except TrustStoreError as exc:
        raise BadInputError(f"the trust store in {folder} is unusable: {exc}") from exc
    refused = 0
    for path in files:
        try:
            data = path.read_bytes() if path.stat().st_size <= 64 * 2**20 else b""
            print(store.refresh_crl(path.name, data))
        except (OSError, TrustStoreError) as exc:
            refused += 1
            print(f"refused: {exc}")
    try:
        store.save(folder)
    except TrustStoreError as exc:
        raise BadInputError(str(exc)) from exc
    print(f"{len(files) - refused} CRL file(s) taken, {refused} refused")
    return 1 if refused else 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk trust import``, ``list`` and ``refresh-crl``."""
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
    lst = sub.add_parser("list", help="what is trusted (CSCAs, master-list signers, CRLs), from where, until when")
    lst.add_argument("--json", action="store_true", help="print the rows as JSON")
    lst.add_argument("--data-dir", default=None, help="kiosk data folder (default: the per-user data dir)")
    lst.set_defaults(func=_list)
    ref = sub.add_parser("refresh-crl", help="take new CRLs from a folder (media at offline sites), checked and dated",
                         description="Each CRL must verify under a trusted CSCA, must not be dated in the future "
                                     "and must be newer than the one held for its issuer. Exit 0 all taken, 1 some "
                                     "refused, 2 bad input.")
    ref.add_argument("folder", help="folder holding the CRL files")
    ref.add_argument("--data-dir", default=None, help="kiosk data folder (default: the per-user data dir)")
    ref.set_defaults(func=_refresh_crl)
