"""Site calibration of passive liveness: capture at the kiosk's own camera, train, evaluate, install if better.

``kiosk pad collect`` (and the console's calibration page) drive this module; it holds no Qt and no
terminal code. The flow:

1. A **plan** (``CollectPlan``): P people (>= 2) x N live captures each, then for every attack species
   M captures, each showing one person's face (capture j of a species shows person ((j - 1) mod P) + 1),
   so every person's face is on both the live and the attack side and a split by person is possible.
   Each step has a prompt a person can follow.
2. Each **capture** is a burst of frames from the kiosk's camera. Every frame passes a minimal quality
   gate (one face, at least ``min_face_px`` wide, Laplacian sharpness as the kiosk's own quality gate
   asks) or is refused with its reason; a capture needs at least half its frames usable, else it is
   refused (``CaptureRefusedError``, the reasons counted) and the step is asked again.
3. **Privacy**: the collection stores features, never images: per frame the 26 PAD features (25 cues and
   the FaceAntiSpoofing score), with the label, the person's number (1..P, never a name), the species
   and the capture time. The file (``<data dir>/pad/collection.json``) is rewritten atomically after
   every capture, so an interrupted collection resumes at the next step.
4. **Calibration** (``kiosk.pad.calibrate.calibrate``): the held-back people (default the last max(1, P // 3)) and every attack
   capture that shows them are kept out; ``fit_fusion`` trains on the rest (ridge and threshold by
   cross-validation grouped by person, so each fold is tested on a person it did not see, as the held-back
   part is; by capture when only one person trains). Both the new model and the current one (the
   installed site model, or FaceAntiSpoofing alone at 0.2 when none is) are scored on the held-back part:
   BPCER and APCER per species at each one's own threshold, BPCER at APCER 5% (worst species), EER, with
   95% Clopper-Pearson intervals and the rule-of-three bound for zero errors.
5. **Install rule** (``kiosk.pad.calibrate.decide``, ``INSTALL_RULE``), on the held-back frames: (a) security first: at its own
   threshold the new model lets through no more of the worst species' attacks than the 5% target or the
   current model does (the larger of the two); (b) at its own threshold it rejects no more live frames than
   the current model at its own, and never more than ``MAX_BPCER`` (10%): an installed model's alarms count
   in every decision (FaceAntiSpoofing alone is evidence only), so a model that would send many genuine
   customers to review or away is not installed however it compares; and (c) it is better: a lower BPCER at APCER 5% (worst species) than the
   current model, or an equal one and a lower BPCER at its own threshold. Otherwise the current model stays
   and the report says why. Installing keeps the
   previous model as a backup (``kiosk.pad.site.install``). The model installed is the one evaluated
   (trained without the held-back people), so the reported figures are the installed model's.

Frames of one capture, and captures of one person, are not independent: the intervals count frames and
are therefore optimistic; the report also gives the per-capture figures (frames aggregated by the median,
as the kiosk does) and the number of held-back people.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from inference.antispoof import AntiSpoof
from inference.config import RuntimeConfig
from inference.detect import FaceDetector, primary_face
from inference.liveness import PassiveLiveness
from inference.loader import load_runner
from inference.pad.features import FEATURE_NAMES, FEATURE_VERSION
from inference.quality import QualityConfig, count_faces
from inference.quality_cues import face_crop, sharpness

from kiosk.errors import UserFacingError
from kiosk.evaluation.pad import BONA_FIDE
from kiosk.pad.site import site_dir, write_atomic

SCHEMA = "pad-collection/1"
COLLECTION_FILE = "collection.json"
PROMPTS = {
    BONA_FIDE: "Person {person} of {people}: look at the camera and move your head a little "
               "(live capture {k} of {n})",
    "print": "Hold a printed photo of person {person}'s face in front of the camera and tilt it slowly "
             "(print capture {k} of {n})",
    "replay": "Show a photo or video of person {person}'s face on a phone or tablet screen to the camera and "
              "move it slowly (screen capture {k} of {n})",
}
OTHER_PROMPT = "Present a {species} attack showing person {person}'s face to the camera ({species} capture {k} of {n})"


class CollectError(UserFacingError):
    """A calibration step cannot go on; the message says what to do."""


class CaptureRefusedError(CollectError):
    """Too few frames of a burst passed the quality gate; ``reasons`` counts why frames were refused."""

    def __init__(self, message: str, reasons: dict[str, int]) -> None:
        super().__init__(message)
        self.reasons = reasons


class CameraUnavailableError(CollectError):
    """The camera delivered no frame (unplugged, stopped, end of a replay)."""


class TooFewCapturesError(CollectError):
    """The captures cannot be split into a training part and a held-back part with every class on both."""


class CollectionFileError(CollectError):
    """The collection file is damaged or belongs to another plan."""


@dataclass(frozen=True)
class CollectPlan:
    """How many captures of what; ``steps()`` lists them in the order they are asked for."""

    people: int = 3
    live_per_person: int = 5
    species: tuple[str, ...] = ("print", "replay")
    attacks_per_species: int = 6
    frames_per_capture: int = 5

    def __post_init__(self) -> None:
        problems = []
        if self.people < 2:
            problems.append(f"at least 2 people are needed (one is held back for the test), got {self.people}")
        if self.live_per_person < 1:
            problems.append("at least 1 live capture per person is needed")
        if not self.species or any(not s or s == BONA_FIDE for s in self.species) or \
                len(set(self.species)) != len(self.species):
            problems.append(f"name one or more distinct attack species (not {BONA_FIDE!r}), got {list(self.species)}")
        if self.attacks_per_species < self.people:
            problems.append(f"at least one capture per species for each person is needed: "
                            f"{self.attacks_per_species} captures for {self.people} people")
        if not 1 <= self.frames_per_capture <= 30:
            problems.append(f"frames per capture must be 1 to 30, got {self.frames_per_capture}")
        if problems:
            raise CollectError("bad calibration plan: " + "; ".join(problems))

    def steps(self) -> list[Step]:
        """Every capture step, live captures person by person first, then each species."""
        out: list[Step] = []
        for p in range(1, self.people + 1):
            for k in range(1, self.live_per_person + 1):
                out.append(Step(len(out), BONA_FIDE, p, k, self.live_per_person,
                                PROMPTS[BONA_FIDE].format(person=p, people=self.people, k=k, n=self.live_per_person)))
        for sp in self.species:
            for k in range(1, self.attacks_per_species + 1):
                p = (k - 1) % self.people + 1
                text = PROMPTS.get(sp, OTHER_PROMPT).format(species=sp, person=p, k=k, n=self.attacks_per_species)
                out.append(Step(len(out), sp, p, k, self.attacks_per_species, text))
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        d = asdict(self)
        d["species"] = list(self.species)
        return d

    @classmethod
    def from_dict(cls, doc: Any) -> CollectPlan:
        """Rebuild a plan from its JSON form (``CollectionFileError`` when malformed)."""
        try:
            return cls(people=int(doc["people"]), live_per_person=int(doc["live_per_person"]),
                       species=tuple(str(s) for s in doc["species"]),
                       attacks_per_species=int(doc["attacks_per_species"]),
                       frames_per_capture=int(doc["frames_per_capture"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise CollectionFileError(f"the collection's plan is malformed ({exc})") from exc


@dataclass(frozen=True)
class Step:
    """One capture to take: label (``live`` or a species), whose face (person number), k of n, the prompt."""

    index: int
    label: str
    person: int
    k: int
    n: int
    prompt: str


@dataclass(frozen=True)
class GateConfig:
    """The minimal quality gate of a calibration frame."""

    min_face_px: float = 80.0
    # The kiosk's own sharpness gate (inference.quality): frames it would refuse never reach passive liveness.
    min_laplacian: float = QualityConfig().min_laplacian
    min_usable_share: float = 0.5


@dataclass
class CaptureModels:
    """What a capture needs: the face detector (YuNet, as the kiosk pipeline's) and passive liveness."""

    detector: FaceDetector
    liveness: PassiveLiveness

    @classmethod
    def load(cls, provider: str = "openvino", cache_dir: Path | None = None) -> CaptureModels:
        """Load YuNet and FaceAntiSpoofing only (the mesh, SFace and the rest are not needed here)."""
        cfg = RuntimeConfig(provider=provider, cache_dir=cache_dir)  # type: ignore[arg-type]
        return cls(FaceDetector(load_runner("yunet", cfg)), PassiveLiveness(AntiSpoof(load_runner("antispoof", cfg))))

    @classmethod
    def from_engine(cls, engine: Any) -> CaptureModels:
        """Reuse a loaded ``FaceEngine``'s detector and FaceAntiSpoofing."""
        return cls(engine.detector, PassiveLiveness(engine.liveness.antispoof))


def gate_frame(image: np.ndarray, models: CaptureModels, gate: GateConfig) -> tuple[Any, str | None]:
    """(face, None) for a usable frame, else (None, why it was refused, in words the technician can act on)."""
    import cv2

    faces = models.detector.detect(image)
    n = count_faces(faces)
    if n == 0:
        return None, "no face found"
    if n > 1:
        return None, "more than one face in view"
    face = primary_face(faces, image.shape)
    if face.box[2] < gate.min_face_px:
        return None, f"face too small (under {gate.min_face_px:.0f} px wide): come closer"
    lap, _ = sharpness(face_crop(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), face.box))
    if lap < gate.min_laplacian:
        return None, "face too blurred: hold still"
    return face, None


def take_burst(source: Any, frames: int, timeout_s: float = 3.0, every: int = 2) -> list[np.ndarray]:
    """``frames`` frames from a running ``FrameSource``, every ``every``-th one it delivers (some motion
    between them). ``CameraUnavailableError`` with the camera's own health message if it stops delivering."""
    out: list[np.ndarray] = []
    last = -1
    latest = source.latest()
    if latest is not None:
        last = latest.index  # a frame from before the prompt was answered is stale
    while len(out) < frames:
        frame = source.wait_next(last + every - 1 if out else last, timeout=timeout_s)
        if frame is None:
            health = source.health()
            raise CameraUnavailableError(f"the camera delivered no frame for {timeout_s:.0f} s "
                                         f"({health.state.value}: {health.message}); check its cable and retry")
        out.append(frame.image)
        last = frame.index
    return out


def open_camera(config_file: Path | None = None, replay: Path | None = None) -> Any:
    """The calibration camera: a replay of ``replay`` (video or image folder), else the kiosk config's camera.

    Not started. ``CollectError`` when the config simulates its devices (there is no camera to calibrate).
    """
    from hardware.camera import OpenCvCamera
    from hardware.camera.replay import ReplaySource

    from kiosk.workflow.config import load_config

    if replay is not None:
        replay = Path(replay)
        return ReplaySource.from_folder(replay) if replay.is_dir() else ReplaySource.from_video(replay)
    config = load_config(config_file)
    if config.devices.simulated:
        raise CollectError("no camera configured: set [devices] simulated = false and [devices.camera] in the kiosk "
                           "config, or give a replay (a video or an image folder)")
    return OpenCvCamera(config.devices.camera)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class Collection:
    """The captures so far (features only) and their plan; ``path`` is where it is kept."""

    path: Path
    plan: CollectPlan
    captures: list[dict[str, Any]] = field(default_factory=list)
    camera: str | None = None
    started_at: str = field(default_factory=_now)
    origin: str = "camera"

    @classmethod
    def open(cls, data_dir: Path, plan: CollectPlan, restart: bool = False, camera: str | None = None) -> Collection:
        """Resume the collection in ``<data dir>/pad`` (same plan) or start one (``restart`` discards the old)."""
        path = site_dir(data_dir) / COLLECTION_FILE
        if path.is_file() and not restart:
            col = cls.load(path)
            if col.plan != plan:
                raise CollectionFileError(
                    f"a collection with another plan is in progress ({col.plan.to_dict()}, {len(col.captures)} captures): "
                    "resume it with that plan, or start again with --restart (its captures are discarded)")
            return col
        col = cls(path, plan, camera=camera)
        col.save()
        return col

    @classmethod
    def load(cls, path: Path) -> Collection:
        """Read a collection file (``CollectionFileError`` when damaged or foreign)."""
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CollectionFileError(f"the collection file {path} is damaged ({exc}): start again with --restart") \
                from exc
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA or not isinstance(doc.get("captures"), list):
            raise CollectionFileError(f"{path} is not a {SCHEMA} collection file: start again with --restart")
        if doc.get("feature_version") != FEATURE_VERSION:
            raise CollectionFileError(f"{path} holds features of {doc.get('feature_version')}, this kiosk computes "
                                      f"{FEATURE_VERSION}: start again with --restart")
        return cls(Path(path), CollectPlan.from_dict(doc.get("plan")), list(doc["captures"]), doc.get("camera"),
                   str(doc.get("started_at", "")), str(doc.get("origin", "camera")))

    def save(self) -> None:
        """Rewrite the file atomically (the old one stays whole until the new one is complete)."""
        doc = {"schema": SCHEMA, "feature_version": FEATURE_VERSION, "feature_names": list(FEATURE_NAMES),
               "privacy": "features only: no image, no name (people are numbered 1..P)",
               "plan": self.plan.to_dict(), "camera": self.camera, "origin": self.origin,
               "started_at": self.started_at, "captures": self.captures}
        write_atomic(self.path, json.dumps(doc))

    def remaining(self) -> list[Step]:
        """The steps not yet captured, in order."""
        done = {c["step"] for c in self.captures}
        return [s for s in self.plan.steps() if s.index not in done]

    def counts(self) -> dict[str, dict[int, int]]:
        """Captures taken {label: {person: count}}."""
        out: dict[str, dict[int, int]] = {}
        for c in self.captures:
            out.setdefault(c["label"], {}).setdefault(int(c["person"]), 0)
            out[c["label"]][int(c["person"])] += 1
        return out

    def capture(self, step: Step, images: Sequence[np.ndarray], models: CaptureModels,
                gate: GateConfig | None = None) -> dict[str, Any]:
        """Gate and featurise the burst (``capture_record``), store it (features only) and save the file.

        ``CaptureRefusedError`` (nothing stored) when too few frames are usable.
        """
        rec = capture_record(step, images, models, gate)
        self.captures = [c for c in self.captures if c["step"] != step.index] + [rec]
        self.save()
        return rec


def capture_record(step: Step, images: Sequence[np.ndarray], models: CaptureModels,
                   gate: GateConfig | None = None) -> dict[str, Any]:
    """The stored form of one capture: the usable frames' features, label, person, species, time, refusals.

    ``CaptureRefusedError`` when fewer than ``min_usable_share`` of the frames pass the gate.
    """
    gate = gate or GateConfig()
    kept: list[dict[str, float | None]] = []
    refused: Counter[str] = Counter()
    for image in images:
        face, why = gate_frame(image, models, gate)
        if face is None:
            refused[why or "refused"] += 1
            continue
        kept.append(models.liveness.frame_features(image, face).to_dict())
    need = max(1, math.ceil(gate.min_usable_share * len(images)))
    if len(kept) < need:
        reasons = ", ".join(f"{n} {why}" for why, n in refused.most_common())
        raise CaptureRefusedError(f"only {len(kept)} of {len(images)} frames usable ({reasons}); "
                                  f"{step.prompt[0].lower() + step.prompt[1:]}, and try again", dict(refused))
    return {"step": step.index, "label": step.label, "person": step.person,
            "species": None if step.label == BONA_FIDE else step.label, "captured_at": _now(),
            "frames": kept, "refused": dict(refused)}


# -- the guided run (terminal or console) ------------------------------------------------------------------------


def run_guided(collection: Collection, source: Any, models: CaptureModels, say: Callable[[str], None],
               ready: Callable[[Step], None], gate: GateConfig | None = None, tries: int = 3) -> None:
    """Ask every remaining step: show its prompt, wait for ``ready(step)`` (Enter, a button), take a burst.

    A refused burst is asked again, up to ``tries`` times per step (then ``CaptureRefusedError``).
    """
    for step in collection.remaining():
        for attempt in range(1, tries + 1):
            say(f"[{step.index + 1}/{len(collection.plan.steps())}] {step.prompt}")
            ready(step)
            try:
                rec = collection.capture(step, take_burst(source, collection.plan.frames_per_capture), models, gate)
            except CaptureRefusedError as exc:
                if attempt == tries:
                    raise
                say(f"  refused: {exc}")
                continue
            say(f"  captured {len(rec['frames'])} frames" +
                (f" ({sum(rec['refused'].values())} refused)" if rec["refused"] else ""))
            break


def collection_from_dataset(root: Path, data_dir: Path, models: CaptureModels, row_filter: Any = None,
                            frames_per_capture: int = 5, gate: GateConfig | None = None,
                            progress: bool = True, restart: bool = False) -> Collection:
    """A collection made from a labelled image set as if it were one site's captures (measurement, import).

    Each ``subject`` is a person (numbered 1..P in sorted order, names dropped); a subject's images of one
    label, in file order, are cut into captures of ``frames_per_capture`` images; every capture runs the
    same gate and features as a camera burst (a capture with too few usable images is skipped and counted).
    Written to ``<data dir>/pad/collection.json``; a collection already there is kept (``CollectionFileError``)
    unless ``restart``.
    """
    from tqdm import tqdm  # type: ignore[import-untyped]

    from kiosk.evaluation.pad import read_dataset
    from inference.image import read_image

    if (site_dir(data_dir) / COLLECTION_FILE).exists() and not restart:
        raise CollectionFileError(f"{site_dir(data_dir) / COLLECTION_FILE} holds a collection already: give another "
                                  "--data-dir, or --restart to replace it")
    samples = read_dataset(Path(root), row_filter)
    subjects = sorted({s.columns.get("subject") or "" for s in samples})
    if "" in subjects or len(subjects) < 2:
        raise TooFewCapturesError(f"{root}: every image needs a 'subject' in labels.csv and at least 2 subjects "
                                  f"are needed (got {len([s for s in subjects if s])})")
    person = {s: i + 1 for i, s in enumerate(subjects)}
    species = sorted({s.label for s in samples} - {BONA_FIDE})
    bursts: dict[tuple[str, int], list[str]] = {}
    for s in sorted(samples, key=lambda s: s.path):
        bursts.setdefault((s.label, person[s.columns["subject"]]), []).append(s.path)
    chunks = [(lab, p, paths[i:i + frames_per_capture]) for (lab, p), paths in sorted(bursts.items())
              for i in range(0, len(paths), frames_per_capture)]
    if not species:
        raise TooFewCapturesError(f"{root}: the selected rows hold no attack species, only '{BONA_FIDE}'")
    per_label = Counter(lab for lab, _, _ in chunks)
    # The plan describes what the set holds (the most captures a person or a species has), for the report.
    plan = CollectPlan(people=len(subjects), live_per_person=max(1, max(
        (math.ceil(len(v) / frames_per_capture) for (lab, _), v in bursts.items() if lab == BONA_FIDE), default=1)),
        species=tuple(species), attacks_per_species=max(len(subjects), *(per_label[sp] for sp in species)),
        frames_per_capture=frames_per_capture)
    col = Collection(site_dir(data_dir) / COLLECTION_FILE, plan, camera=None, origin=f"dataset {Path(root).name}")
    skipped = 0
    for i, (lab, p, paths) in enumerate(tqdm(chunks, desc="captures", unit="capture", disable=not progress)):
        step = Step(i, lab, p, 1, 1, f"{lab} of person {p}")
        try:
            col.captures.append(capture_record(step, [read_image(Path(root) / q) for q in paths], models, gate))
        except CaptureRefusedError:
            skipped += 1
    col.origin += f" ({skipped} captures skipped by the gate)" if skipped else ""
    col.save()
    return col
