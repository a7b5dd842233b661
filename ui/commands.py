"""Commands the window's package adds to ``kiosk`` (declared as entry points in pyproject.toml):
``kiosk screenshots``, ``kiosk speech export`` and ``kiosk bench ui``."""
from __future__ import annotations

import argparse
import os
from pathlib import Path


def _screenshots(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.console:
        from kiosk.paths import shared_data_dir
        from ui.console.screenshots import save_calibration_screens, save_console_screens

        written = save_console_screens(Path(args.out), Path(args.data_dir) if args.data_dir else shared_data_dir())
        written += save_calibration_screens(Path(args.out))
        print(f"{len(written)} console screenshots in {args.out}")
        return 0
    from ui.screenshots import camera_frame, save_screens

    written = save_screens(Path(args.out), camera_frame())
    print(f"{len(written)} screenshots in {args.out}")
    return 0


def register_screenshots(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk screenshots``."""
    p = sub.add_parser("screenshots", help="save every kiosk screen as PNG (both sizes, German, high contrast)")
    p.add_argument("--out", default="docs/screenshots", help="folder for the PNGs (default docs/screenshots)")
    p.add_argument("--console", action="store_true",
                   help="the operator review console's screens instead (console-*.png, the liveness "
                        "calibration screen too, all at 1280x800)")
    p.add_argument("--data-dir", default=None,
                   help="research data folder with the DG2 specimens (default $KIOSK_DATA_DIR or ../shared/data)")
    p.set_defaults(func=_screenshots)


def _speech_export(args: argparse.Namespace) -> int:
    from ui.speech_export import export_prompts

    written = export_prompts(args.lang, Path(args.out))
    print(f"{len(written)} spoken prompts ({args.lang}) in {args.out} (index.json lists them)")
    return 0


def register_speech(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk speech export``."""
    p = sub.add_parser("speech", help="the kiosk's speech output (espeak-ng)")
    ssub = p.add_subparsers(dest="speech_command", metavar="COMMAND", required=True)
    e = ssub.add_parser("export", help="write every customer-facing prompt, spoken, to WAV files")
    e.add_argument("--lang", required=True, choices=("en", "de"), help="language of the prompts")
    e.add_argument("--out", required=True, help="folder for the WAV files and index.json")
    e.set_defaults(func=_speech_export)


def _bench(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kiosk.bench_report import machine_info, write_json
    from ui.bench import bench_ui, print_report

    result = bench_ui(providers=tuple(args.providers.split(",")), sessions=args.sessions,
                      preview_runs=args.preview_runs, warm=not args.no_warm_up)
    result["machine"] = machine_info()
    print_report(result)
    write_json(args.json, result)
    return 0


def register_bench(bsub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk bench ui``."""
    p = bsub.add_parser("ui", help="kiosk window: preview frame rate, worst GUI stall, cold/warm start, "
                        "memory over back-to-back sessions (OpenVINO and CPU EP side by side)")
    p.add_argument("--json", help="write the figures to this JSON file")
    p.add_argument("--providers", default="openvino,cpu", help="execution providers, comma-separated")
    p.add_argument("--sessions", type=int, default=20,
                   help="back-to-back headless sessions for the memory and leak figures (default 20)")
    p.add_argument("--preview-runs", type=int, default=1,
                   help="window sessions per provider, providers alternating; the worst stall is over all (default 1)")
    p.add_argument("--no-warm-up", action="store_true",
                   help="skip the start-up work the window does after the models (open the decision log, freeze "
                        "start-up objects), to see what it saves")
    p.set_defaults(func=_bench)
