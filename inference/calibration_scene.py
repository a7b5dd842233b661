"""What stands in front of a replay camera during a simulated site calibration (test and screenshot tooling).

``CalibrationScene`` holds, for each synthetic person, a short clip of the live subject
(``inference.synthetic``), of a printed photo of it moved by hand (``inference.print_attack``) and of the live
clip on a phone screen (``inference.pad.synth.ScreenReplay``). ``show(label, person)`` switches what the camera
sees, as a technician following the prompts would; ``frames()`` is an endless frame iterator for
``hardware.camera.ReplaySource``. The faces are the astronaut and people of the t1 picture (model-store test
assets): no personal data beyond those published samples.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np

from inference.image import read_image
from inference.pad.synth import ScreenReplay
from inference.print_attack import PrintAttack
from inference.synthetic import SyntheticSubject, action_script


def sample_photos(detector: object, people: int = 4) -> list[np.ndarray]:
    """``people`` different face photos (1 to 7): the astronaut, then people of the t1 picture from the left."""
    from models.store import ModelStore

    store = ModelStore()
    t1 = read_image(store.asset_path("t1"))
    out = [read_image(store.asset_path("astronaut"))]
    for f in sorted(detector.detect(t1), key=lambda f: f.box[0])[: max(0, people - 1)]:  # type: ignore[attr-defined]
        x, y, w, h = (int(v) for v in f.box)
        out.append(t1[max(0, y - h): y + 2 * h, max(0, x - w): x + 2 * w])
    return out[:people]


class CalibrationScene:
    """Live, print and screen clips of each person; ``show`` picks one, ``frames`` plays it (see the module)."""

    def __init__(self, photos: list[np.ndarray], detector: object, mesh: object, frames_each: int = 8) -> None:
        self.clips: dict[tuple[str, int], list[np.ndarray]] = {}
        script = action_script("turn_left") + action_script("look_up")
        live: list[np.ndarray] = []
        for p, photo in enumerate(photos, start=1):
            subject = SyntheticSubject.from_image(photo, detector, mesh, seed=p)
            live = [f.image for f in subject.play(script, fps=6)][:frames_each]
            card = PrintAttack(subject.base, seed=10 + p)
            screen = ScreenReplay(30 + p, subject.size)
            self.clips[("live", p)] = live
            self.clips[("print", p)] = [f.image for f in card.play(script, fps=6)][:frames_each]
            self.clips[("replay", p)] = [screen.apply(img).image for img in live]
        self.clips[("empty", 0)] = [np.full((480, 640, 3), 140, np.uint8) if not live else np.full_like(live[0], 140)]
        self.current = ("empty", 0)
        self._lock = threading.Lock()

    def show(self, label: str, person: int) -> None:
        """Put this person's live face (``live``) or attack (``print``, ``replay``), or nobody (``empty``, 0), in view."""
        with self._lock:
            self.current = (label, person)

    def frames(self) -> Iterator[np.ndarray]:
        """Endless frames of whatever is in view (the clip loops)."""
        i = 0
        while True:
            with self._lock:
                clip = self.clips[self.current]
            yield clip[i % len(clip)]
            i += 1
