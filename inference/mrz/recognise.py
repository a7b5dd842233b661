"""Read MRZ text lines with the PP-OCRv6 small recognition model (CTC), restricted to the MRZ alphabet.

The model (from the ``rapidocr`` wheel, Apache-2.0; manifest id ``ppocr_rec``) reads a line image
48 pixels high and emits, per horizontal step, scores over ~18,700 characters whose list it carries in
its ONNX metadata (``character``). Scores outside ``A-Z 0-9 <`` are masked before the arg-max: without
the mask it emits Greek and Cyrillic look-alikes (``Ο`` for ``O``, ``К`` for ``K``). Line images are
padded to a few fixed widths because the OpenVINO EP compiles the model again for every new input
width (seconds each time).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from inference.config import RuntimeConfig
from inference.errors import ModelLoadError
from inference.mrz.glyphs import digit_height_ratio
from inference.runtime import OrtRunner, create_runner

MODEL_ID = "ppocr_rec"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
HEIGHT = 48
WIDTHS = (320, 480, 640, 800, 960, 1120)  # the only input widths the model ever sees
# OCR-B lines are squeezed horizontally before reading: the model reads them as well at ~20 pixels a
# character as at the natural ~34, and its time grows with the width.
SQUEEZE = 0.6


@dataclass(frozen=True)
class LineRead:
    """One recognised line: text in the MRZ alphabet, the per-character probability, per character the
    probability the model gave each other MRZ character over that character's steps (for repair), where
    each character's centre lies in the line crop (x, pixels), and for each character of a look-alike
    pair its height against the pair's digit's (``inference.mrz.glyphs.digit_height_ratio``: about 0.93
    for an O, 1.0 for a 0; None elsewhere)."""

    text: str
    confidence: tuple[float, ...]
    alternatives: tuple[dict[str, float], ...] = ()
    centres: tuple[float, ...] = ()
    digit_ratio: tuple[float | None, ...] = ()

    def alternative(self, index: int, char: str) -> float:
        """Highest probability the model gave ``char`` where it read character ``index``."""
        return self.alternatives[index].get(char, 0.0) if index < len(self.alternatives) else 0.0

    def __repr__(self) -> str:  # MRZ text never reaches a log through repr
        return f"LineRead(<{len(self.text)} characters>)"


def model_alphabet(model_path: Path) -> list[str]:
    """The model's character list (CTC class i+1 is ``chars[i]``; class 0 is the blank)."""
    import onnx

    model = onnx.load(str(model_path), load_external_data=False)
    for prop in model.metadata_props:
        if prop.key == "character":
            chars = prop.value.split("\n")
            # PaddleOCR appends a space after the dictionary (use_space_char).
            return chars + [" "]
    raise ModelLoadError(f"model '{MODEL_ID}' carries no character list in its metadata: wrong file?")


def _fit_width(line: np.ndarray) -> tuple[np.ndarray, int]:
    """Resize a grey line crop to HEIGHT keeping its aspect, then pad right to the next fixed width."""
    h, w = line.shape[:2]
    new_w = max(8, int(round(w * HEIGHT / max(h, 1) * SQUEEZE)))
    target = next((x for x in WIDTHS if x >= new_w), WIDTHS[-1])
    new_w = min(new_w, target)
    resized = cv2.resize(line, (new_w, HEIGHT), interpolation=cv2.INTER_AREA if h > HEIGHT else cv2.INTER_CUBIC)
    return resized, target


class MrzRecogniser:
    """Reads straightened MRZ line crops (grey, as ``locate_mrz`` cuts them) into MRZ-alphabet text."""

    def __init__(self, runner: OrtRunner, chars: list[str]) -> None:
        self._runner = runner
        self._keep = np.array([0] + [i + 1 for i, c in enumerate(chars) if c in ALPHABET], dtype=np.int64)
        found = {chars[i - 1] for i in self._keep[1:]}
        if found != set(ALPHABET):
            raise ModelLoadError(f"model '{MODEL_ID}' lacks MRZ characters {sorted(set(ALPHABET) - found)}")
        self._labels = [""] + [chars[i - 1] for i in self._keep[1:]]

    @classmethod
    def load(cls, model_path: Path, config: RuntimeConfig | None = None, provider: str | None = None) -> MrzRecogniser:
        """Load the model from a verified path and warm it up at every fixed width."""
        runner = create_runner(model_path, MODEL_ID, config, provider, warmup_shapes={"x": (1, 3, HEIGHT, WIDTHS[0])})
        for w in WIDTHS[1:]:  # compile every width now, not while a customer waits
            runner.warm_up(1, {"x": (1, 3, HEIGHT, w)})
        return cls(runner, model_alphabet(model_path))

    @property
    def provider(self) -> str:
        """The execution provider actually running the model."""
        return self._runner.provider

    def read_lines(self, lines: list[np.ndarray] | tuple[np.ndarray, ...]) -> list[LineRead]:
        """Recognise each grey line crop; one batch per fixed width."""
        grey = [ln if ln.ndim == 2 else cv2.cvtColor(ln, cv2.COLOR_BGR2GRAY) for ln in lines]
        fitted = [_fit_width(ln) for ln in grey]
        out: list[LineRead | None] = [None] * len(fitted)
        for width in sorted({t for _, t in fitted}):
            idx = [i for i, (_, t) in enumerate(fitted) if t == width]
            batch = np.zeros((len(idx), 3, HEIGHT, width), np.float32)  # zero = mid grey after normalising
            for b, i in enumerate(idx):
                img = fitted[i][0].astype(np.float32) / 127.5 - 1.0
                batch[b, :, :, : img.shape[1]] = img[None]
            probs = self._runner.run1(batch)[0]
            for b, i in enumerate(idx):
                # One output step covers width / steps input pixels; the crop was resized by this much.
                x_scale = width / probs.shape[1] * grey[i].shape[1] / fitted[i][0].shape[1]
                out[i] = self.decode(probs[b][:, self._keep], x_scale, grey[i])
        return [r for r in out if r is not None]

    def decode(self, masked: np.ndarray, x_scale: float, crop: np.ndarray | None = None) -> LineRead:
        """Greedy CTC over the MRZ alphabet: arg-max per step, merge repeats, drop blanks.

        ``masked`` holds one row of scores per step over the blank and ``ALPHABET`` (in the model's
        order); ``x_scale`` turns a step into crop pixels; with ``crop`` each look-alike's height is measured
        too (``LineRead.digit_ratio``).
        """
        best = masked.argmax(axis=1).tolist()
        text, conf, alts, centres = [], [], [], []
        t = 0
        while t < len(best):
            k, end = best[t], t
            while end + 1 < len(best) and best[end + 1] == k:
                end += 1
            if k != 0:
                span = masked[t:end + 1].max(axis=0)
                text.append(self._labels[k])
                conf.append(float(span[k]))
                # Keep only alternatives worth a look (>= 0.1 %), so a line's record stays small.
                alts.append({self._labels[j]: float(span[j]) for j in np.flatnonzero(span >= 1e-3).tolist()
                             if j not in (0, k)})
                centres.append((t + end + 1) / 2 * x_scale)
            t = end + 1
        line = "".join(text)
        ratio = digit_height_ratio(crop, line, tuple(conf), tuple(centres)) if crop is not None else ()
        return LineRead(line, tuple(conf), tuple(alts), tuple(centres), ratio)
