"""``kiosk apikey create|list|revoke``: keys of the integration API (stored hashed; shown once)."""
from __future__ import annotations

import argparse

from kiosk.commands.audit_cmd import add_storage_arguments, cli_actor, open_storage_from_args
from kiosk.errors import BadInputError


def _scopes(text: str) -> tuple[str, ...]:
    from kiosk.api.gate import ALL_SCOPES

    scopes = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in scopes if s != "all" and s not in ALL_SCOPES]
    if not scopes or unknown:
        raise BadInputError(f"unknown scope(s) {', '.join(unknown) or '(none)'}; choose from all, "
                            f"{', '.join(ALL_SCOPES)}")
    return scopes


def _create(args: argparse.Namespace) -> int:
    scopes = _scopes(args.scope)
    st = open_storage_from_args(args)
    try:
        info, key = st.api_keys.create(args.name, scopes, cli_actor())
    finally:
        st.close()
    print(f"API key {info.key_id} ({info.name}) with scopes {', '.join(info.scopes)}.")
    print("It is shown once and stored only as a hash: keep it now.")
    print(key)  # alone on the last line, for scripts
    return 0


def _list(args: argparse.Namespace) -> int:
    st = open_storage_from_args(args)
    try:
        keys = st.api_keys.list()
    finally:
        st.close()
    for k in keys:
        state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
        print(f"{k.key_id}  {k.name:<20} {','.join(k.scopes):<40} created {k.created_at:%Y-%m-%d %H:%M}  {state}")
    if not keys:
        print("no API keys")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    st = open_storage_from_args(args)
    try:
        info = st.api_keys.revoke(args.key_id, cli_actor())
    finally:
        st.close()
    print(f"API key {info.key_id} ({info.name}) revoked")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk apikey``."""
    p = sub.add_parser("apikey", help="create, list and revoke integration-API keys")
    asub = p.add_subparsers(dest="apikey_command", metavar="ACTION")
    asub.required = True
    c = asub.add_parser("create", help="create a key (printed once, alone on the last line)")
    c.add_argument("--scope", required=True, help="comma-separated: compare, liveness, verify, facebank, sessions, "
                                                  "images, admin (other keys' and the kiosk's sessions and "
                                                  "face-bank entries; not included in all), "
                                                  "upload_accept (this key's uploaded sessions, which run no "
                                                  "colour flash, may end ACCEPT: REMOTE_NO_FLASH waived; not "
                                                  "included in all), or all")
    c.add_argument("--name", default="api-client", help="a name for the key (who uses it)")
    add_storage_arguments(c)
    c.set_defaults(func=_create)
    ls = asub.add_parser("list", help="list keys (never the keys themselves)")
    add_storage_arguments(ls)
    ls.set_defaults(func=_list)
    r = asub.add_parser("revoke", help="revoke a key by id")
    r.add_argument("key_id")
    add_storage_arguments(r)
    r.set_defaults(func=_revoke)
