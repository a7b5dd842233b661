"""``kiosk bench ...``: benchmarks that report figures (they assert nothing)."""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
from typing import Any

from kiosk.bench_report import machine_info, write_json


def _inference(args: argparse.Namespace) -> int:
    from inference.bench import bench_models

    result = bench_models(runs=args.runs)
    result["machine"] = machine_info()
    provs = list(result["providers"])
    print(f"per-model latency, ms (median / p90), {args.runs} runs after warm-up, {os.cpu_count()} CPUs")
    print(f"{'model':<14}" + "".join(f"{p:>26}" for p in provs))
    models = list(result["providers"][provs[0]])
    for m in models:
        cells = []
        for p in provs:
            r = result["providers"][p][m]
            cells.append(f"{r['median_ms']:8.2f} / {r['p90_ms']:7.2f} {r['ran_on'][:8]:>8}")
        print(f"{m:<14}" + "".join(f"{c:>26}" for c in cells))
    for p in provs:
        for m, r in result["providers"][p].items():
            if r["fallback"]:
                print(f"note: {m} asked for {p} but ran on {r['ran_on']}: {r['fallback']}")
    write_json(args.json, result)
    return 0


# Other packages' benchmarks register through a function of their own module (name, attribute).
_EXTRA = [("kiosk.commands.bench_chip_cmd", "add_bench_chip"),
          ("kiosk.commands.bench_storage_cmd", "add_bench_storage"),
          ("kiosk.commands.bench_pipeline_cmd", "add_bench_pipeline"),
          ("kiosk.commands.bench_review_cmd", "add_bench_review"),
          ("kiosk.commands.bench_api_cmd", "add_bench_api"),
          ("kiosk.commands.bench_remote_cmd", "add_bench_remote"),
          ("kiosk.commands.bench_sync_cmd", "add_bench_sync"),
          ("kiosk.commands.bench_facebank_cmd", "add_bench_facebank")]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``bench`` command group."""
    p = sub.add_parser("bench", help="benchmarks (figures, not pass/fail)")
    bsub = p.add_subparsers(dest="bench_command", metavar="WHAT")
    bsub.required = True
    q = bsub.add_parser("inference", help="per-model latency, OpenVINO EP and CPU EP side by side")
    q.add_argument("--json", help="write the figures to this JSON file")
    q.add_argument("--runs", type=int, default=50, help="timed runs per model (default 50)")
    q.set_defaults(func=_inference)
    for module, attr in _EXTRA:
        if importlib.util.find_spec(module) is None:
            continue  # that benchmark is not part of this build
        getattr(importlib.import_module(module), attr)(bsub)
    from kiosk.plugins import bench_plugins

    for add in bench_plugins():  # e.g. `kiosk bench ui`, from the window's package
        add(bsub)
