"""``kiosk verify``: the face side of a session on a recording, decided and (optionally) recorded."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kiosk.errors import BadInputError

_MEDIA = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".jp2": "image/jp2", ".j2k": "image/jp2"}


def _jpeg(frame: Any) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise BadInputError("a frame could not be encoded for the evidence store")
    return buf.tobytes()


def _audit_frames(video: Path, indices: tuple[int, ...], limit: int = 12) -> list[bytes]:
    """The challenge's proving frames, re-read from the file by index (the live kiosk keeps them)."""
    from kiosk.verify import video_frames

    wanted = set(sorted(indices)[:limit])
    return [_jpeg(f) for i, (f, _) in enumerate(video_frames(video)) if i in wanted]


def _decide_and_record(args: argparse.Namespace, steps: list[str] | None, limits: Any) -> tuple[dict[str, Any], Any]:
    """Check the inputs (before any model loads), run the session, decide and (with --data-dir) record."""
    from inference.config import RuntimeConfig
    from inference.liveness import LivenessConfig
    from kiosk.face_session import FaceEngine, enrol_portrait
    from kiosk.policy import PolicyConfig
    from kiosk.verify import read_portrait, run_session, video_frames

    portrait_image = read_portrait(Path(args.portrait), limits)
    frames = video_frames(Path(args.video), limits)
    engine = FaceEngine.load(RuntimeConfig(provider=args.provider),
                             liveness=LivenessConfig(model_path=Path(args.pad_model) if args.pad_model else None))
    portrait = enrol_portrait(engine, portrait_image)
    policy = PolicyConfig()
    run = run_session(engine, portrait, frames, steps, policy)
    report = run.to_dict()
    if args.data_dir:
        from storage import ImageEvidence

        from kiosk.recording import record

        images = [ImageEvidence("dg2", Path(args.portrait).read_bytes(),
                                _MEDIA.get(Path(args.portrait).suffix.lower(), "application/octet-stream"))]
        if run.best_frame is not None:
            images.append(ImageEvidence("live", _jpeg(run.best_frame), "image/jpeg"))
        images += [ImageEvidence("audit_frame", b, "image/jpeg") for b in _audit_frames(Path(args.video), run.session.audit_frames)]
        report["session_id"] = record(Path(args.data_dir), mode="face_verify", started_at=run.started_at,
                                      evidence=run.evidence, decision=run.decision, policy=policy,
                                      checks={"face_session": run.session.to_dict()}, images=images)
        # No template: a portrait file carries no document, and storage groups templates per document
        # (keyed hash) for the 1:N duplicate search. Sessions with a chip record theirs (kiosk run).
    return report, run


def _run(args: argparse.Namespace) -> int:
    from inference.image import InputLimits
    from kiosk.verify import ReportFile, write_report

    steps = None if args.challenge == "random" else [s for s in args.challenge.split(",") if s.strip()]
    # Inputs and the report path are checked before the models load and before anything is recorded.
    limits = InputLimits()
    out = ReportFile(Path(args.json))
    try:
        report, run = _decide_and_record(args, steps, limits)
        write_report(out, report)
    finally:
        out.discard()  # no-op once the report is in place
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
