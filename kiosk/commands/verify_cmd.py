"""``kiosk verify``: the face side of a session on a recording, decided and (optionally) recorded."""
from __future__ import annotations

import argparse
from pathlib import Path


def _run(args: argparse.Namespace) -> int:
    from kiosk.verify import verify_recording

    steps = None if args.challenge == "random" else [s for s in args.challenge.split(",") if s.strip()]
    report, run = verify_recording(Path(args.portrait), Path(args.video), Path(args.json), steps=steps,
                                   data_dir=Path(args.data_dir) if args.data_dir else None,
                                   pad_model=Path(args.pad_model) if args.pad_model else None,
                                   provider=args.provider)
    ev = run.session.evidence
    print(f"decision: {report['decision']}  reasons: {', '.join(report['reasons']) or '-'}")
    print(f"challenge ({', '.join(report['challenge_steps'])}): "
          f"{'passed' if ev.challenge_passed else 'failed: ' + str(ev.challenge_failure)}")
    print(f"planar motion: {ev.planar_motion}  passive score: "
          f"{'-' if ev.passive_score is None else f'{ev.passive_score:.3f}'}  match: "
          f"{'-' if ev.match_score is None else f'{ev.match_score:.3f}'}  frames: {run.session.frames}")
    if "session_id" in report:
        print(f"recorded as session {report['session_id']}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``kiosk verify``."""
    p = sub.add_parser("verify", help="run the face side of a session on a recording and decide")
    p.add_argument("--portrait", required=True, help="document portrait (JPEG, PNG or JPEG 2000)")
    p.add_argument("--video", required=True, help="recording of the customer")
    p.add_argument("--json", required=True, help="where to write the report")
    p.add_argument("--challenge", default="random",
                   help="'random' (default) or a comma-separated list of actions for scripted recordings, e.g. "
                        "turn_left,blink")
    p.add_argument("--data-dir", default=None, help="record the session, evidence and decision here")
    p.add_argument("--pad-model", default=None, help="passive-liveness fusion model (kiosk pad train)")
    p.add_argument("--provider", choices=["openvino", "cpu"], default="openvino", help="execution provider")
    p.set_defaults(func=_run)
