"""``kiosk bench chip``: how long a full passport read takes, for BAC, PACE, PACE-CAM and PACE-IM (figures only).

The measuring lives in ``hardware.emrtd.bench``; this prints it. The lead's ``bench_cmd`` calls
``add_bench_chip`` to put ``chip`` under the ``bench`` group.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

def _handler(args: argparse.Namespace) -> int:
    from hardware.emrtd.bench import METHODS, TARGETS_S, bench_chip

    from kiosk.errors import BadInputError

    if args.runs < 1:
        raise BadInputError("--runs must be at least 1")
    result = bench_chip(runs=args.runs)
    link = result["link"]
    print(f"full passport read, virtual chip, {link['bitrate_bps'] // 1000} kbit/s link, "
          f"{link['chip_latency_s'] * 1000:.0f} ms chip latency per APDU (median of {args.runs})")
    for method in METHODS:
        r = result[method]
        verdict = "within" if r["within_target"] else "OVER"
        print(f"  {method.upper().replace('_', '-'):<8} total {r['total_s']:.3f} s (host {r['host_s']:.3f} + link {r['link_s']:.3f})"
              f"  {r['apdu_count']} APDUs, chunks {r['chunk_sizes']}  [{verdict} target {TARGETS_S[method]:g} s]")
        print("       " + ", ".join(f"{name} {p['total_s']:.3f}" for name, p in r["phases"].items()))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def add_bench_chip(bench_subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``chip`` to the ``bench`` command group (called by ``kiosk.commands.bench_cmd``)."""
    p = bench_subparsers.add_parser("chip", help="full passport read time from the virtual chip, BAC, PACE, PACE-CAM and PACE-IM")
    p.add_argument("--json", help="write the figures to this JSON file (keys 'bac', 'pace', 'pace_cam', 'pace_im')")
    p.add_argument("--runs", type=int, default=3, help="reads per access method; the median is kept (default 3)")
    p.set_defaults(func=_handler)
