"""``kiosk eval pad-video``: the temporal PAD cues (``inference.pad.temporal``) on windows of the live clips,
against the same clips replayed on a simulated screen, moving prints of them, and the live puppet.

The data (``video/live`` of the research data folder, 12 real clips):

- **bona fide**: non-overlapping windows of ``seconds`` of each clip (default 4 s; a four-action challenge
  takes about 6-7 s), at most ``max_windows`` a clip, frames scaled to at most 640 px (the kiosk's
  camera); a clip shorter than one window gives none;
- **replay**: the same window played through ``inference.pad.synth.ScreenReplay`` (one device per
  window and seed, ``replay_seeds`` seeds);
- **print**: the window's middle frame on a card (``inference.print_attack.PrintAttack``) swayed by hand
  (a seeded, slow yaw/pitch/shift script);
- **puppet**: the synthetic subject made from the window's middle frame (a photo of the same person)
  acting a seeded random challenge, on a tablet held close (``kiosk.workflow.demo.TabletPuppet``, the attack of
  ``kiosk run --attack puppet``);
- **synthetic** (reported, never scored as an attack or as bona fide): the synthetic subject without a
  screen, the demo's "genuine" customer, to show what a cue would do to it.

Every window runs the kiosk's own frame pipeline (YuNet + mesh tracking) on its frames; a temporal
sample is taken of every frame with a face. The per-frame fusion inputs (the 26 cue features with the
FaceAntiSpoofing score) are taken on three evenly spaced frames and median-aggregated, as a session does.
Windows and their features are cached (JSON lines, keyed by clip hash, window, species, seed and the
cue and renderer versions), so a rerun only scores.

Protocol: leave-one-clip-out. For each clip, every method is fitted on the windows of the other clips
(the attacks made from them included) and scores the held-out clip's windows; prints and puppets made from
a clip's frame belong to that clip. A single cue is "fitted" by choosing its threshold (its attack
direction is fixed by physics, ``ATTACK_DIRECTION``); a fusion is ``kiosk pad train``'s logistic fusion
(ridge and threshold by cross-validation grouped by clip on the training windows). Pooled out-of-fold
scores give BPCER@APCER and EER; each window's decision at its fold's threshold gives per-species APCER
and BPCER at the transferred threshold.
"""
from __future__ import annotations

import hashlib
import json
import math
import statistics
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inference.pad import metrics as pad_metrics
from inference.pad import temporal as pt
from inference.pad.features import FEATURE_NAMES
from inference.pad.synth import SYNTH_VERSION
from kiosk.errors import BadInputError

BONA_FIDE = "live"
ATTACKS = ("replay", "print", "puppet")
REPORTED_ONLY = "synthetic"
MAX_SIDE = 640
PASSIVE_FRAMES = 3
MIN_FACE_SHARE = 0.8  # a window where the mesh found the face in fewer frames is a failure, not a score
CACHE_VERSION = f"pad-video-2:{pt.SAMPLE_VERSION}:{SYNTH_VERSION}"
# Methods: a single temporal cue (threshold only), FaceAntiSpoofing alone, or fusions of feature lists.
TEMPORAL = tuple(pt.CUE_NAMES)
METHODS: dict[str, tuple[str, ...]] = {
    **{c: (c,) for c in TEMPORAL},
    "antispoof": ("antispoof",),
    "temporal": TEMPORAL,
    "cues": tuple(FEATURE_NAMES),
    "antispoof+rppg": ("antispoof", "rppg_snr_db", "rppg_contrast_db"),
    "cues+temporal": tuple(FEATURE_NAMES) + TEMPORAL,
}
RAW_DIRECTION = {**pt.ATTACK_DIRECTION, "antispoof": 1.0}


@dataclass(frozen=True)
class Window:
    """``frames`` frames of ``clip`` from frame ``start`` (the file's own frame rate ``fps``)."""

    clip: str
    path: Path
    digest: str
    start: int
    frames: int
    fps: float


def clip_windows(video_dir: Path, seconds: float = 4.0, max_windows: int = 3) -> tuple[list[Window], list[str]]:
    """(windows of every clip, clips too short for one window)."""
    import cv2

    clips = sorted(Path(video_dir).glob("*.mp4"))
    if not clips:
        raise BadInputError(f"no .mp4 clips in {video_dir}: pass --video-dir (the research data's video/live)")
    windows, short = [], []
    for clip in clips:
        cap = cv2.VideoCapture(str(clip))
        fps, total = float(cap.get(cv2.CAP_PROP_FPS)), int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        cap.release()
        n = int(math.ceil(seconds * fps)) + 1 if fps > 0 else 0
        count = min(max_windows, total // n) if n else 0
        if count == 0:
            short.append(clip.stem)
            continue
        digest = hashlib.sha256(clip.read_bytes()).hexdigest()[:16]
        windows += [Window(clip.stem, clip, digest, k * n, n, fps) for k in range(count)]
    return windows, short


def read_window(win: Window) -> list[np.ndarray]:
    """The window's frames (BGR), scaled to at most ``MAX_SIDE`` pixels."""
    import cv2

    from kiosk.verify import fit_frame

    cap = cv2.VideoCapture(str(win.path))
    cap.set(cv2.CAP_PROP_POS_FRAMES, win.start)
    frames = []
    for _ in range(win.frames):
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(fit_frame(frame, (MAX_SIDE, MAX_SIDE)))
    cap.release()
    return frames


def _hand_sway(seconds: float, rng: np.random.Generator) -> list[Any]:
    """A card held by hand and turned to imitate a head: slow random yaw, pitch and sideways moves."""
    from inference.synthetic import Keyframe, SubjectState

    keys, t = [], 0.0
    while t < seconds:
        d = float(rng.uniform(0.6, 1.2))
        keys.append(Keyframe(d, SubjectState(yaw=float(rng.uniform(-15, 15)), pitch=float(rng.uniform(-8, 8)),
                                             shift=(float(rng.uniform(-15, 15)), float(rng.uniform(-10, 10))),
                                             distance=float(rng.uniform(0.9, 1.05)))))
        t += d
    return keys


def _challenge(rng: np.random.Generator) -> list[Any]:
    """A challenge drawn like ``draw_steps`` but from a seeded generator (the evaluation must be repeatable)."""
    from inference.challenge_steps import ChallengeConfig, ChallengeStep

    cfg = ChallengeConfig()
    actions = [str(a) for a in rng.permutation(list(cfg.actions))[:cfg.length]]
    return [ChallengeStep(a, (float(rng.uniform(0.35, 0.65)), float(rng.uniform(0.35, 0.6)))
                          if a == "nose_to_target" else None) for a in actions]


def presentation(species: str, frames: list[np.ndarray], fps: float, seed: int, engine: Any) -> Iterator[np.ndarray]:
    """The camera frames of one presentation of ``species`` made from a bona fide window."""
    from inference.synthetic import state_at

    h, w = frames[0].shape[:2]
    rng = np.random.default_rng([seed, 14])
    if species == BONA_FIDE:
        yield from frames
    elif species == "replay":
        from inference.pad.synth import ScreenReplay

        screen = ScreenReplay(seed, (w, h))
        for f in frames:
            yield screen.apply(f).image
    elif species == "print":
        from inference.print_attack import PrintAttack

        card = PrintAttack(frames[len(frames) // 2], frame_size=(w, h), seed=seed)
        script = _hand_sway(len(frames) / fps, rng)
        for i in range(len(frames)):
            yield card.render(state_at(script, i / fps)[0])
    elif species in ("puppet", REPORTED_ONLY):
        from inference.synthetic import SyntheticSubject
        from kiosk.workflow.demo import TabletPuppet

        subject = SyntheticSubject.from_image(frames[len(frames) // 2], engine.detector, engine.mesh,
                                              frame_size=(w, h), seed=seed)
        actor: Any = TabletPuppet(subject, seed) if species == "puppet" else subject
        script = actor.follow(_challenge(rng))
        for i in range(len(frames)):
            yield actor.render(state_at(script, i / fps)[0])
    else:
        raise BadInputError(f"unknown presentation species {species!r}")


class WindowScorer:
    """Runs the kiosk's frame pipeline and passive features over presentations, with a JSON-lines cache."""

    def __init__(self, provider: str | None = None, cache_dir: Path | None = None) -> None:
        from inference.antispoof import AntiSpoof
        from inference.config import RuntimeConfig
        from inference.liveness import LivenessConfig, PassiveLiveness
        from inference.loader import load_runner
        from inference.pipeline import FacePipeline, PipelineConfig
        from kiosk.evaluation.pad import read_jsonl_cache

        cfg = RuntimeConfig(provider="cpu" if provider == "cpu" else "openvino")
        self.pipeline = FacePipeline.from_config(cfg, config=PipelineConfig(with_iris=False))
        self.detector, self.mesh = self.pipeline.detector, self.pipeline.mesh
        self.liveness = PassiveLiveness.from_config(AntiSpoof(load_runner("antispoof", cfg)), LivenessConfig())
        self.cache_file = Path(cache_dir) / "pad_video.jsonl" if cache_dir else None
        self._cache = read_jsonl_cache(self.cache_file, "key")

    def score(self, win: Window, species: str, seed: int, frames: list[np.ndarray]) -> dict[str, Any]:
        """One presentation: its temporal cues (``temporal``, computed from the cached per-frame series, so a
        change of a cue's definition needs no new pass over the frames), median per-frame features, costs;
        or a failure."""
        rec = self._record(win, species, seed, frames)
        if "failure" in rec:
            return rec
        sr = {k: np.array(v, np.float64) for k, v in rec["series"].items()}
        sr["back"] = sr["back"].reshape(len(sr["t"]), 3)
        try:
            cues = pt.series_cues(sr["t"], sr["skin"], sr["back"], sr["motion"])
        except pt.TemporalCueError as exc:
            return {**rec, "failure": str(exc)}
        cues["hf_change"] = np.nan if rec["hf_change"] is None else rec["hf_change"]
        return {**{k: v for k, v in rec.items() if k != "series"},
                "temporal": {k: _json_float(v) for k, v in cues.items()}}

    def _record(self, win: Window, species: str, seed: int, frames: list[np.ndarray]) -> dict[str, Any]:
        key = f"{CACHE_VERSION}:{win.digest}:{win.start}:{win.frames}:{species}:{seed}"
        rec = self._cache.get(key)
        if rec is None:
            rec = {"key": key, "clip": win.clip, "start": win.start, "species": species, "seed": seed,
                   **self._compute(presentation(species, frames, win.fps, seed, self), win.fps)}
            self._cache[key] = rec
            if self.cache_file:
                self.cache_file.parent.mkdir(parents=True, exist_ok=True)
                with open(self.cache_file, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(rec) + "\n")
        return rec

    def _compute(self, frames: Iterator[np.ndarray], fps: float) -> dict[str, Any]:
        self.pipeline.reset()
        samples, faces, sample_ms, n = [], [], [], 0
        for i, frame in enumerate(frames):
            n += 1
            t = i / fps
            a = self.pipeline.process(frame, t)
            if a.landmarks is None or a.face is None:
                continue
            t0 = time.perf_counter()
            try:
                samples.append(pt.sample_frame(t, frame, a.landmarks.points))
            except pt.TemporalCueError:
                continue  # no skin inside the frame (the face half out of it): a frame without a face
            sample_ms.append((time.perf_counter() - t0) * 1000)
            faces.append((frame, a.face))
        if len(samples) < MIN_FACE_SHARE * n:
            return {"failure": f"a face in {len(samples)} of {n} frames"}
        t0 = time.perf_counter()
        try:
            series = pt.window_series(samples)
            cues = pt.series_cues(series["t"], series["skin"], series["back"], series["motion"])
            hf = pt.hf_change([s.crop_hp for s in samples])
        except pt.TemporalCueError as exc:
            return {"failure": str(exc)}
        cue_ms = (time.perf_counter() - t0) * 1000
        picks = np.linspace(0, len(faces) - 1, PASSIVE_FRAMES).round().astype(int)
        feats = [self.liveness.frame_features(*faces[k]).vector(FEATURE_NAMES) for k in picks]
        with warnings.catch_warnings():  # a cue NaN on every frame (background outside the image) stays NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            per_frame = np.nanmedian(np.array(feats), axis=0)
        return {"frames": n, "faces": len(samples), "hf_change": _json_float(hf),
                "series": {k: np.round(v, 4).tolist() for k, v in series.items()},
                "per_frame": {k: _json_float(v) for k, v in zip(FEATURE_NAMES, per_frame)},
                "cost_ms": {"sample_per_frame": round(statistics.median(sample_ms), 3),
                            "cues_per_window": round(cue_ms, 3)}}


def _json_float(v: float) -> float | None:
    return None if not np.isfinite(v) else round(float(v), 6)


def _matrix(recs: Sequence[dict[str, Any]], names: Sequence[str]) -> np.ndarray:
    def value(rec: dict[str, Any], name: str) -> float:
        v = rec["temporal"].get(name) if name in rec["temporal"] else rec["per_frame"].get(name)
        return np.nan if v is None else float(v)
    return np.array([[value(r, n) for n in names] for r in recs], np.float64).reshape(len(recs), len(names))


def _raw_fit(x: np.ndarray, labels: np.ndarray, name: str, apcer_target: float) -> tuple[Any, float]:
    """A single cue: its attack-direction value, NaN imputed by the training median; threshold at the target."""
    sign = RAW_DIRECTION[name]
    med = float(np.nanmedian(x[:, 0])) if np.isfinite(x[:, 0]).any() else 0.0

    def score(z: np.ndarray) -> np.ndarray:
        return sign * np.where(np.isfinite(z[:, 0]), z[:, 0], med)
    s = score(x)
    attacks = {sp: s[labels == sp] for sp in ATTACKS if np.any(labels == sp)}
    return score, pad_metrics.threshold_at_apcer(attacks, apcer_target)


def leave_clip_out(recs: Sequence[dict[str, Any]], methods: Sequence[str], apcer_target: float = 0.05
                   ) -> dict[str, Any]:
    """Every method, leave-one-clip-out (see the module docstring); figures per method."""
    from kiosk.pad.train import L2_GRID_WIDE, fit_fusion

    scored = [r for r in recs if r["species"] != REPORTED_ONLY]
    extra = [r for r in recs if r["species"] == REPORTED_ONLY]
    labels = np.array([r["species"] for r in scored])
    clips = np.array([r["clip"] for r in scored])
    out: dict[str, Any] = {}
    for method in methods:
        names = METHODS[method]
        x, xe = _matrix(scored, names), _matrix(extra, names)
        oof, decided = np.full(len(scored), np.nan), np.zeros(len(scored), bool)
        extra_hits = np.zeros(len(extra), bool)
        for clip in sorted(set(clips)):
            test, train = clips == clip, clips != clip
            if len(names) == 1:
                score, thr = _raw_fit(x[train], labels[train], names[0], apcer_target)
            else:
                model, _ = fit_fusion(x[train], labels[train], list(clips[train]), names, apcer_target,
                                      l2_grid=L2_GRID_WIDE)
                score, thr = model.score, model.threshold
            oof[test] = score(x[test])
            decided[test] = oof[test] >= thr
            mine = np.array([r["clip"] == clip for r in extra], bool)
            if mine.any():
                extra_hits[mine] = score(xe[mine]) >= thr
        bona = oof[labels == BONA_FIDE]
        attacks = {sp: oof[labels == sp] for sp in ATTACKS if np.any(labels == sp)}
        rep = pad_metrics.pad_report(bona, attacks, threshold=0.0).to_dict()
        out[method] = {
            "features": list(names), "bpcer_at_apcer": rep["bpcer_at_apcer"], "eer": rep["eer"],
            "eer_per_species": rep["eer_per_species"],
            "transferred": {"bpcer": round(float(decided[labels == BONA_FIDE].mean()), 5),
                            "apcer": {sp: round(float(1 - decided[labels == sp].mean()), 5) for sp in attacks}},
            "synthetic_subject_flagged": round(float(extra_hits.mean()), 5) if len(extra) else None,
        }
    return out


def evaluate(video_dir: Path, out_json: Path, methods: Sequence[str] = tuple(METHODS), seconds: float = 4.0,
             max_windows: int = 3, replay_seeds: int = 1, provider: str | None = None,
             cache_dir: Path | None = None, apcer_target: float = 0.05, progress: bool = True) -> dict[str, Any]:
    """Score every window and presentation (cached), run the leave-clip-out protocol, write ``out_json``."""
    from tqdm import tqdm  # type: ignore[import-untyped]

    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise BadInputError(f"unknown methods {unknown}; known: {', '.join(METHODS)}")
    if seconds < pt.MIN_SECONDS:
        raise BadInputError(f"--seconds {seconds}: the temporal cues need windows of at least {pt.MIN_SECONDS} s")
    if replay_seeds < 1:
        raise BadInputError("--replay-seeds must be at least 1")
    windows, short = clip_windows(video_dir, seconds, max_windows)
    scorer = WindowScorer(provider, cache_dir)
    species = [(BONA_FIDE, 0), *[("replay", 1000 * s) for s in range(replay_seeds)], ("print", 0), ("puppet", 0),
               (REPORTED_ONLY, 0)]
    recs, failures = [], []
    bar = tqdm(total=len(windows) * len(species), desc="presentations", unit="win", disable=not progress)
    for k, w in enumerate(windows):
        frames = read_window(w)
        for sp, base in species:
            rec = scorer.score(w, sp, base + k, frames)  # each window its own screen, card and challenge
            (failures if "failure" in rec else recs).append(rec)
            bar.update()
    bar.close()
    if not any(r["species"] == BONA_FIDE for r in recs) or not any(r["species"] in ATTACKS for r in recs):
        raise BadInputError("no bona fide or no attack window could be scored; see the failures in the JSON")
    costs = [r["cost_ms"] for r in recs]
    result = {
        "protocol": "leave-one-clip-out", "video_dir": str(video_dir), "seconds": seconds,
        "max_windows": max_windows, "replay_seeds": replay_seeds, "apcer_target": apcer_target,
        "clips": sorted({w.clip for w in windows}), "clips_too_short": short,
        "windows": {sp: sum(r["species"] == sp for r in recs) for sp in (BONA_FIDE, *ATTACKS, REPORTED_ONLY)},
        "failures": [{k: f[k] for k in ("clip", "start", "species", "seed", "failure")} for f in failures],
        "cost_ms": {"sample_per_frame_median": round(statistics.median(c["sample_per_frame"] for c in costs), 3),
                    "cues_per_window_median": round(statistics.median(c["cues_per_window"] for c in costs), 3)},
        "cue_values": _cue_summary(recs),
        "methods": leave_clip_out(recs, methods, apcer_target),
    }
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


def _cue_summary(recs: Sequence[dict[str, Any]]) -> dict[str, dict[str, list[float] | None]]:
    """Per species, each temporal cue's (10th, 50th, 90th) percentiles: what the cues look like."""
    out: dict[str, dict[str, list[float] | None]] = {}
    for sp in (BONA_FIDE, *ATTACKS, REPORTED_ONLY):
        rows = [r for r in recs if r["species"] == sp]
        out[sp] = {}
        for c in (*TEMPORAL, "pulse_hz", "antispoof"):
            v = _matrix(rows, [c])[:, 0] if rows else np.array([])
            v = v[np.isfinite(v)]
            out[sp][c] = [round(float(q), 3) for q in np.percentile(v, [10, 50, 90])] if len(v) else None
    return out


def table(result: dict[str, Any]) -> str:
    """The methods as a Markdown table (the README's)."""
    head = ("| method | BPCER@APCER 5% / 10% | EER | EER replay / print / puppet | at the transferred threshold: "
            "BPCER; APCER replay / print / puppet | synthetic subject flagged |\n|---|---|---|---|---|---|")
    rows = []
    pct = lambda v: "n/a" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    for name, m in result["methods"].items():
        e, a = m["eer_per_species"], m["transferred"]["apcer"]
        rows.append(f"| {name} | {pct(m['bpcer_at_apcer']['0.05'])} / {pct(m['bpcer_at_apcer']['0.10'])} | "
                    f"{pct(m['eer'])} | {' / '.join(pct(e.get(s)) for s in ATTACKS)} | "
                    f"{pct(m['transferred']['bpcer'])}; {' / '.join(pct(a.get(s)) for s in ATTACKS)} | "
                    f"{pct(m['synthetic_subject_flagged'])} |")
    return "\n".join([head, *rows])
