"""``kiosk eval pad-video``: temporal PAD cues on the live clips and simulated attacks. Registered by ``eval``."""
from __future__ import annotations

import argparse
from pathlib import Path


def _eval_pad_video(args: argparse.Namespace) -> int:
    from kiosk.errors import BadInputError
    from kiosk.evaluation.pad import default_cache_dir
    from kiosk.evaluation.pad_video import METHODS, evaluate, table
    from kiosk.paths import shared_data_dir

    video = Path(args.video_dir) if args.video_dir else shared_data_dir() / "video" / "live"
    if not video.is_dir():
        raise BadInputError(f"clip folder {video} not found: pass --video-dir or set KIOSK_DATA_DIR")
    methods = [m.strip() for m in args.methods.split(",") if m.strip()] if args.methods else list(METHODS)
    cache = None if args.no_cache else (Path(args.cache) if args.cache else default_cache_dir())
    result = evaluate(video, Path(args.json), methods, seconds=args.seconds, max_windows=args.max_windows,
                      replay_seeds=args.replay_seeds, provider=args.provider, cache_dir=cache,
                      apcer_target=args.apcer_target, progress=not args.quiet)
    print(f"windows {result['windows']}, {len(result['failures'])} failures, clips too short: "
          f"{', '.join(result['clips_too_short']) or 'none'}")
    print(table(result))
    print(f"cost: {result['cost_ms']['sample_per_frame_median']} ms a frame to sample, "
          f"{result['cost_ms']['cues_per_window_median']} ms a window for the cues")
    print(f"written: {args.json}")
    return 0


def add_eval_pad_video(esub: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Add ``pad-video`` to the ``eval`` sub-command group and return its parser."""
    q = esub.add_parser("pad-video", help="temporal PAD cues (pulse, flicker, moire motion), leave-one-clip-out "
                                          "on the live clips vs simulated replays, prints and the puppet")
    q.add_argument("--json", required=True, help="where to write the report")
    q.add_argument("--video-dir", default=None,
                   help="folder of live .mp4 clips (default: video/live of KIOSK_DATA_DIR or ../shared/data)")
    q.add_argument("--methods", default=None, help="comma-separated methods (default: all; see kiosk/evaluation/pad_video.py)")
    q.add_argument("--seconds", type=float, default=4.0, help="window length in seconds (at least 4)")
    q.add_argument("--max-windows", type=int, default=3, help="at most this many non-overlapping windows a clip")
    q.add_argument("--replay-seeds", type=int, default=1, help="screens each window is replayed on")
    q.add_argument("--apcer-target", type=float, default=0.05,
                   help="each fold's threshold is set on its training windows at this worst-species APCER")
    q.add_argument("--provider", choices=["openvino", "cpu"], default=None, help="execution provider")
    q.add_argument("--cache", default=None, help="cache folder (default out/pad_cache)")
    q.add_argument("--no-cache", action="store_true", help="recompute every window")
    q.add_argument("--quiet", action="store_true", help="no progress bar")
    q.set_defaults(func=_eval_pad_video)
    return q
