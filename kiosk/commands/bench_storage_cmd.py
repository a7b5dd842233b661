"""``kiosk bench storage --json OUT``: sessions/s with a ~300 KB evidence set and p99 commit latency
(storage.bench). Registered by the lead's ``bench`` group through :func:`add_bench_storage`."""
from __future__ import annotations

import argparse
from pathlib import Path


def _run(args: argparse.Namespace) -> int:
    from kiosk.bench_report import machine_info, write_json
    from storage.bench import bench_storage
    from storage.config import StorageConfig, load_storage_config

    cfg = load_storage_config(args.config) if args.config else StorageConfig()
    if args.synchronous:
        cfg = cfg.model_copy(update={"synchronous": args.synchronous})
    r = bench_storage(sessions=args.sessions, data_dir=args.data_dir, config=cfg)
    r["machine"] = machine_info()
    print(f"storage ({r['backend']}, synchronous={r['synchronous']}): {r['sessions']} sessions, "
          f"{r['evidence_images']} images = {r['evidence_bytes'] / 1024:.0f} KB each")
    print(f"  {r['sessions_per_s']:.1f} sessions/s; record_session p50 {r['record_ms']['p50']:.1f} ms, "
          f"p99 {r['record_ms']['p99']:.1f} ms; DB commit p50 {r['commit_ms']['p50']:.1f} ms, "
          f"p99 {r['commit_ms']['p99']:.1f} ms")
    write_json(args.json, r)
    return 0


def add_bench_storage(bench_subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk bench storage`` to the ``bench`` group's sub-parsers."""
    p = bench_subparsers.add_parser("storage", help="decision-log write throughput and commit latency")
    p.add_argument("--json", default=None, help="write the figures to this JSON file")
    p.add_argument("--sessions", type=int, default=200, help="sessions to write (default %(default)s)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="folder on the disk to measure (default: a temporary folder, removed afterwards)")
    p.add_argument("--config", type=Path, default=None, help="TOML file whose [storage] table configures storage")
    p.add_argument("--synchronous", choices=("FULL", "EXTRA"), default=None, help="override PRAGMA synchronous")
    p.set_defaults(func=_run)
