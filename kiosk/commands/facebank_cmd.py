"""``kiosk facebank add DIR --list NAME`` (bulk enrolment, one sub-folder per person), ``kiosk facebank list
--list NAME`` (its identities with labels), ``kiosk facebank show ID`` and ``kiosk facebank remove ID`` (an audited
erasure). The command line acts for the site: ``--owner KEY_ID`` names an API key's list; ``show`` and
``remove`` reach any owner's entry (whoever runs them holds the data folder and its keys)."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.commands.audit_cmd import add_storage_arguments, cli_actor, open_storage_from_args

if TYPE_CHECKING:
    from storage import Storage

    from kiosk.facebank import Entry


def _owner(st: Storage, key_id: str | None) -> str:
    """The owner ``--owner`` names (default: the site); a key id that is not an active key fails at once."""
    from kiosk.errors import BadInputError
    from kiosk.facebank import SITE_OWNER, key_owner

    if key_id is None:
        return SITE_OWNER
    if not any(k.key_id == key_id and k.revoked_at is None for k in st.api_keys.list()):
        raise BadInputError(f"--owner {key_id} is not the id of an active API key (see 'kiosk apikey list')")
    return key_owner(key_id)


def _print_entry(e: Entry) -> None:
    print(f"{e.identity_id}  list={e.list}  label={e.label or '-'}  enrolled={e.enrolled_at:%Y-%m-%d %H:%M}  "
          f"templates={e.templates}  images={e.images}")


def _list(args: argparse.Namespace) -> int:
    from kiosk.facebank import FaceBank, check_list_name

    check_list_name(args.list)
    st = open_storage_from_args(args)
    try:
        bank = FaceBank(st, _owner(st, args.owner))
        total, ids = bank.page(args.list, args.offset, args.limit)  # ListNotFoundError: a clear message
        entries = [bank.entry(i, cli_actor()) for i in ids]  # each label read is audited
    finally:
        st.close()
    for e in entries:
        _print_entry(e)
    print(f"{len(entries)} of {total} identities in list {args.list} (from {args.offset})")
    return 0


def _entry_or_fail(st: Storage, identity_id: str) -> Entry:
    from kiosk.errors import BadInputError
    from kiosk.facebank import FaceBank

    try:
        return FaceBank(st).entry(identity_id, cli_actor(), any_owner=True)
    except KeyError:
        raise BadInputError(f"no face-bank identity {identity_id} (see 'kiosk facebank list --list NAME')") from None


def _show(args: argparse.Namespace) -> int:
    st = open_storage_from_args(args)
    try:
        entry = _entry_or_fail(st, args.identity)
    finally:
        st.close()
    _print_entry(entry)
    return 0


def _remove(args: argparse.Namespace) -> int:
    from kiosk.facebank import FaceBank

    st = open_storage_from_args(args)
    try:
        _entry_or_fail(st, args.identity)
        FaceBank(st).remove(args.identity, cli_actor(), any_owner=True)
    finally:
        st.close()
    print(f"removed {args.identity} (its templates, images and record; the audit trail keeps the erasure)")
    return 0


def _add(args: argparse.Namespace) -> int:
    from inference.config import RuntimeConfig

    from kiosk.errors import BadInputError
    from kiosk.face_session import FaceEngine
    from kiosk.facebank import FaceBank, bulk_enrol, check_list_name

    check_list_name(args.list)
    if not Path(args.folder).is_dir():
        raise BadInputError(f"{args.folder} is not a folder (expected one sub-folder per person)")
    st = open_storage_from_args(args)
    try:
        owner = _owner(st, args.owner)  # checked before the models load: a typo fails at once
        engine = FaceEngine.load(RuntimeConfig(provider=args.provider))
        report = bulk_enrol(FaceBank(st, owner), engine, Path(args.folder), args.list, cli_actor(), args.keep_images)
    finally:
        st.close()
    for person, identity in report.enrolled.items():
        print(f"enrolled  {person} -> {identity}")
    for person, identity in report.duplicates.items():
        print(f"duplicate {person}: already enrolled as {identity}")
    for person, why in report.skipped.items():
        print(f"skipped   {person}: {why}")
    print(f"{len(report.enrolled)} enrolled, {len(report.duplicates)} duplicates, {len(report.skipped)} skipped "
          f"into list {args.list}")
    return 0 if not report.skipped else 1


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk facebank``."""
    p = sub.add_parser("facebank", help="face banks / watch lists for 1:N search")
    fsub = p.add_subparsers(dest="facebank_command", metavar="ACTION")
    fsub.required = True
    a = fsub.add_parser("add", help="enrol every sub-folder of DIR (one person each) into a list")
    a.add_argument("folder", metavar="DIR")
    a.add_argument("--list", required=True, help="list name (lower-case letters, digits, _ -)")
    a.add_argument("--owner", default=None, metavar="KEY_ID",
                   help="enrol into this API key's list (its id from 'kiosk apikey list'); default: the site's "
                        "list, which API keys cannot search")
    a.add_argument("--keep-images", action="store_true", help="also keep the images (encrypted) as evidence")
    a.add_argument("--provider", choices=["openvino", "cpu"], default="openvino", help="execution provider")
    add_storage_arguments(a)
    a.set_defaults(func=_add)
    ls = fsub.add_parser("list", help="the identities of one list, with their labels (oldest first)")
    ls.add_argument("--list", required=True, help="list name")
    ls.add_argument("--owner", default=None, metavar="KEY_ID", help="an API key's list (default: the site's)")
    ls.add_argument("--offset", type=int, default=0, help="identities to skip")
    ls.add_argument("--limit", type=int, default=100, help="identities to print")
    add_storage_arguments(ls)
    ls.set_defaults(func=_list)
    sh = fsub.add_parser("show", help="one identity (any owner's): list, label, enrolment time, templates")
    sh.add_argument("identity", metavar="ID")
    add_storage_arguments(sh)
    sh.set_defaults(func=_show)
    rm = fsub.add_parser("remove", help="withdraw one identity (any owner's): an audited erasure")
    rm.add_argument("identity", metavar="ID")
    add_storage_arguments(rm)
    rm.set_defaults(func=_remove)
