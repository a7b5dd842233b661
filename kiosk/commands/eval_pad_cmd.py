"""``kiosk eval pad``: ISO/IEC 30107-3 evaluation of passive liveness. The ``eval`` group calls ``add_eval_pad``."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from kiosk.commands.pad_cmd import add_data_args, cache_dir, row_filter


def _eval_loso(args: argparse.Namespace) -> int:
    from kiosk.errors import BadInputError
    from kiosk.evaluation.pad_loso import evaluate_loso, parse_methods, table
    from kiosk.pad.sets import SET_NAMES
    from kiosk.paths import shared_data_dir

    if args.model or args.threshold is not None:
        raise BadInputError("--protocol loso trains its own models: drop --model and --threshold")
    result = evaluate_loso(Path(args.data), Path(args.json), parse_methods(args.methods, SET_NAMES),
                           row_filter=row_filter(args), provider=args.provider, cache_dir=cache_dir(args),
                           progress=not args.quiet, apcer_target=args.apcer_target,
                           synth_data=Path(args.synth_data) if args.synth_data else shared_data_dir(),
                           synth_limits=(args.synth_nuaa, args.synth_video, args.synth_lfw),
                           cost_frames=args.cost)
    print(f"leave-one-source-out over {len(result['folds'])} sources, {result['failures']} images without a face")
    print(table(result))
    if "cost_ms_per_frame" in result:
        print("median ms per frame (after detection): " + ", ".join(f"{k} {v}" for k, v in
                                                              result["cost_ms_per_frame"].items()))
    print("written: " + ", ".join(result["files"]))
    return 0


def _eval_pad(args: argparse.Namespace) -> int:
    from kiosk.evaluation.pad import evaluate

    if args.protocol == "loso":
        return _eval_loso(args)
    out = Path(args.json)
    result = evaluate(Path(args.data), out, model_path=Path(args.model) if args.model else None,
                      threshold=args.threshold, row_filter=row_filter(args), provider=args.provider,
                      cache_dir=cache_dir(args), progress=not args.quiet)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"{result['method']}: {result['bona_fide']} bona fide, attacks {result['attacks']}, "
          f"{result['failures']} without a face")
    runs = [(result["method"], result)]
    if "baseline_antispoof" in result:
        runs.append(("antispoof_only", result["baseline_antispoof"]))
    for name, r in runs:
        apcer = ", ".join(f"{k} {v:.4f}" for k, v in r["apcer"].items())
        print(f"  {name:<15} threshold {r['threshold']:.3f}: APCER {apcer}; BPCER {r['bpcer']:.4f}; "
              f"BPCER@APCER 1/5/10% {r['bpcer_at_apcer']['0.01']:.4f}/{r['bpcer_at_apcer']['0.05']:.4f}/"
              f"{r['bpcer_at_apcer']['0.10']:.4f}; EER {r['eer']:.4f}")
    print(f"DET plot: {result['det_plot']}")
    return 0


def add_eval_pad(esub: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Add ``pad`` to the ``eval`` sub-command group and return its parser."""
    q = esub.add_parser("pad", help="passive liveness per ISO/IEC 30107-3: APCER per species, BPCER, DET plot")
    add_data_args(q)
    q.add_argument("--json", required=True, help="where to write the report; the DET plot goes beside it")
    q.add_argument("--model", default=None,
                   help="fusion model from 'kiosk pad train' (default: FaceAntiSpoofing alone)")
    q.add_argument("--threshold", type=float, default=None,
                   help="attack threshold (default: the model's own, or 0.2 for FaceAntiSpoofing alone)")
    q.add_argument("--protocol", choices=["single", "loso"], default="single",
                   help="single: score the selected rows once (default); loso: for every source, train each "
                        "method on the other sources and test on it (JSON per source beside --json)")
    q.add_argument("--methods", default="antispoof,cues",
                   help="loso: comma-separated methods; a method is 'antispoof' (FaceAntiSpoofing alone) or "
                        "feature sets joined by '+' (cues, sface, mfn, fas, mesh; e.g. cues+fas), optionally "
                        "with '@synth' to train with synthetic attacks too; default antispoof,cues")
    q.add_argument("--apcer-target", type=float, default=0.05,
                   help="loso: each method's threshold is set on its training rows at this worst-species APCER")
    q.add_argument("--synth-data", default=None,
                   help="loso, methods with '@synth': research data folder whose live clips and LFW faces are "
                        "rendered into synthetic attacks (default: KIOSK_DATA_DIR or ../shared/data)")
    q.add_argument("--synth-nuaa", type=int, default=200, help="at most this many NUAA live frames rendered")
    q.add_argument("--synth-video", type=int, default=120, help="at most this many live-clip frames rendered")
    q.add_argument("--synth-lfw", type=int, default=150, help="at most this many LFW faces rendered")
    q.add_argument("--cost", type=int, default=0, metavar="N",
                   help="loso: also time every feature set on N frames (median ms per frame)")
    q.set_defaults(func=_eval_pad)
    return q
