"""``kiosk mrz synth`` (a synthetic MRZ test set) and ``kiosk eval mrz`` (reading it back by camera)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from kiosk.errors import BadInputError


def _synth(args: argparse.Namespace) -> int:
    from kiosk.mrz.synth import synthesise

    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    labels = synthesise(Path(args.out), args.count, args.seed, clean=args.clean, frames=args.frames,
                        formats=formats, held_out=args.held_out)
    print(f"{args.count} documents x {args.frames} frames ({'clean' if args.clean else 'degraded'}, "
          f"{'held-out' if args.held_out else 'development'} seed {args.seed}) -> {labels}")
    return 0


def _scenes(args: argparse.Namespace) -> int:
    from kiosk.mrz.scenes import SCENES, synthesise_scenes

    scenes = tuple(s.strip() for s in args.scenes.split(",")) if args.scenes else SCENES
    labels = synthesise_scenes(Path(args.out), args.count, args.seed, scenes)
    print(f"{args.count} pages x {len(scenes)} scenes ({', '.join(scenes)}) -> {labels}")
    return 0


def _eval_mrz(args: argparse.Namespace) -> int:
    from kiosk.mrz.evaluate import evaluate
    from kiosk.mrz.scan import MrzScanner

    data = Path(args.data)
    if not data.is_dir():
        raise BadInputError(f"data folder {data} not found")
    result = evaluate(data, MrzScanner.load(provider=args.provider))
    if args.peer:
        from kiosk.mrz.evaluate import format_table, load_labels
        from kiosk.mrz.peer import ensure_peer, run_peer

        result["peer"] = {"name": args.peer, "per_format": format_table(run_peer(data, load_labels(data),
                                                                                 ensure_peer()))}
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    per_type = ", ".join(f"{t} {v:.3f}" for t, v in result["per_type"].items() if v is not None)
    print(f"{result['exact']}/{result['images']} exact ({result['exact_rate']:.3f}; {per_type}), "
          f"{result['wrong_accepted']} wrong accepted, {result['not_located']} not located; "
          f"{result['ms_per_frame']['median']} ms a frame (p90 {result['ms_per_frame']['p90']}) "
          f"on {result['provider']}")
    print(_table(result))
    if "agreement" in result:
        a = result["agreement"]
        print(f"agreement over {a['frames_needed']} frames: {a['accepted']}/{a['documents']} documents accepted, "
              f"{a['wrong_accepted']} wrong")
    return 0


def _table(result: dict) -> str:  # type: ignore[type-arg]
    """The per-format table (ours, and the peer's beside it when it ran) as plain text."""
    peer = result.get("peer", {}).get("per_format", {})
    head = f"{'format':<7} {'images':>6}  {'exact':>5} {'wrong':>5} {'refused':>7} {'median ms':>9}"
    lines = [head + (f"  | {result['peer']['name']}: exact wrong refused median ms" if peer else "")]
    for fmt, row in result["per_format"].items():
        line = (f"{fmt:<7} {row['images']:>6}  {row['exact']:>5} {row['wrong_accepted']:>5} {row['refused']:>7} "
                f"{row['median_ms']:>9}")
        if fmt in peer:
            p = peer[fmt]
            line += f"  | {p['exact']:>5} {p['wrong_accepted']:>5} {p['refused']:>7} {p['median_ms']:>9}"
        lines.append(line)
    return "\n".join(lines)


def add_eval_mrz(esub: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Add ``mrz`` to the ``eval`` sub-command group and return its parser."""
    q = esub.add_parser("mrz", help="MRZ by camera on a labelled image folder: exact reads, wrong reads, ms a frame")
    q.add_argument("--data", required=True, help="folder with labels.csv (path,document_number,birth_date,expiry_date)")
    q.add_argument("--json", required=True, help="where to write the report")
    q.add_argument("--provider", choices=["openvino", "cpu"], default=None, help="execution provider")
    q.add_argument("--peer", choices=["passporteye"], default=None,
                   help="also run this open reader on the same images (installed on first use into its own "
                        "environment with pip; needs Debian's tesseract-ocr) and print both side by side")
    q.set_defaults(func=_eval_mrz)
    return q


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``mrz`` command group."""
    p = sub.add_parser("mrz", help="machine-readable zone tools (synthetic test sets)")
    msub = p.add_subparsers(dest="mrz_command", metavar="WHAT")
    msub.required = True
    q = msub.add_parser("synth", help="random valid TD1/TD2/TD3/MRV-A/MRV-B MRZs in OCR-B on document pages, camera-degraded")
    q.add_argument("--out", required=True, help="empty folder for the images and labels.csv")
    q.add_argument("--count", type=int, required=True, help="number of documents (formats cycle in the order of --formats)")
    q.add_argument("--seed", type=int, default=0, help="random seed (same seed, same set)")
    q.add_argument("--frames", type=int, default=2, help="camera frames per document, each degraded its own way")
    q.add_argument("--clean", action="store_true", help="no degradation: the page flat in the frame")
    q.add_argument("--formats", default="TD1,TD2,TD3,MRV-A,MRV-B",
                   help="comma-separated formats to cycle through (default: every ICAO 9303 format)")
    q.add_argument("--held-out", action="store_true",
                   help="draw from the held-out seeds (never used in development; see kiosk.mrz.synth)")
    q.set_defaults(func=_synth)
    q = msub.add_parser("scenes", help="real-looking MRZ pages: dense print, facing page, patterns, screenshots, "
                                       "rotation, low resolution (seeds < 1000000: development only)")
    q.add_argument("--out", required=True, help="empty folder for the images and labels.csv (with a scene column)")
    q.add_argument("--count", type=int, required=True, help="pages per scene (formats cycle TD1, TD2, TD3)")
    q.add_argument("--seed", type=int, default=0, help="random seed; held-out sets use seeds >= 1000000")
    q.add_argument("--scenes", default="", help="comma-separated scenes (default: all)")
    q.set_defaults(func=_scenes)
