"""``kiosk evidence export SESSION --out FILE``: a session's chip record as one signed, self-contained file
(``kiosk.evidence_export``). ``kiosk evidence verify FILE --trust PATH [--kiosk-key KEY]``: re-check such a
file, or a bare chip record, offline, with nothing but the file and the issuers' public certificates
(``kiosk.evidence_check``, ``hardware.emrtd.chip_record``). No kiosk secret, no kiosk store.

``verify`` prints one verdict in words per part and exits 0 when every part passed, 1 when any failed (a
file damaged so that it no longer parses is a failure naming the part on the damaged line), 2 on bad input
(an unreadable file, no trust material). ``kiosk passport read --out DIR`` writes a bare record as
``DIR/chip_record.json``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from kiosk.commands.audit_cmd import add_storage_arguments, cli_actor, open_storage_from_args
from kiosk.errors import BadInputError


def _text(path: Path) -> str:
    from kiosk.evidence_export import MAX_EXPORT_BYTES

    try:
        if path.stat().st_size > MAX_EXPORT_BYTES:
            raise BadInputError(f"{path} is larger than {MAX_EXPORT_BYTES // 1024} kB: not chip evidence")
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInputError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{path} is not a JSON chip record: {exc}") from exc


def _trust(paths: list[str]) -> Any:
    from hardware.emrtd.errors import TrustStoreError
    from hardware.emrtd.trust import TrustStore

    try:
        store = TrustStore.from_paths(paths)
    except TrustStoreError as exc:
        raise BadInputError(f"trust material: {exc}") from exc
    if not len(store):
        raise BadInputError("the trust material holds no CSCA certificate: give the issuers' CSCAs or master lists")
    return store


def _at(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        now = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadInputError(f"--at {text!r}: use an ISO time like 2026-12-07T10:00:00+00:00") from exc
    return now if now.tzinfo else now.replace(tzinfo=dt.timezone.utc)


def _kiosk_key(value: str | None) -> Any:
    from kiosk.evidence_check import KioskKey

    if not value:
        return None
    path = Path(value)
    return KioskKey.parse(_text(path) if path.is_file() else value)


def _verify(args: argparse.Namespace) -> int:
    from hardware.emrtd.chip_record import ChipRecordError, verify_chip_record

    from kiosk.evidence_check import check_evidence, damaged_verdict, is_evidence_text, summary

    path = Path(args.file)
    text = _text(path)
    store, now, kiosk_key = _trust(args.trust), _at(args.at), _kiosk_key(args.kiosk_key)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if not is_evidence_text(text):
            raise BadInputError(f"{path} is not a JSON chip record: {exc}") from exc
        verdicts = [damaged_verdict(text, exc)]
    else:
        if not isinstance(data, dict):
            raise BadInputError(f"{path} is not a JSON chip record (not an object)")
        if "announced" in data or "signature" in data:
            verdicts = check_evidence(data, store, now=now, kiosk_key=kiosk_key)
        else:
            if kiosk_key is not None:
                raise BadInputError(f"{path} is a bare chip record: no kiosk signed it ('kiosk evidence export' "
                                    "makes a signed file)")
            try:
                verdicts = verify_chip_record(data, store, now=now)
            except ChipRecordError as exc:
                raise BadInputError(f"{args.file}: {exc}") from exc
    for v in verdicts:
        print(("PASS  " if v.ok else "FAIL  ") + v.words)
    print(summary(verdicts))
    return 0 if verdicts and all(v.ok for v in verdicts) else 1


def _export(args: argparse.Namespace) -> int:
    from kiosk.evidence_export import build_evidence, write_evidence

    out = Path(args.out)
    if out.exists() and not args.force:
        raise BadInputError(f"{out} exists: choose another name or give --force")
    if not out.parent.is_dir():
        raise BadInputError(f"folder {out.parent} does not exist")
    st = open_storage_from_args(args)
    try:
        doc = build_evidence(st, args.session, cli_actor())
    finally:
        st.close()
    size = write_evidence(doc, out)
    sig = doc["signature"]
    print(f"chip evidence of session {args.session} written to {out} ({size} bytes)")
    print(f"announced by audit event {doc['announced']['seq']}; signed by kiosk key {sig['key_id']}")
    if not doc["sealed"]:
        print("no sealed part: no back-office key is recorded (kiosk fleet set-backoffice-key) or the session "
              "holds no identity fields")
    print(f"check it anywhere: kiosk evidence verify {out} --trust CSCA_OR_MASTER_LIST")
    return 0


def _open_sealed(args: argparse.Namespace) -> int:
    from storage.backoffice_keys import BackofficeKeyring

    from kiosk.commands.keys_cmd import read_passphrase
    from kiosk.evidence_open import open_sealed_parts

    text = _text(Path(args.file))
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(f"{args.file} is not an exported chip evidence file: {exc}") from exc
    keys = BackofficeKeyring(args.keys, read_passphrase(args, confirm=False, what="back-office key"))
    for name, value in open_sealed_parts(doc, keys).items():
        print(f"{name}: {json.dumps(value, ensure_ascii=False)}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk evidence export|verify|open-sealed``."""
    group = subparsers.add_parser("evidence", help="export and re-check recorded chip evidence")
    sub = group.add_subparsers(dest="evidence_command", required=True)
    e = sub.add_parser("export", help="write a session's chip record as one signed file an auditor re-checks",
                       description="Write one self-contained file: the session's chip record, its place in the "
                                   "audit chain, the identity sealed to the back-office key, all signed with the "
                                   "kiosk's head-signing key. Refused when the session or the chain fails its "
                                   "checks. The file holds personal data (it identifies one document): 0600.")
    add_storage_arguments(e)
    e.add_argument("session", help="the session id")
    e.add_argument("--out", required=True, help="the file to write")
    e.add_argument("--force", action="store_true", help="replace an existing file")
    e.set_defaults(func=_export)
    p = sub.add_parser("verify", help="re-check an exported evidence file or a chip record, offline",
                       description="Re-check exported chip evidence (or a bare chip_record.json) against the "
                                   "issuers' public certificates: the kiosk's signature and chain position, EF.SOD's "
                                   "signature and chain, every data group hash, the active-authentication "
                                   "signature, PACE-CAM. Exit 0 all passed, 1 any failed, 2 bad input.")
    p.add_argument("file", help="the evidence file or chip record (JSON)")
    p.add_argument("--trust", action="append", required=True,
                   help="CSCA certificate, master list, CRL or a folder of them (repeatable)")
    p.add_argument("--kiosk-key", help="the kiosk's public key: base64, or a file from 'kiosk fleet register --json'")
    p.add_argument("--at", help="check CRLs as of this ISO time (default: now)")
    p.set_defaults(func=_verify)
    o = sub.add_parser("open-sealed", help="open an evidence file's sealed parts with the back-office keys")
    o.add_argument("file", help="the evidence file")
    o.add_argument("--keys", required=True, type=Path, help="folder of the back office's <key id>.key files")
    o.add_argument("--passphrase-env", metavar="VAR", help="read the passphrase from this environment variable")
    o.set_defaults(func=_open_sealed)
