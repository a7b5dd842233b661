"""``kiosk bench facebank``: 1:N search of one list at N identities (kiosk.facebank_bench)."""
from __future__ import annotations

import argparse


def _bench_facebank(args: argparse.Namespace) -> int:
    from kiosk.bench_report import machine_info, write_json
    from kiosk.facebank_bench import bench_facebank

    result = bench_facebank(args.identities, args.queries, enrols=args.enrols, other_owner=args.other_owner)
    result["machine"] = machine_info()
    write_json(args.json, result)
    return 0


def add_bench_facebank(bsub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk bench facebank``."""
    p = bsub.add_parser("facebank", help="face bank: 1:N search latency and index memory at N identities")
    p.add_argument("--identities", type=int, default=100_000, help="identities in the list (default 100,000)")
    p.add_argument("--queries", type=int, default=200, help="timed searches (default 200)")
    p.add_argument("--enrols", type=int, default=20, help="timed enrolments at that size (default 20)")
    p.add_argument("--other-owner", type=int, default=10_000,
                   help="identities of another key's list of the same name, which the search must skip (default 10,000)")
    p.add_argument("--json", help="write the figures to this JSON file")
    p.set_defaults(func=_bench_facebank)
