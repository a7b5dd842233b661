"""``kiosk facebank add DIR --list NAME``: bulk enrolment, one sub-folder per person."""
from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.commands.audit_cmd import add_storage_arguments, cli_actor, open_storage_from_args


def _add(args: argparse.Namespace) -> int:
    from inference.config import RuntimeConfig

    from kiosk.errors import BadInputError
    from kiosk.face_session import FaceEngine
    from kiosk.facebank import SITE_OWNER, FaceBank, bulk_enrol, check_list_name, key_owner

    check_list_name(args.list)
    if not Path(args.folder).is_dir():
        raise BadInputError(f"{args.folder} is not a folder (expected one sub-folder per person)")
    st = open_storage_from_args(args)
    try:
        owner = SITE_OWNER
        if args.owner is not None:  # checked before the models load: a typo fails at once
            if not any(k.key_id == args.owner and k.revoked_at is None for k in st.api_keys.list()):
                raise BadInputError(f"--owner {args.owner} is not the id of an active API key "
                                    "(see 'kiosk apikey list')")
            owner = key_owner(args.owner)
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
