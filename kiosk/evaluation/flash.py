"""``kiosk eval flash``: the screen-flash challenge on recorded clips of real people.

A recorded clip cannot answer a real screen, so the screen's light is simulated as in
``tests/inference/test_flash.py``: the face of each frame is lit by the colour the kiosk would be showing
(``inference.synthetic.screen_light``, a multiplicative gain of ``strength`` on the skin and a fifth of it
on the rest of the frame) with a fixed display-to-camera delay. Each draw takes a random default sequence
(``inference.flash.draw_sequence`` with a seeded generator, and the kiosk's own timing,
``kiosk.workflow.controller.FLASH_CONFIG``) and a random start in the clip, and checks:

- **lit**: the lit frames against the sequence shown: a genuine customer in front of a kiosk whose screen
  lights the face; a failure here is a genuine user the flash would send to review;
- **unlit**: the same frames without the light against the same sequence: what a screen replay or a
  puppet on a tablet looks like to the flash (a screen shows its own content, not the light falling on
  it); a pass here is an attack the flash would let through.

Clips shorter than a sequence are looped, as the demo's ``ClipCamera`` does. Face detection and the mesh
run once per frame; the per-draw work is the lighting and the correlation.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inference.flash import FlashConfig, FlashSequence, correlate, draw_sequence, sample_frame
from kiosk.errors import BadInputError

LAG_S = 0.1        # display + camera delay assumed for the simulated light


def _kiosk_flash_config() -> FlashConfig:
    """The sequence timing and thresholds the kiosk itself uses."""
    from kiosk.workflow.controller import FLASH_CONFIG

    return FLASH_CONFIG


@dataclass(frozen=True)
class _Draw:
    sequence: FlashSequence
    start_s: float     # where in the (looped) clip the sequence starts


def _clip_frames(path: Path, seconds: float) -> tuple[list[tuple[float, np.ndarray]], float]:
    """Frames of ``path`` (looped up to ``seconds``) and the frame rate.

    ``kiosk.verify.video_frames`` checks the file, fits every frame to the kiosk camera's 640x480 and stamps
    it at the clip's frame rate, so the rate is read back from the stamps.
    """
    from kiosk.verify import video_frames

    stamped = list(video_frames(path))
    frames = [f for f, _ in stamped]
    fps = 1.0 / stamped[1][1] if len(stamped) > 1 else 25.0
    n = max(len(frames), int(np.ceil(seconds * fps)))
    return [(i / fps, frames[i % len(frames)]) for i in range(n)], float(fps)


def _landmarks(engine: Any, frames: list[tuple[float, np.ndarray]], needed: list[bool]) -> list[np.ndarray | None]:
    """Mesh points of the primary face of each ``needed`` frame (None: not needed, or no face)."""
    from inference.detect import primary_face

    cache: dict[int, np.ndarray | None] = {}
    out: list[np.ndarray | None] = []
    for (_, image), need in zip(frames, needed):
        if not need:
            out.append(None)
            continue
        key = id(image)  # a looped clip repeats the same frame objects: detect each once
        if key not in cache:
            face = primary_face(engine.detector.detect(image), image.shape)
            cache[key] = None if face is None else engine.pipeline.mesh.landmarks(image, face, with_iris=False).points
        out.append(cache[key])
    return out


def evaluate_clip(engine: Any, path: Path, draws: int, strengths: Sequence[float], seed: int,
                  config: FlashConfig | None = None) -> dict[str, Any]:
    """``draws`` random sequences on one clip: per strength the lit results, and the unlit ones."""
    from inference.synthetic import screen_light

    cfg = config or _kiosk_flash_config()
    rng = random.Random(f"{seed}:{path.name}")
    plan = [draw_sequence(cfg, rng) for _ in range(draws)]
    longest = max(s.total_s for s in plan) + cfg.max_lag_s + LAG_S
    frames, fps = _clip_frames(path, longest + 0.5)
    clip_s = len(frames) / fps
    draws_ = [_Draw(s, rng.uniform(0.0, max(0.0, clip_s - s.total_s - cfg.max_lag_s - LAG_S))) for s in plan]
    def inside(t: float, d: _Draw) -> bool:
        return d.start_s <= t <= d.start_s + d.sequence.total_s + cfg.max_lag_s

    needed = [any(inside(t, d) for d in draws_) for t, _ in frames]
    points = _landmarks(engine, frames, needed)
    unlit = [None if p is None else sample_frame(t, img, p) for (t, img), p in zip(frames, points)]
    result: dict[str, Any] = {"clip": path.name, "fps": fps, "frames": len(frames),
                              "frames_without_face": sum(n and p is None for n, p in zip(needed, points)), "lit": {}, "unlit": []}
    for strength in strengths:
        rows = []
        for d in draws_:
            samples = []
            for (t, img), p in zip(frames, points):
                rgb = d.sequence.colour_at(t - d.start_s - LAG_S)
                if p is None or not inside(t, d):
                    continue
                samples.append(sample_frame(t, screen_light(img, p, rgb, strength=strength) if rgb else img, p))
            rows.append(_row(correlate(samples, d.sequence, d.start_s, cfg)))
        result["lit"][f"{strength:g}"] = rows
    for d in draws_:
        window = [s for s in unlit if s is not None and inside(s.t, d)]
        result["unlit"].append(_row(correlate(window, d.sequence, d.start_s, cfg)))
    return result


def _row(r: Any) -> dict[str, Any]:
    return {"passed": r.passed, "reason": r.reason, "correlation": r.correlation, "frames": r.frames_used}


def _rate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    corr = [r["correlation"] for r in rows if r["correlation"] is not None]
    return {"draws": len(rows), "passed": sum(r["passed"] for r in rows),
            "pass_rate": sum(r["passed"] for r in rows) / len(rows) if rows else None,
            "correlation_min": min(corr) if corr else None,
            "correlation_median": float(np.median(corr)) if corr else None,
            "correlation_max": max(corr) if corr else None}


def summarise(clips: list[dict[str, Any]], strengths: Sequence[float]) -> dict[str, Any]:
    """Pass rates over all clips and draws: lit per strength (genuine), unlit (screen or puppet)."""
    out: dict[str, Any] = {"lit": {}, "unlit": _rate([r for c in clips for r in c["unlit"]])}
    for s in strengths:
        key = f"{s:g}"
        rows = [r for c in clips for r in c["lit"][key]]
        out["lit"][key] = _rate(rows) | {
            "clips_with_a_failure": sorted(c["clip"] for c in clips if not all(r["passed"] for r in c["lit"][key]))}
    return out


def evaluate_flash(clip_dir: Path, provider: str | None = None, draws: int = 10,
                   strengths: Sequence[float] = (0.03, 0.05, 0.08), seed: int = 0,
                   progress: bool = False, engine: Any = None) -> dict[str, Any]:
    """Every video clip of ``clip_dir`` through :func:`evaluate_clip` (``engine``: a loaded ``FaceEngine``)."""
    from inference.config import RuntimeConfig
    from kiosk.face_session import FaceEngine

    clip_dir = Path(clip_dir)
    paths = sorted(p for p in clip_dir.glob("*") if p.suffix.lower() in (".mp4", ".avi", ".mkv", ".mov"))
    if not paths:
        raise BadInputError(f"no video clips in {clip_dir}: give --clips a folder of recorded faces")
    if draws < 1 or not strengths or any(not 0 < s < 1 for s in strengths):
        raise BadInputError("--draws must be at least 1 and every --strength between 0 and 1")
    engine = engine or FaceEngine.load(RuntimeConfig(provider=provider or "openvino"))
    clips = []
    for i, path in enumerate(paths):
        if progress:
            print(f"[{i + 1}/{len(paths)}] {path.name}", flush=True)
        clips.append(evaluate_clip(engine, path, draws, strengths, seed))
    cfg = _kiosk_flash_config()
    return {"clip_dir": str(clip_dir), "draws_per_clip": draws, "strengths": list(strengths), "seed": seed,
            "lag_s": LAG_S, "config": cfg.model_dump(),
            "summary": summarise(clips, strengths), "clips": clips}
