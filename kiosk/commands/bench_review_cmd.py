"""``kiosk bench review``: the operator console's queue and search on a store of 10,000 sessions."""
from __future__ import annotations

import argparse
from pathlib import Path


def _bench(args: argparse.Namespace) -> int:
    from kiosk.bench_report import machine_info, write_json
    from kiosk.console.bench import bench_review

    r = bench_review(sessions=args.sessions, data_dir=args.data_dir, runs=args.runs)
    r["machine"] = machine_info()
    q, s, k = r["queue_first_page_ms"], r["search_ms"], r["queue_by_kiosk_ms"]
    print(f"{r['sessions']} sessions recorded in {r['build_s']} s (storage API, no images)")
    print(f"queue, first page ({q['rows']} of {q['total']} waiting): median {q['median']} ms, max {q['max']} ms")
    print(f"search ({s['filter']}; {s['total']} found): median {s['median']} ms, max {s['max']} ms")
    print(f"queue filtered by kiosk ({k['total']} waiting): median {k['median']} ms, max {k['max']} ms")
    write_json(args.json, r)
    return 0


def add_bench_review(bsub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk bench review``."""
    p = bsub.add_parser("review", help="operator console: first queue page and a search over 10,000 sessions")
    p.add_argument("--sessions", type=int, default=10_000, help="sessions to record first (default 10000)")
    p.add_argument("--runs", type=int, default=5, help="timed runs of each query (default 5)")
    p.add_argument("--data-dir", type=Path, default=None, help="keep the store in this (new) folder")
    p.add_argument("--json", help="write the figures to this JSON file")
    p.set_defaults(func=_bench)
