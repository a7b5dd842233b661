"""``kiosk passport``: e-passport commands.

``kiosk passport verify DIR --trust PATH... --json OUT``: passive authentication (ICAO 9303-11
section 5.1) offline on saved files. DIR holds EF_SOD.bin and any of DG1.bin ... DG16.bin (and
EF_CardSecurity.bin, checked too when present). Exit status 0 when passed, 1 when not, 2 on bad input.

``register`` keeps the group's sub-parsers in ``SUBPARSERS`` so more ``passport`` sub-commands can
be added to the same group.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from hardware.emrtd.errors import TrustStoreError
from hardware.emrtd.passive_auth import verify
from hardware.emrtd.trust import TrustStore
from kiosk.paths import trust_dir
from kiosk.errors import BadInputError

SUBPARSERS: argparse._SubParsersAction | None = None  # type: ignore[type-arg]
_MAX_FILE = 1024 * 1024  # no LDS file comes near 1 MB; a bigger one is not a passport file


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > _MAX_FILE:
            raise BadInputError(f"{path} is larger than 1 MB: not an LDS file")
        return path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"cannot read {path}: {exc.strerror}") from exc


def load_document_folder(folder: Path) -> tuple[bytes, dict[int, bytes], bytes | None]:
    """EF_SOD.bin, {n: DGn.bin} and EF_CardSecurity.bin (or None) from a folder of saved files."""
    if not folder.is_dir():
        raise BadInputError(f"{folder} is not a folder")
    sod = folder / "EF_SOD.bin"
    if not sod.is_file():
        raise BadInputError(f"{folder} has no EF_SOD.bin: passive authentication needs the document security object")
    groups = {n: _read(folder / f"DG{n}.bin") for n in range(1, 17) if (folder / f"DG{n}.bin").is_file()}
    cs = folder / "EF_CardSecurity.bin"
    return _read(sod), groups, _read(cs) if cs.is_file() else None


def _trust_store(args: argparse.Namespace) -> TrustStore:
    try:
        if args.trust:
            return TrustStore.from_paths(args.trust)
        store = TrustStore.load(trust_dir(args.data_dir))
    except TrustStoreError as exc:
        raise BadInputError(f"trust store: {exc}") from exc
    if not len(store):
        raise BadInputError("no CSCA certificates: give --trust PATH or run 'kiosk trust import' first")
    return store


def _verify(args: argparse.Namespace) -> int:
    sod, groups, card_security = load_document_folder(Path(args.dir))
    store = _trust_store(args)
    today = args.date or dt.datetime.now(dt.timezone.utc).date()
    report = verify(sod, groups, store, today, card_security=card_security)
    text = json.dumps(report.to_dict(), indent=2)
    if args.json == "-":
        print(text)
    elif args.json:
        try:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise BadInputError(f"cannot write {args.json}: {exc.strerror}") from exc
    out = sys.stderr if args.json == "-" else sys.stdout
    hashes = ", ".join(f"{k} {v}" for k, v in report.hashes.items()) or "no data groups"
    print(f"passive authentication {'PASSED' if report.passed else 'FAILED'}: signature {report.signature}, "
          f"chain {report.chain}, revocation {report.revocation}; {hashes}", file=out)
    for reason in report.reasons:
        print(f"  - {reason}", file=out)
    return 0 if report.passed else 1


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("expected a date as YYYY-MM-DD") from exc


def register(subparsers: argparse._SubParsersAction) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    """Add the ``passport`` group with ``verify``; returns (and keeps in ``SUBPARSERS``) its sub-parsers."""
    global SUBPARSERS
    p = subparsers.add_parser("passport", help="e-passport chip: passive authentication of saved files")
    sub: argparse._SubParsersAction = p.add_subparsers(  # type: ignore[type-arg]
        dest="passport_command", metavar="ACTION")
    sub.required = True
    SUBPARSERS = sub
    v = sub.add_parser("verify", help="passive authentication of EF_SOD.bin and DGn.bin files in a folder")
    v.add_argument("dir", metavar="DIR", help="folder with EF_SOD.bin and DG1.bin ... DG16.bin")
    v.add_argument("--trust", action="append", metavar="PATH",
                   help="CSCA certificate (DER/PEM), master list, CRL or folder; repeatable "
                        "(default: the trust store under --data-dir)")
    v.add_argument("--data-dir", default=None, help="kiosk data folder whose trust store is used without --trust")
    v.add_argument("--json", metavar="OUT", help="write the report as JSON to OUT ('-' for standard output)")
    v.add_argument("--date", type=_date, default=None, help="judge expiry at this date (default: today, UTC)")
    v.set_defaults(func=_verify)
    from kiosk.commands._passport_read import add_read_parser  # ``read``: the chip reading side

    add_read_parser(sub)
    return sub
