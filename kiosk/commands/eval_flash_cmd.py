"""``kiosk eval flash``: the screen-flash challenge on recorded clips (``kiosk.evaluation.flash``)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def _eval_flash(args: argparse.Namespace) -> int:
    from kiosk.evaluation.flash import evaluate_flash

    from kiosk.paths import shared_data_dir

    clips = Path(args.clips) if args.clips else shared_data_dir() / "video" / "live"
    result = evaluate_flash(clips, provider=args.provider, draws=args.draws, strengths=args.strength or (0.03, 0.05, 0.08),
                            seed=args.seed, progress=not args.quiet)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    s = result["summary"]
    for strength, r in s["lit"].items():
        print(f"lit at {strength}: {r['passed']}/{r['draws']} passed (correlation {r['correlation_min']:.2f}.."
              f"{r['correlation_max']:.2f}, median {r['correlation_median']:.2f}); clips with a failure: "
              f"{', '.join(r['clips_with_a_failure']) or 'none'}")
    u = s["unlit"]
    print(f"unlit (a screen or puppet): {u['passed']}/{u['draws']} passed (correlation max {u['correlation_max']:.2f})")
    print(f"report: {out}")
    return 0


def add_eval_flash(esub: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Add ``kiosk eval flash``."""
    q = esub.add_parser("flash", help="screen-flash challenge on recorded clips: genuine pass rate under simulated "
                                      "screen light, and the unlit faces' (a screen's) pass rate")
    q.add_argument("--clips", help="folder of video clips of real faces (default: $KIOSK_DATA_DIR or "
                                   "../shared/data, video/live)")
    q.add_argument("--json", required=True, help="where to write the report")
    q.add_argument("--draws", type=int, default=10, help="random sequences per clip (default 10)")
    q.add_argument("--strength", type=float, action="append",
                   help="simulated share of the screen's light on the skin (repeatable; default 0.03, 0.05, 0.08)")
    q.add_argument("--seed", type=int, default=0, help="seed of the sequences and their start times")
    q.add_argument("--provider", choices=["openvino", "cpu"], default=None, help="execution provider")
    q.add_argument("--quiet", action="store_true", help="no progress lines")
    q.set_defaults(func=_eval_flash)
    return q
