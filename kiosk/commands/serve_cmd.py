"""``kiosk serve``: the local integration API (off unless started; 127.0.0.1 unless TLS is configured)."""
from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.commands.audit_cmd import add_storage_arguments


def _serve(args: argparse.Namespace) -> int:
    from storage import load_storage_config

    from kiosk.api.config import load_serve_config
    from kiosk.api.server import serve
    from kiosk.paths import default_data_dir

    loaded = load_serve_config(args.config)
    config = loaded.api
    updates = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    config = config.model_copy(update=updates)
    config = type(config).model_validate(config.model_dump())  # re-validate the overrides
    serve(args.data_dir or default_data_dir(), config, provider=args.provider,
          storage_config=load_storage_config(args.config), kiosk_config=loaded.kiosk)
    return 0


def _openapi(args: argparse.Namespace) -> int:
    from kiosk.api.server import write_openapi

    write_openapi(Path(args.out))
    print(f"wrote {args.out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk serve`` and ``kiosk openapi``."""
    p = sub.add_parser("serve", help="serve the local integration API (HTTP, /v1)")
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1; others need TLS in [api])")
    p.add_argument("--port", type=int, default=None, help="TCP port (default 8321; 0 picks a free one)")
    p.add_argument("--provider", choices=["openvino", "cpu"], default="openvino", help="execution provider")
    add_storage_arguments(p, config_help="the kiosk's TOML file, read as `kiosk run` reads it: [api] configures the "
                          "server, [storage] the store, [policy] and [liveness] decide verifications exactly as at "
                          "the kiosk; a table it does not know is refused")
    p.set_defaults(func=_serve)
    o = sub.add_parser("openapi", help="write the integration API's OpenAPI document")
    o.add_argument("--out", default="docs/openapi.json", help="where to write it (default docs/openapi.json)")
    o.set_defaults(func=_openapi)
