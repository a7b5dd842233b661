"""``kiosk mrz synth``: a labelled set of synthetic documents with random valid MRZs of every ICAO 9303
format (TD1, TD2, TD3, and the visas MRV-A and MRV-B).

Each document is rendered on a passport-like page in OCR-B and photographed ``frames`` times, each
time with its own camera-like degradation (or none with ``clean``), so the evaluation can also test
agreement across frames. ``labels.csv`` has ``path,document_number,birth_date,expiry_date,type,document,split``.
All names and numbers are random; none is a real person's.

Seeds: development sets use seeds below ``HELD_OUT_SEED_BASE``; the held-out set (``held_out=True``,
``kiosk mrz synth --held-out``) draws from ``HELD_OUT_SEED_BASE + seed``, so no development seed can
ever produce a held-out document. Nothing is tuned on the held-out set: it is only reported.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

import numpy as np

from hardware.emrtd.mrz import MRV_A, MRV_B, Mrz, build_mrv, build_td1, build_td2, build_td3
from kiosk.errors import BadInputError
from kiosk.mrz.render import Degradation, degrade, encode_png, ocr_b_path, random_degradation, render_page

FORMATS = ("TD1", "TD2", "TD3", MRV_A, MRV_B)
HELD_OUT_SEED_BASE = 1_000_000  # development seeds are below it, held-out ones at or above it
# The page a format is printed on: a visa sticker fills a passport page (MRV-A) or part of it (MRV-B).
_PAGE = {"TD1": "TD1", "TD2": "TD2", "TD3": "TD3", MRV_A: "TD3", MRV_B: "TD2"}
_STATES = ("UTO", "D<<", "FRA", "NLD", "GBR", "ITA", "ESP", "POL", "SWE", "CAN", "USA", "JPN", "BRA", "ZAF")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"


def _pick(rng: np.random.Generator, chars: str, n: int) -> str:
    return "".join(chars[int(i)] for i in rng.integers(0, len(chars), n))


def _date(rng: np.random.Generator, start: dt.date, days: int) -> str:
    return (start + dt.timedelta(days=int(rng.integers(0, days)))).strftime("%y%m%d")


def random_mrz(rng: np.random.Generator, fmt: str) -> Mrz:
    """A random, valid MRZ of format ``fmt`` (every check digit right)."""
    style = rng.integers(0, 3)
    if style == 0:  # letters then digits, as many passports
        number = _pick(rng, _LETTERS, 2) + _pick(rng, _DIGITS, 7)
    elif style == 1:  # any mix
        number = _pick(rng, _LETTERS + _DIGITS, 9)
    else:  # shorter numbers are padded with fillers
        number = _pick(rng, _LETTERS + _DIGITS, int(rng.integers(6, 9)))
    fields = dict(
        document_number=number,
        birth_date=_date(rng, dt.date(1935, 1, 1), 365 * 70),
        expiry_date=_date(rng, dt.date(2020, 1, 1), 365 * 15),
        issuing_state=str(rng.choice(_STATES)), nationality=str(rng.choice(_STATES)),
        primary_identifier=_pick(rng, _LETTERS, int(rng.integers(3, 14))),
        secondary_identifier=_pick(rng, _LETTERS, int(rng.integers(3, 10))) + (
            "<" + _pick(rng, _LETTERS, int(rng.integers(3, 8))) if rng.random() < 0.4 else ""),
        sex=str(rng.choice(["M", "F", "<"])),
    )
    if fmt == "TD3":
        optional = _pick(rng, _DIGITS, int(rng.integers(6, 14))) if rng.random() < 0.4 else ""
        return build_td3(**fields, optional_data=optional)
    if fmt in (MRV_A, MRV_B):  # visas: optional data (16 or 8 characters) without a check digit
        optional = _pick(rng, _LETTERS + _DIGITS, int(rng.integers(3, 9))) if rng.random() < 0.5 else ""
        return build_mrv(fmt=fmt, **fields, optional_data=optional)
    optional = _pick(rng, _LETTERS + _DIGITS, int(rng.integers(3, 9))) if rng.random() < 0.4 else ""
    if fmt == "TD2":
        return build_td2(**fields, optional_data=optional[:7])
    return build_td1(**fields, optional_data=optional)


def synthesise(out: Path, count: int, seed: int, *, clean: bool = False, frames: int = 2,
               formats: tuple[str, ...] = FORMATS[:3], held_out: bool = False) -> Path:
    """Write ``count`` documents x ``frames`` images and ``labels.csv`` into ``out``; returns the CSV path.

    Formats cycle through ``formats`` so each is equally represented (by default TD1, TD2, TD3, so the sets
    earlier seeds made stay the same; ``kiosk mrz synth`` asks for every format). ``held_out`` draws from the held-out
    seeds (``HELD_OUT_SEED_BASE + seed``). Raises ``BadInputError`` for bad counts or seeds, a non-empty
    folder holding a labels file, ``FontMissingError`` without OCR-B.
    """
    if count < 1 or frames < 1:
        raise BadInputError("--count and --frames must be at least 1")
    if not 0 <= seed < HELD_OUT_SEED_BASE:
        raise BadInputError(f"--seed must be from 0 to {HELD_OUT_SEED_BASE - 1} "
                            "(held-out sets use --held-out, never a development seed)")
    bad = set(formats) - set(FORMATS)
    if bad:
        raise BadInputError(f"unknown MRZ formats {sorted(bad)}; use {', '.join(FORMATS)}")
    ocr_b_path()  # fail before writing anything when the font is absent
    out.mkdir(parents=True, exist_ok=True)
    labels = out / "labels.csv"
    if labels.exists():
        raise BadInputError(f"{labels} already exists: choose an empty folder")
    rng = np.random.default_rng(HELD_OUT_SEED_BASE + seed if held_out else seed)
    split = "held-out" if held_out else "development"
    rows = []
    for i in range(count):
        fmt = formats[i % len(formats)]
        mrz = random_mrz(rng, fmt)
        page = render_page(mrz.lines, _PAGE[fmt], rng)
        for k in range(frames):
            d = Degradation(scale=float(rng.uniform(0.6, 0.9))) if clean else random_degradation(rng)
            frame = degrade(page, d, rng)
            name = f"{i:05d}_{k}.png"
            (out / name).write_bytes(encode_png(frame))
            rows.append([name, mrz.document_number, mrz.birth_date, mrz.expiry_date, fmt, f"{i:05d}", split])
    return write_labels(labels, "split", rows)


def write_labels(labels: Path, last_column: str, rows: list[list[str]]) -> Path:
    """``labels.csv`` of a generated set (path, the key fields, type, document and ``last_column``), written
    last and atomically: the labels appear only once every image is written."""
    tmp = labels.with_suffix(".part")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "document_number", "birth_date", "expiry_date", "type", "document", last_column])
        w.writerows(rows)
    os.replace(tmp, labels)
    return labels
