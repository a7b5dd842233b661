"""``kiosk bench api``: the integration API under load (kiosk.api.bench)."""
from __future__ import annotations

import argparse


def _bench_api(args: argparse.Namespace) -> int:
    from kiosk.api.bench import bench_api
    from kiosk.bench_report import machine_info, write_json

    result = bench_api(level_s=args.level_s, soak_s=args.soak_s, soak_clients=args.soak_clients)
    result["machine"] = machine_info()
    write_json(args.json, result)
    return 0


def add_bench_api(bsub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk bench api``."""
    p = bsub.add_parser("api", help="integration API: /v1/compare at 1, 4, 16 clients, then a mixed soak")
    p.add_argument("--level-s", type=float, default=15.0, help="seconds per concurrency level (default 15)")
    p.add_argument("--soak-s", type=float, default=60.0, help="soak duration in seconds (default 60)")
    p.add_argument("--soak-clients", type=int, default=8, help="concurrent clients in the soak (default 8)")
    p.add_argument("--json", help="write the figures to this JSON file")
    p.set_defaults(func=_bench_api)
