"""``kiosk passport read``: read a passport chip, save its files and portrait, verify, report.

The read runs through the workflow's chip step (``kiosk.workflow.chip_step``) whatever the source (``kiosk.passport_read``): a PC/SC reader
(``--reader NAME``), an nfcpy reader (``--reader nfcpy:usb``), or ``--virtual``, a virtual passport
personalised for the MRZ or CAN given, with a drawn portrait and files signed by a generated TEST CSCA
that is handed to passive authentication, so the whole chain verifies end to end. Passive
authentication uses the kiosk trust store in ``--data-dir`` (built by ``kiosk trust import``) plus any
``--trust`` paths. The report holds verdicts, sizes and timings; never MRZ text or chip bytes (those
go only into the files written to ``--out``).

``add_read_parser`` is called by ``kiosk.commands.passport_cmd`` to add ``read`` to the
``passport`` group.
"""
from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path
from typing import Any

from kiosk.errors import BadInputError


def add_read_parser(passport_sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``read`` to the ``passport`` command group."""
    p = passport_sub.add_parser(
        "read", help="read a passport chip (or a virtual one), save its files, verify and report",
        description="Read a passport chip (or a virtual one), save its files and portrait, run passive "
                    "authentication and print a short report. Exit 0 when read and verified, 1 when not.")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--virtual", action="store_true",
                        help="read a virtual passport made for the MRZ or CAN given (TEST PKI)")
    source.add_argument("--reader", metavar="NAME",
                        help="PC/SC reader name (or part of it), or an nfcpy path as nfcpy:usb, nfcpy:tty:USB0")
    p.add_argument("--mrz-doc", metavar="N", help="document number as in the MRZ")
    p.add_argument("--mrz-birth", metavar="YYMMDD", help="date of birth as in the MRZ")
    p.add_argument("--mrz-expiry", metavar="YYMMDD", help="date of expiry as in the MRZ")
    p.add_argument("--can", metavar="C", help="card access number (PACE only)")
    method = p.add_mutually_exclusive_group()
    method.add_argument("--bac", action="store_true", help="use BAC only")
    method.add_argument("--pace", action="store_true", help="use PACE only (default: PACE, BAC as fallback)")
    p.add_argument("--virtual-pace", choices=("GM", "CAM", "IM"), default="GM",
                   help="with --virtual: the PACE mapping the chip offers (generic, chip-authentication, integrated)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="folder for EF_COM.bin, EF_SOD.bin, DGn.bin, portrait.png and chip_record.json")
    p.add_argument("--json", required=True, metavar="OUT", help="write the report as JSON here")
    p.add_argument("--data-dir", metavar="DIR", help="kiosk state folder (trust store in DIR/trust)")
    p.add_argument("--trust", action="append", default=[], metavar="PATH",
                   help="extra CSCA certificate, master list or folder for passive authentication")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for the passport (default 20)")
    p.set_defaults(func=run_read)


def _access_key(args: argparse.Namespace) -> Any:
    from hardware.emrtd.errors import MrzError
    from hardware.emrtd.password import AccessKey

    mrz_parts = (args.mrz_doc, args.mrz_birth, args.mrz_expiry)
    try:
        if args.can is not None:
            if any(mrz_parts):
                raise BadInputError("give either --can or the three --mrz-* fields, not both")
            if args.bac:
                raise BadInputError("BAC needs the MRZ: a CAN works only with PACE")
            return AccessKey.from_can(args.can)
        if not all(mrz_parts):
            raise BadInputError("give --mrz-doc, --mrz-birth and --mrz-expiry (or --can)")
        for option, value in (("--mrz-birth", args.mrz_birth), ("--mrz-expiry", args.mrz_expiry)):
            _check_yymmdd(option, value)
        return AccessKey.from_mrz(*mrz_parts)
    except MrzError as exc:
        raise BadInputError(str(exc)) from exc


def _check_yymmdd(option: str, value: str) -> None:
    """A typo check only: the chip derives its key from the digits, valid calendar date or not."""
    if len(value) == 6 and value.isdigit() and not (1 <= int(value[2:4]) <= 12 and 1 <= int(value[4:6]) <= 31):
        raise BadInputError(f"{option} {value} is not a date YYMMDD (month 01-12, day 01-31)")


def run_read(args: argparse.Namespace) -> int:
    """Handler of ``kiosk passport read``; exit 0 when read and verified, 1 when not, 2 on bad input."""
    from hardware.emrtd.reader import AccessMethod

    from kiosk.passport_read import reader_source, save_chip_record, save_files, trust_store, virtual_source
    from kiosk.workflow.chip_step import read_chip, read_report, record_document_check

    key = _access_key(args)
    method = AccessMethod.BAC if args.bac else AccessMethod.PACE if args.pace else AccessMethod.AUTO
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise BadInputError(f"--out {out} exists and is not a folder")
    document = None
    if args.virtual:
        connection, document, source = virtual_source(key, bac=args.bac, mapping=args.virtual_pace)
    else:
        connection, source = reader_source(args.reader, args.timeout)
    store = trust_store(args.data_dir, args.trust, document)

    started_at = datetime.datetime.now(datetime.timezone.utc)
    try:
        result = read_chip(connection, key, store, method=method)
    finally:
        connection.close()
    sizes, portrait = save_files(result, out)
    if result.sod is not None:
        sizes.update(save_chip_record(result, store, out))
    report = read_report(result, source, sizes, portrait)
    if args.data_dir:
        report.update(record_document_check(Path(args.data_dir), result, key, started_at, store))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    _print_report(report)
    pa = result.passive_authentication
    return 0 if result.ok and pa is not None and pa.passed else 1


def _print_report(report: dict[str, Any]) -> None:
    print(f"source: {report['source']}")
    if report["error"]:
        e = report["error"]
        print(f"read FAILED in phase {e['phase']}: {e['message']}")
    print(f"access: {report['access_method'] or '-'}   APDUs: {report['apdu_count']}   "
          f"time: {report['total_s']:.2f} s")
    files = ", ".join(f"{name} ({size} B)" for name, size in report["files"].items())
    print(f"files: {files or '-'}")
    if report["portrait"]:
        print(f"portrait: {report['portrait']}")
    pa = report["passive_authentication"]
    if pa:
        hashes = " ".join(f"{dg}:{v}" for dg, v in pa["hashes"].items())
        print(f"passive authentication: {'PASSED' if pa['passed'] else 'FAILED'} (signature {pa['signature']}, "
              f"chain {pa['chain']}, revocation {pa['revocation']}; {hashes})")
        for reason in pa["reasons"]:
            print(f"  - {reason}")
    for label, key in (("chip authentication", "chip_authentication"),
                       ("active authentication", "active_authentication")):
        value = report[key]
        if isinstance(value, dict):
            verdict = "PASSED" if value.get("passed") else f"FAILED ({value.get('reason') or 'no reason given'})"
            print(f"{label}: {verdict}")
    for note in report["notes"]:
        print(f"note: {note}")
    if report.get("session_id"):
        print(f"document check: {report['decision']} ({', '.join(report['reasons']) or 'no findings'}); "
              f"recorded as session {report['session_id']}")
    print("time per phase: " + ", ".join(f"{k} {v:.3f}s" for k, v in report["phases_s"].items()))
