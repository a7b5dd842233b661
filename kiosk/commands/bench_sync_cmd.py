"""``kiosk bench sync --central URL``: sessions per second synced to the central store (with and
without sealed evidence) and the catch-up time of a kiosk offline for a day (storage.central.bench)."""
from __future__ import annotations

import argparse


def _bench(args: argparse.Namespace) -> int:
    from storage.central.bench import bench_sync

    from kiosk.bench_report import machine_info, write_json

    r = bench_sync(args.central, sessions=args.sessions, batch=args.batch_sessions)
    r["machine"] = machine_info()
    print(f"central {r['central']}, {r['batch_sessions']} sessions per batch, "
          f"{r['evidence_bytes_per_session'] // 1000} KB of images per session")
    for name in ("records", "with_evidence"):
        v = r[name]
        print(f"{name}: a day of {v['sessions']} sessions caught up in {v['catch_up_s']} s "
              f"({v['sessions_per_s']} sessions/s, {v['batches']} batches, {v['evidence_items']} sealed items); "
              f"idle round {v['idle_round_s']} s, one new session {v['one_new_session_s']} s; "
              f"central verify {v['central_verify_s']} s ({'intact' if v['verified'] else 'BROKEN'})")
    write_json(args.json, r)
    return 0


def add_bench_sync(bsub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk bench sync``."""
    p = bsub.add_parser("sync", help="central sync: sessions per second, catch-up of a day offline")
    p.add_argument("--central", required=True, metavar="URL",
                   help="a scratch central store (PostgreSQL URL); bench kiosks are added to it")
    p.add_argument("--sessions", type=int, default=500, help="sessions in the offline day (default 500)")
    p.add_argument("--batch-sessions", type=int, default=50, help="sessions per central transaction (default 50)")
    p.add_argument("--json", help="write the figures to this JSON file")
    p.set_defaults(func=_bench)
