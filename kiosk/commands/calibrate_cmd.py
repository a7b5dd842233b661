"""``kiosk calibrate quality --data DIR [--json OUT]``: suggest quality-gate thresholds for a site's camera.

DIR holds *good* captures from that camera (any depth of sub-folders; JPEG, PNG, BMP, JPEG 2000). Every
measure of ``inference.quality`` is computed on each image's main face, and a threshold is suggested per
measure: a low percentile of the good captures for "higher is better" measures, a high one for "lower is
better" measures (see ``inference.quality.suggest_thresholds``), the percentile chosen so that the gate as
a whole refuses at most ``--percentile`` % of the good captures (or per measure with ``--per-measure``).
The result is printed next to the current defaults and written as a ``{"quality": {...}}`` config snippet.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def _quality(args: argparse.Namespace) -> int:
    from inference.quality import CONFIG_FIELDS
    from inference.quality_calibration import calibrate_quality, capture_files

    from kiosk.errors import BadInputError

    folder = Path(args.data)
    if not folder.is_dir():
        raise BadInputError(f"--data {folder} is not a folder of good captures")
    if not 0 < args.percentile < 50:
        raise BadInputError("--percentile must be between 0 and 50 (e.g. 5)")
    if not capture_files(folder, 1):
        raise BadInputError(f"no images (JPEG, PNG, BMP, JPEG 2000) under {folder}")
    r = calibrate_quality(folder, args.percentile, args.limit, args.provider, joint=not args.per_measure)
    if r["measured"] == 0:
        raise BadInputError(f"no face found in any of the {r['images']} images under {folder}")
    print(f"{r['measured']} of {r['images']} images measured ({r['no_face']} without a face, "
          f"{r['unreadable']} unreadable, {r['several_faces']} with several faces)")
    print(f"{'measure':<22}{'p5':>10}{'median':>10}{'p95':>10}   {'config field':<24}{'current':>16}{'suggested':>18}")
    for name, field in CONFIG_FIELDS.items():
        st = r["stats"].get(name)
        if st is None:
            continue
        cur, sug = r["current"].get(field), r["quality"].get(field, "-")
        print(f"{name:<22}{st['p5']:>10.3f}{st['median']:>10.3f}{st['p95']:>10.3f}   "
              f"{field:<24}{str(cur):>16}{str(sug):>18}")
    joint_note = f" chosen so the whole gate refuses at most {args.percentile:g}%" if r["joint"] else ""
    print(f"good captures passing every calibrated measure: {r['pass_rate_current']:.1%} with the current "
          f"thresholds, {r['pass_rate_suggested']:.1%} with the suggested ones (per-measure percentile "
          f"{r['per_measure_percentile']:g}{joint_note})")
    for note in r["notes"]:
        print(f"note: {note}")
    print("config snippet:")
    print(json.dumps({"quality": r["quality"]}, indent=2))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(r, indent=2), encoding="utf-8")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``calibrate`` command group (``calibrate quality``)."""
    p = sub.add_parser("calibrate", help="suggest thresholds for this site's camera from good captures")
    csub = p.add_subparsers(dest="calibrate_command", metavar="WHAT")
    csub.required = True
    q = csub.add_parser("quality", help="quality-gate thresholds from a folder of good captures")
    q.add_argument("--data", required=True,
                   help="folder of good captures from the kiosk's camera (searched recursively)")
    q.add_argument("--json", default=None, help="write statistics and the suggested config snippet to this JSON file")
    q.add_argument("--percentile", type=float, default=5.0,
                   help="share of the good captures the whole gate may refuse, in percent (default %(default)s)")
    q.add_argument("--per-measure", action="store_true",
                   help="apply --percentile to each measure on its own (the gate as a whole then refuses more)")
    q.add_argument("--limit", type=int, default=400, help="at most this many images, spread over the folder (0 = all)")
    q.add_argument("--provider", choices=("openvino", "cpu"), default="openvino", help="execution provider")
    q.set_defaults(func=_quality)
