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
import logging
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".jp2", ".j2k"}


def _images(folder: Path, limit: int) -> list[Path]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in _IMAGE_SUFFIXES)
    if limit and len(files) > limit:
        idx = np.linspace(0, len(files) - 1, limit).round().astype(int)  # evenly over the folder, not its head
        files = [files[i] for i in sorted(set(idx.tolist()))]
    return files


def _pass_rate(per_image: list[dict[str, float]], config: Any) -> float | None:
    """Share of images whose every calibrated measure lies within ``config``'s bounds (resolution and face
    count are facts about the image set, not thresholds to tune)."""
    from inference.quality import CONFIG_FIELDS

    if not per_image:
        return None
    limits = {k: v for k, v in config.limits().items() if k in CONFIG_FIELDS}  # the calibrated measures

    def ok(name: str, v: float) -> bool:
        if name not in limits:
            return True
        low, high = limits[name]
        return bool(np.isfinite(v)) and (low is None or v >= low) and (high is None or v <= high)

    return round(sum(all(ok(k, v) for k, v in img.items()) for img in per_image) / len(per_image), 4)


def calibrate_quality(folder: Path, percentile: float = 5.0, limit: int = 400, provider: str = "openvino",
                      joint: bool = True) -> dict[str, Any]:
    """Measure every image in ``folder`` and suggest thresholds; returns the JSON document.

    ``joint``: ``percentile`` is the share of good captures the whole gate may refuse; otherwise it is the
    share each measure may refuse on its own.
    """
    from inference.config import RuntimeConfig
    from inference.detect import FaceDetector, primary_face
    from inference.errors import BadImageError
    from inference.image import read_image
    from inference.landmarks import FaceMesh
    from inference.loader import load_runner
    from inference.quality import FRAME_RELATIVE, QualityConfig, assess, count_faces, suggest_thresholds

    runtime = RuntimeConfig.model_validate({"provider": provider})
    detector = FaceDetector(load_runner("yunet", runtime))
    mesh = FaceMesh(load_runner("face_mesh", runtime), load_runner("iris", runtime))
    config = QualityConfig()
    files = _images(folder, limit)
    values: dict[str, list[float]] = {}
    per_image: list[dict[str, float]] = []
    unreadable = no_face = several = 0
    sizes: set[tuple[int, int]] = set()
    for path in files:
        try:
            image = read_image(path)
        except BadImageError:
            unreadable += 1
            continue
        faces = detector.detect(image)
        face = primary_face(faces, image.shape)
        if face is None:
            no_face += 1
            continue
        n = count_faces(faces)
        several += n > 1
        sizes.add((image.shape[1], image.shape[0]))
        report = assess(image, face, mesh.landmarks(image, face), config, faces_count=n)
        per_image.append({m.name: m.value for m in report.measures})
        for m in report.measures:
            values.setdefault(m.name, []).append(m.value)
    # Per-measure refusals add up: with ~20 measures at 5% each, only 40% of NUAA's good live frames passed
    # them all. So by default the per-measure percentile is lowered (bisection) until the whole gate
    # refuses at most ``percentile`` % of the good captures.
    per_measure = percentile
    if joint and per_image:
        lo, hi = 0.0, percentile
        for _ in range(14):
            mid = (lo + hi) / 2
            cfg_mid = QualityConfig.model_validate({**config.model_dump(), **suggest_thresholds(values, mid)})
            if 1.0 - (_pass_rate(per_image, cfg_mid) or 0.0) <= percentile / 100.0:
                lo = mid
            else:
                hi = mid
        per_measure = lo
    suggested = suggest_thresholds(values, per_measure)
    tuned = QualityConfig.model_validate({**config.model_dump(), **suggested})
    notes = []
    if len(sizes) > 1:
        notes.append(f"images come in {len(sizes)} sizes: frame-relative measures ({', '.join(FRAME_RELATIVE)}) "
                     "are only meaningful for frames of the kiosk's camera")
    if sizes and max(h for _, h in sizes) < config.min_frame_height:
        notes.append(f"images are smaller than the kiosk's frames ({sorted(sizes)[:3]}): size, centring and "
                     "sharpness suggestions do not transfer to a 640x480 camera")
    if 0 < len(per_image) < 100:
        notes.append(f"only {len(per_image)} faces measured: percentiles of so few captures are rough "
                     "(the suggestions then sit at the extremes of these images); use a few hundred")
    stats = {name: {"n": len(v), "p5": round(float(np.percentile(v, 5)), 4),
                    "median": round(float(np.median(v)), 4), "p95": round(float(np.percentile(v, 95)), 4)}
             for name, v in values.items() if v}
    return {"data": str(folder), "images": len(files),
            # Share of these good captures that pass every measure: per-measure refusals add up.
            "pass_rate_current": _pass_rate(per_image, config), "pass_rate_suggested": _pass_rate(per_image, tuned),
            "measured": len(files) - unreadable - no_face,
            "unreadable": unreadable, "no_face": no_face, "several_faces": several, "percentile": percentile,
            "joint": joint, "per_measure_percentile": round(per_measure, 4),
            "frame_sizes": sorted([list(s) for s in sizes])[:10], "stats": stats,
            "current": {k: (list(v) if isinstance(v, tuple) else v) for k, v in config.model_dump().items()},
            "quality": {k: (list(v) if isinstance(v, tuple) else v) for k, v in suggested.items()}, "notes": notes}


def _quality(args: argparse.Namespace) -> int:
    from inference.quality import CONFIG_FIELDS

    from kiosk.errors import BadInputError

    folder = Path(args.data)
    if not folder.is_dir():
        raise BadInputError(f"--data {folder} is not a folder of good captures")
    if not 0 < args.percentile < 50:
        raise BadInputError("--percentile must be between 0 and 50 (e.g. 5)")
    if not _images(folder, 1):
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
