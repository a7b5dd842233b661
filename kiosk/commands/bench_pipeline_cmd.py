"""``kiosk bench pipeline --json OUT``: the face-pipeline benchmark of :mod:`inference.bench_pipeline`, printed
as a table. Registered by the ``bench`` group through :func:`add_bench_pipeline`."""
from __future__ import annotations

import argparse
import os
from pathlib import Path


def _run(args: argparse.Namespace) -> int:
    from inference.bench_pipeline import bench_pipeline

    from kiosk.bench_report import machine_info, write_json
    from kiosk.errors import BadInputError
    from kiosk.paths import shared_data_dir

    data_dir = args.data_dir or shared_data_dir()
    if args.data_dir is not None and not data_dir.is_dir():
        raise BadInputError(f"--data-dir {data_dir} is not a folder")
    if args.frames < 10:
        raise BadInputError("--frames must be at least 10")
    if args.detect_interval is not None and not 1 <= args.detect_interval <= 30:
        raise BadInputError("--detect-interval must be between 1 and 30")
    if not 1 <= args.liveness_frames <= 30 or args.repeats < 1:
        raise BadInputError("--liveness-frames must be between 1 and 30 and --repeats at least 1")
    r = bench_pipeline(args.frames, data_dir if data_dir.is_dir() else None, args.providers or None,
                       args.liveness_frames, args.detect_interval, args.repeats)
    r["machine"] = machine_info()
    try:
        r["machine"]["load_average"] = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        pass
    print(f"face pipeline at 640x480, {r['frames']} frames from {r['frame_source']}, detector every "
          f"{r['detect_interval']} frame(s), {os.cpu_count()} CPUs, load {r['machine'].get('load_average')}")
    stage_names = sorted({s for p in r["providers"].values() for s in p["stages_ms"]},
                         key=lambda s: ["detect", "mesh", "iris", "pose", "quality", "total"].index(s)
                         if s in ("detect", "mesh", "iris", "pose", "quality", "total") else 99)
    provs = list(r["providers"])
    print(f"{'':<28}" + "".join(f"{p:>14}" for p in provs))
    print(f"{'frames/s':<28}" + "".join(f"{r['providers'][p]['fps']:>14.1f}" for p in provs))
    print(f"{'frames/s, best pass':<28}" + "".join(f"{r['providers'][p]['fps_best']:>14.1f}" for p in provs))
    print(f"{'frames/s, detect every frame':<28}"
          + "".join(f"{r['providers'][p]['detect_every_frame']['fps']:>14.1f}" for p in provs))
    print(f"{'frames/s, liveness worker':<28}"
          + "".join(f"{r['providers'][p]['with_liveness_worker']['fps']:>14.1f}" for p in provs))
    for s in stage_names:
        print(f"{s + ' ms/frame':<28}" + "".join(f"{r['providers'][p]['stages_ms'].get(s, 0.0):>14.2f}" for p in provs))
    for label, key in (("mesh + iris ms/frame", None), ("  both eyes every frame", "iris_both_eyes_every_frame")):
        vals = [(r["providers"][p][key]["stages_ms"] if key else r["providers"][p]["stages_ms"]) for p in provs]
        print(f"{label:<28}" + "".join(f"{v.get('mesh', 0.0) + v.get('iris', 0.0):>14.2f}" for v in vals))
    labels = {"total": "after capture, ms", "total_portrait_precomputed": "  portrait template earlier",
              "total_streamed": "  liveness during challenge"}
    for key, label in labels.items():
        print(f"{label:<28}" + "".join(
            f"{(r['providers'][p]['after_capture_ms'] or {}).get(key, float('nan')):>14.1f}" for p in provs))
    write_json(args.json, r)
    return 0


def add_bench_pipeline(bench_subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk bench pipeline`` to the ``bench`` group's sub-parsers."""
    p = bench_subparsers.add_parser("pipeline", help="face pipeline frames/s and after-capture latency, "
                                                     "OpenVINO EP and CPU EP side by side")
    p.add_argument("--json", default=None, help="write the figures to this JSON file")
    p.add_argument("--frames", type=int, default=240, help="frames per provider (default %(default)s)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="research data folder with video/live clips (default: KIOSK_DATA_DIR or ../shared/data)")
    p.add_argument("--providers", nargs="*", choices=("openvino", "cpu"), default=None,
                   help="providers to compare (default: both when the OpenVINO EP exists)")
    p.add_argument("--repeats", type=int, default=3, help="timed passes per provider, alternating (default 3)")
    p.add_argument("--liveness-frames", type=int, default=3, help="frames scored for liveness (default 3)")
    p.add_argument("--detect-interval", type=int, default=None,
                   help="run the detector every n-th frame (default: the pipeline's configured interval)")
    p.set_defaults(func=_run)
