"""``kiosk bench remote``: the streamed remote path and the upload path side by side (kiosk.api.remote.bench)."""
from __future__ import annotations

import argparse


def _bench_remote(args: argparse.Namespace) -> int:
    from kiosk.api.remote.bench import bench_remote
    from kiosk.bench_report import machine_info, write_json

    result = bench_remote(level_s=args.level_s, clients=tuple(args.clients), paths=tuple(args.path),
                          workers=args.workers, progress=True)
    result["machine"] = machine_info()
    for lv in result["levels"]:
        print(f"{lv['path']:>6} x{lv['clients']:<2}: {lv['sessions']} sessions, {lv['sessions_per_min']}/min, "
              f"customer {lv['customer_s_median']} s median (max {lv['customer_s_max']}), flash "
              f"{lv.get('flash_added_s_median')} s, server CPU {lv['server_cpu_s_per_session']} s/session, "
              f"busy {lv['busy_answers']}, decisions {lv['decisions']}, errors {lv['errors']}")
    write_json(args.json, result)
    return 0


def add_bench_remote(bsub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk bench remote``."""
    p = bsub.add_parser("remote", help="remote verification: the stream (protocol clients, lit by the flash) and "
                                       "the upload path at 1, 4, 16 clients: time, flash, server CPU per session")
    p.add_argument("--level-s", type=float, default=60.0, help="seconds per path and client count (default 60)")
    p.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16], help="client counts (default 1 4 16)")
    p.add_argument("--path", nargs="+", choices=["stream", "upload"], default=["stream", "upload"],
                   help="which paths (default both)")
    p.add_argument("--workers", type=int, default=2, help="the server's model workers (default 2, as kiosk serve)")
    p.add_argument("--json", help="write the figures to this JSON file")
    p.set_defaults(func=_bench_remote)
