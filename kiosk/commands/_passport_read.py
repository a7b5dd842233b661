"""``kiosk passport read``: read a passport chip, save its files and portrait, verify, report.

The read runs through ``hardware.emrtd.reader.EmrtdReader`` whatever the source: a PC/SC reader
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
import logging
import os
from pathlib import Path
from typing import Any

from kiosk.errors import BadInputError

log = logging.getLogger(__name__)

NFCPY_PREFIX = "nfcpy:"


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


def _virtual_source(args: argparse.Namespace, key: Any) -> tuple[Any, Any, str]:
    """A virtual passport for the given key; returns (connection, document, description)."""
    from hardware.emrtd.errors import LdsError, MrzError
    from hardware.emrtd.virtual.passport import make_virtual_passport

    try:
        passport = make_virtual_passport(key, pace=not args.bac, pace_mapping=args.virtual_pace)
    except (MrzError, LdsError) as exc:
        raise BadInputError(f"cannot make a virtual passport: {exc}") from exc
    return passport.chip, passport.document, "virtual passport (TEST PKI)"


def _reader_source(name: str, timeout: float) -> tuple[Any, str]:
    if name.startswith(NFCPY_PREFIX):
        from hardware.nfc.nfcpy_backend import NfcpyConnection

        path = name[len(NFCPY_PREFIX):] or "usb"
        return NfcpyConnection(path, wait_s=timeout), f"nfcpy {path}"
    from hardware.nfc.pcsc import PcscConnection, wait_for_card

    reader = wait_for_card(name, timeout=timeout)
    return PcscConnection(reader), f"PC/SC {reader}"


def _trust_store(args: argparse.Namespace, document: Any) -> Any:
    from hardware.emrtd import certs
    from hardware.emrtd.errors import EmrtdError
    from hardware.emrtd.trust import TrustStore
    from kiosk.commands.trust_cmd import trust_dir

    folder = trust_dir(args.data_dir)
    try:
        store = TrustStore.load(folder) if folder.is_dir() else TrustStore()
    except EmrtdError as exc:
        raise BadInputError(f"the kiosk trust store in {folder} cannot be read: {exc}") from exc
    for path in args.trust:
        if not Path(path).exists():
            raise BadInputError(f"trust path {path} does not exist")
        try:
            store.add_path(path)
        except EmrtdError as exc:
            raise BadInputError(f"cannot use trust path {path}: {exc}") from exc
    if document is not None:
        # The virtual passport's TEST CSCA: trusted for this read only, never stored.
        store.add_certificate(certs.load_certificate(document.csca_certificate))
    return store


_PERSONAL_FILES = ("DG1.bin", "DG2.bin", "DG11.bin", "DG12.bin", "portrait.png")


def _private_folder(out: Path) -> list[str]:
    """Make ``out`` (and missing parents) 0700; returns warnings about an existing folder others can read."""
    missing = [p for p in (out, *out.parents) if not p.exists()]
    for p in reversed(missing):
        p.mkdir(mode=0o700, exist_ok=True)
        os.chmod(p, 0o700)  # mkdir's mode is filtered by the umask; make it exact
    mode = out.stat().st_mode & 0o777
    if mode & 0o077:
        # The user's own folder: not ours to change, but they must know.
        return [f"{out} already existed with mode {mode:04o}: other accounts may read what is written there"]
    return []


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as 0600 (also when the file existed), never through a symlink."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(data)


def _save(result: Any, out: Path) -> tuple[dict[str, int], str | None]:
    """Write the chip's files and the portrait to ``out`` (0700 folder, 0600 files) and warn that they are in clear."""
    import io
    import sys

    from PIL import Image

    from hardware.emrtd.lds.files import file_name
    from inference.errors import BadImageError
    from kiosk.workflow.chip_step import decode_dg2_face

    try:
        warnings = _private_folder(out)
        sizes: dict[str, int] = {}
        if result.card_access is not None:
            _write_private(out / "EF_CardAccess.bin", result.card_access)
            sizes["EF_CardAccess.bin"] = len(result.card_access)
        if getattr(result, "card_security", None) is not None:  # read by PACE-CAM; 'passport verify' checks it
            _write_private(out / "EF_CardSecurity.bin", result.card_security)
            sizes["EF_CardSecurity.bin"] = len(result.card_security)
        # EF.COM and EF.SOD first, then the data groups in order (as a person expects to see them).
        for fid, raw in sorted(result.files.items(),
                               key=lambda item: (0x0101 <= item[0] <= 0x0110, item[0] != 0x011E, item[0])):
            name = file_name(fid)
            _write_private(out / name, raw)
            sizes[name] = len(raw)
        portrait = None
        if result.dg2 is not None:
            buf = io.BytesIO()
            try:
                Image.fromarray(decode_dg2_face(result.dg2.face.image_data)).save(buf, format="PNG")
            except BadImageError as exc:
                log.warning("the portrait could not be decoded: %s", type(exc).__name__)
            else:
                _write_private(out / "portrait.png", buf.getvalue())
                portrait = "portrait.png"
    except OSError as exc:
        raise BadInputError(f"cannot write to --out {out}: {exc.strerror or exc}") from exc
    written = [n for n in _PERSONAL_FILES if n in sizes or n == portrait]
    if written:
        print(f"warning: {out} now holds this passport's personal data UNENCRYPTED ({', '.join(written)}: "
              "name, document number, birth date, face), as --out asked. Only this account can read it; "
              "delete it when done. The kiosk's own records (--data-dir) are encrypted.", file=sys.stderr)
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    return sizes, portrait


def run_read(args: argparse.Namespace) -> int:
    """Handler of ``kiosk passport read``; exit 0 when read and verified, 1 when not, 2 on bad input."""
    from hardware.emrtd.reader import AccessMethod

    from kiosk.workflow.chip_step import read_chip, read_report, record_document_check

    key = _access_key(args)
    method = AccessMethod.BAC if args.bac else AccessMethod.PACE if args.pace else AccessMethod.AUTO
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise BadInputError(f"--out {out} exists and is not a folder")
    document = None
    if args.virtual:
        connection, document, source = _virtual_source(args, key)
    else:
        connection, source = _reader_source(args.reader, args.timeout)
    store = _trust_store(args, document)

    started_at = datetime.datetime.now(datetime.timezone.utc)
    try:
        result = read_chip(connection, key, store, method=method)
    finally:
        connection.close()
    sizes, portrait = _save(result, out)
    if result.sod is not None:
        sizes.update(_save_chip_record(result, store, out))
    report = read_report(result, source, sizes, portrait)
    if args.data_dir:
        report.update(record_document_check(Path(args.data_dir), result, key, started_at))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    _print_report(report)
    pa = result.passive_authentication
    return 0 if result.ok and pa is not None and pa.passed else 1


def _save_chip_record(result: Any, store: Any, out: Path) -> dict[str, int]:
    """``chip_record.json``: what 'kiosk evidence verify' re-checks offline (identifies the document; no
    name or image)."""
    from hardware.emrtd.chip_record import build_chip_record

    data = json.dumps(build_chip_record(result, store), indent=1).encode("utf-8")
    try:
        _write_private(out / "chip_record.json", data)
    except OSError as exc:
        raise BadInputError(f"cannot write to --out {out}: {exc.strerror or exc}") from exc
    return {"chip_record.json": len(data)}


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
