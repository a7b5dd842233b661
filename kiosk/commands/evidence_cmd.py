"""``kiosk evidence verify FILE --trust PATH``: re-check a chip record offline, with nothing but the record and
the issuers' public certificates (``hardware.emrtd.chip_record``). No kiosk secret, no kiosk store.

Prints one verdict in words per part and exits 0 when every part passed, 1 when any failed, 2 on bad
input (an unreadable file, no trust material). ``kiosk passport read --out DIR`` writes the record as
``DIR/chip_record.json``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from kiosk.errors import BadInputError


def _load(path: Path) -> dict:  # type: ignore[type-arg]
    from hardware.emrtd.chip_record import MAX_RECORD_BYTES

    try:
        if path.stat().st_size > MAX_RECORD_BYTES:
            raise BadInputError(f"{path} is larger than {MAX_RECORD_BYTES // 1024} kB: not a chip record")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInputError(f"cannot read {path}: {exc.strerror}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(f"{path} is not a JSON chip record: {exc}") from exc
    if not isinstance(data, dict):
        raise BadInputError(f"{path} is not a JSON chip record (not an object)")
    return data


def _verify(args: argparse.Namespace) -> int:
    from hardware.emrtd.chip_record import ChipRecordError, verify_chip_record
    from hardware.emrtd.errors import TrustStoreError
    from hardware.emrtd.trust import TrustStore

    record = _load(Path(args.file))
    try:
        store = TrustStore.from_paths(args.trust)
    except TrustStoreError as exc:
        raise BadInputError(f"trust material: {exc}") from exc
    if not len(store):
        raise BadInputError("the trust material holds no CSCA certificate: give the issuers' CSCAs or master lists")
    now = None
    if args.at:
        try:
            now = dt.datetime.fromisoformat(args.at)
        except ValueError as exc:
            raise BadInputError(f"--at {args.at!r}: use an ISO time like 2026-12-07T10:00:00+00:00") from exc
        now = now if now.tzinfo else now.replace(tzinfo=dt.timezone.utc)
    try:
        verdicts = verify_chip_record(record, store, now=now)
    except ChipRecordError as exc:
        raise BadInputError(f"{args.file}: {exc}") from exc
    for v in verdicts:
        print(("PASS  " if v.ok else "FAIL  ") + v.words)
    failed = [v.part for v in verdicts if not v.ok]
    print("chip record: " + ("every part verified" if not failed else f"FAILED in {', '.join(failed)}"))
    return 0 if verdicts and not failed else 1


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk evidence verify``."""
    group = subparsers.add_parser("evidence", help="re-check recorded chip evidence offline")
    sub = group.add_subparsers(dest="evidence_command", required=True)
    p = sub.add_parser("verify", help="re-run passive, active and PACE-CAM chip authentication from a chip record",
                       description="Re-check a chip record (chip_record.json) against the issuers' public "
                                   "certificates: EF.SOD's signature and chain, every data group hash, the active-"
                                   "authentication signature, PACE-CAM. Exit 0 all passed, 1 any failed, 2 bad input.")
    p.add_argument("file", help="the chip record (JSON)")
    p.add_argument("--trust", action="append", required=True,
                   help="CSCA certificate, master list, CRL or a folder of them (repeatable)")
    p.add_argument("--at", help="check CRLs as of this ISO time (default: now)")
    p.set_defaults(func=_verify)
