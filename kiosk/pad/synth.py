"""Synthetic training attacks for ``kiosk eval pad --protocol loso`` (and training): which bona fide faces
are rendered, how each rendered row is labelled, and their cached features.

Bona fide faces come from three places, bounded so the work stays small (defaults in brackets):
NUAA live frames of labels.csv [every other frame, at most 200], frames of the live clips in
``video/live`` [at most 120, evenly spread over the 12 clips], and LFW dev crops [at most 150 people, one
crop each, upscaled 2x so YuNet finds the face]. Each face gives one print and one replay
(``inference.pad.synth``, seeded by the face's index, so a rerun renders the same bytes). Rows keep the
person's subject id (a print of NUAA subject 3 sits in subject 3's cross-validation fold) and the
``origin`` source: a fold never trains on renders of the source it holds out. The video and LFW faces
also join training as bona fide rows, so "looks like LFW" does not become an attack cue.
"""
from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inference.errors import BadImageError
from inference.image import read_image
from inference.pad.synth import RENDERERS, SYNTH_VERSION
from kiosk.errors import BadInputError
from kiosk.evaluation.pad import BONA_FIDE, PadSample


MAX_SIDE = 640  # renders work at most at this size (cost); NUAA frames (640 wide) keep their size


def _bounded(img: np.ndarray) -> np.ndarray:
    import cv2

    s = MAX_SIDE / max(img.shape[:2])
    return img if s >= 1 else cv2.resize(img, (round(img.shape[1] * s), round(img.shape[0] * s)),
                                         interpolation=cv2.INTER_AREA)


@dataclass(frozen=True)
class BonaFideFace:
    """One bona fide image to render attacks from: a stable key, where it came from, whose face it is."""

    key: str
    origin: str
    subject: str
    load: Callable[[], np.ndarray]
    own_row: bool  # also a bona fide training row (False when it is already a real row of labels.csv)


def _file_key(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:20]


def _video_frames(clip: Path, n: int) -> list[BonaFideFace]:
    import cv2

    cap = cv2.VideoCapture(str(clip))
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    if total <= 0:
        return []
    key = _file_key(clip)
    out = []
    for idx in np.linspace(0, total - 1, n).astype(int).tolist():
        def load(idx: int = idx) -> np.ndarray:
            c = cv2.VideoCapture(str(clip))
            c.set(cv2.CAP_PROP_POS_FRAMES, idx)
            ok, frame = c.read()
            c.release()
            if not ok:
                raise BadImageError(f"{clip.name}: frame {idx} cannot be read")
            return frame
        out.append(BonaFideFace(f"{key}#{idx}", "video", f"video_{clip.stem}", load, True))
    return out


def bona_fide_faces(data_dir: Path, pad_root: Path, pad_samples: Sequence[PadSample], max_nuaa: int = 200,
                    max_video: int = 120, max_lfw: int = 150) -> list[BonaFideFace]:
    """The bounded, deterministic list of bona fide faces to render attacks from (see the module docstring)."""
    import cv2

    faces: list[BonaFideFace] = []
    nuaa = sorted((s for s in pad_samples if s.columns.get("source") == "nuaa" and s.label == BONA_FIDE),
                  key=lambda s: s.path)
    for s in nuaa[::2][:max_nuaa]:
        path = Path(pad_root) / s.path
        faces.append(BonaFideFace(_file_key(path), "nuaa", s.columns.get("subject") or s.path,
                                  lambda path=path: read_image(path), False))
    clips = sorted((Path(data_dir) / "video" / "live").glob("*.mp4"))
    for clip in clips:
        faces += _video_frames(clip, max(1, max_video // max(1, len(clips))))
    pairs = Path(data_dir) / "faces" / "lfw_dev" / "pairs.csv"
    if pairs.is_file():
        seen: dict[str, Path] = {}
        with open(pairs, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for col in ("img1", "img2"):
                    rel = row[col]
                    person = Path(rel).parent.name
                    seen.setdefault(person, pairs.parent / rel)
        for person in sorted(seen)[:max_lfw]:
            path = seen[person]

            def load(path: Path = path) -> np.ndarray:
                img = read_image(path)
                return cv2.resize(img, (img.shape[1] * 2, img.shape[0] * 2), interpolation=cv2.INTER_CUBIC)
            faces.append(BonaFideFace(_file_key(path), "lfw", f"lfw_{person}", load, True))
    return faces


def synthetic_rows(faces: Sequence[BonaFideFace], species: Sequence[str] = ("print", "replay")
                   ) -> tuple[list[PadSample], list[tuple[str, Callable[[], np.ndarray]]]]:
    """(rows with label, subject and origin; (cache key, image loader) per row) for the given faces."""
    for sp in species:
        if sp not in RENDERERS:
            raise BadInputError(f"no synthetic renderer for species {sp!r}; choose from {sorted(RENDERERS)}")
    rows: list[PadSample] = []
    items: list[tuple[str, Callable[[], np.ndarray]]] = []
    for i, f in enumerate(faces):
        cols = {"origin": f.origin, "subject": f.subject, "source": f"synthetic-{f.origin}"}
        if f.own_row:
            rows.append(PadSample(f"synthetic/{f.origin}/{f.key}/live", BONA_FIDE, cols))
            items.append((f"bona:{f.origin}:{f.key}", lambda f=f: _bounded(f.load())))
        for sp in species:
            render = RENDERERS[sp]
            rows.append(PadSample(f"synthetic/{f.origin}/{f.key}/{sp}", sp, cols))
            items.append((f"{SYNTH_VERSION}:{sp}:{i}:{f.origin}:{f.key}",
                          lambda f=f, render=render, i=i: render(_bounded(f.load()), i).image))
    return rows, items
