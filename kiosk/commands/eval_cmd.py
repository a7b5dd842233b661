"""``kiosk eval ...``: evaluations on labelled data, written as JSON plus plots."""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
from pathlib import Path

from kiosk.errors import BadInputError


def _match(args: argparse.Namespace) -> int:
    from kiosk.evaluation.match import evaluate_pairs

    pairs = Path(args.pairs)
    if not pairs.is_file():
        raise BadInputError(f"pairs file {pairs} not found")
    out = Path(args.json)
    result = evaluate_pairs(pairs, out, provider=args.provider, primary=args.embedder, progress=not args.quiet,
                            mirror=args.mirror)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"{result['pairs']} pairs, {result['failures_to_enrol']} failures to enrol, embedder {result['embedder']} "
          f"on {result['provider']}")
    for name, r in result["embedders"].items():
        print(f"  {name:<14} accuracy {r['accuracy']:.4f} ({r['accuracy_protocol']})  "
              f"FNMR@FMR1% {r['fnmr_at_fmr']['0.01']:.4f} (t={r['threshold_at_fmr']['0.01']:.3f})  "
              f"FNMR@FMR0.1% {r['fnmr_at_fmr']['0.001']:.4f} (t={r['threshold_at_fmr']['0.001']:.3f})  EER {r['eer']:.4f}")
    print(f"DET plot: {result['det_plot']}")
    return 0


# Evaluations of other stages register through a function of their own module (name, attribute).
_EXTRA = [("kiosk.commands.eval_pad_cmd", "add_eval_pad"), ("kiosk.commands.eval_pad_video_cmd", "add_eval_pad_video"),
          ("kiosk.commands.mrz_cmd", "add_eval_mrz"), ("kiosk.commands.eval_flash_cmd", "add_eval_flash")]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``eval`` command group."""
    p = sub.add_parser("eval", help="evaluations on labelled data (JSON + plots)")
    esub = p.add_subparsers(dest="eval_command", metavar="WHAT")
    esub.required = True
    q = esub.add_parser("match", help="face match on a pairs CSV (img1,img2,same[,fold]): FNMR at FMR, DET plot")
    q.add_argument("--pairs", required=True, help="CSV with img1,img2,same and optional fold")
    q.add_argument("--json", required=True, help="where to write the report; the DET plot goes beside it")
    q.add_argument("--embedder", default="sface", help="headline embedder: sface, mobilefacenet or fusion_mean")
    q.add_argument("--provider", choices=["openvino", "cpu"], default=None, help="execution provider")
    q.add_argument("--mirror", action="store_true", help="templates from the face plus its mirror image")
    q.add_argument("--quiet", action="store_true", help="no progress bar")
    q.set_defaults(func=_match)
    for module, attr in _EXTRA:
        if importlib.util.find_spec(module) is not None:
            getattr(importlib.import_module(module), attr)(esub)
