"""``kiosk eval mrz``: exact-read rate, wrong reads accepted, not located and time per frame on a labelled set.

The set is a folder with ``labels.csv`` (``path,document_number,birth_date,expiry_date``; path
relative to the folder, dates YYMMDD; other columns ignored except two optional ones: ``type``
(TD1/TD2/TD3, for the per-type rates) and ``document`` (rows sharing it are frames of one document,
fed in file order to an ``MrzScanner`` to measure agreement). Every image is recognised once; the
agreement pass replays those results through the scanner's own agreement logic.
"""
from __future__ import annotations

import csv
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from inference.errors import BadImageError, MrzNotFoundError, MrzUnreadableError
from kiosk.errors import BadInputError
from inference.mrz import MrzText
from kiosk.mrz.repair import MrzRead
from kiosk.mrz.scan import MrzScanner, fields_from_text

_REQUIRED = ("path", "document_number", "birth_date", "expiry_date")


def load_labels(data: Path) -> list[dict[str, str]]:
    """Rows of ``data/labels.csv``; ``BadInputError`` naming what is wrong."""
    labels = data / "labels.csv"
    if not labels.is_file():
        raise BadInputError(f"{labels} not found: the folder needs a labels.csv (make one with 'kiosk mrz synth')")
    with open(labels, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise BadInputError(f"{labels} lacks the columns {', '.join(missing)}")
        rows = [dict(r) for r in reader]
    if not rows:
        raise BadInputError(f"{labels} has no rows")
    root = data.resolve()
    for i, r in enumerate(rows, start=2):
        p = (data / r["path"]).resolve()
        if root not in p.parents:
            raise BadInputError(f"{labels} line {i}: the path leaves the data folder")
        for col in ("birth_date", "expiry_date"):
            if not (len(r[col]) == 6 and r[col].isdigit()):
                raise BadInputError(f"{labels} line {i}: {col} must be YYMMDD")
    return rows


def _truth(row: dict[str, str]) -> tuple[str, str, str]:
    return (row["document_number"].strip().rstrip("<"), row["birth_date"], row["expiry_date"])


def _pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(values), q)), 1) if values else 0.0


class _Replay:
    """Stands in for the line reader during the agreement pass: hands back each frame's first-pass result
    (so every image is recognised once), keyed by its path."""

    def __init__(self, results: dict[str, MrzText | Exception]) -> None:
        self._results = results

    def read(self, path: str) -> MrzText:
        result = self._results[path]
        if isinstance(result, Exception):
            raise result
        return result


def evaluate(data: Path, scanner: MrzScanner) -> dict[str, Any]:
    """Read every image of ``data`` once (single frame), then per document with agreement; the report dict."""
    rows = load_labels(data)
    results: dict[str, MrzText | Exception] = {}
    outcome: list[tuple[dict[str, str], MrzRead | None, str]] = []
    times: list[float] = []
    for r in rows:
        img = cv2.imread(str(data / r["path"]), cv2.IMREAD_COLOR)
        if img is None:
            raise BadInputError(f"cannot read image {r['path']}")
        t = time.perf_counter()
        read, status = None, "read"
        try:
            text = scanner.reader.read(img)
            results[r["path"]] = text
            read = fields_from_text(text)
        except MrzNotFoundError as exc:
            status, results[r["path"]] = "not_located", exc
        except (MrzUnreadableError, BadImageError) as exc:
            status = "unreadable"
            results.setdefault(r["path"], exc)
        times.append((time.perf_counter() - t) * 1000)
        outcome.append((r, read, status))
    exact = sum(1 for r, read, _ in outcome if read is not None and read.key == _truth(r))
    wrong = sum(1 for r, read, _ in outcome if read is not None and read.key != _truth(r))
    per_type: dict[str, list[bool]] = defaultdict(list)
    for r, read, _ in outcome:
        if r.get("type") in ("TD1", "TD2", "TD3"):
            per_type[r["type"]].append(read is not None and read.key == _truth(r))
    n = len(rows)
    report: dict[str, Any] = {
        "images": n,
        "exact": exact,
        "exact_rate": round(exact / n, 4),
        "wrong_accepted": wrong,
        "not_located": sum(1 for _, _, s in outcome if s == "not_located"),
        "unreadable": sum(1 for _, _, s in outcome if s == "unreadable"),
        "repaired": sum(1 for _, read, _ in outcome if read is not None and read.repairs),
        "per_type": {t: (round(sum(v) / len(v), 4) if (v := per_type.get(t)) else None) for t in ("TD1", "TD2", "TD3")},
        "ms_per_frame": {"median": round(statistics.median(times), 1), "p90": _pct(times, 90)},
        "provider": scanner.reader.recogniser.provider,
    }
    per_doc: dict[str, int] = defaultdict(int)
    for r in rows:
        if "document" in r:
            per_doc[r["document"]] += 1
    if per_doc and max(per_doc.values()) >= 2:  # agreement needs documents seen in several frames
        replay = MrzScanner(_Replay(results), needed=scanner.needed,  # type: ignore[arg-type]
                            window_s=scanner.window_s)
        report["agreement"] = _agreement(rows, replay)
    return report


def _agreement(rows: list[dict[str, str]], scanner: MrzScanner) -> dict[str, Any]:
    """Feed each document's frames in order (0.2 s apart) to a fresh scanner: accepted and wrong accepted."""
    docs: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        docs[r["document"]].append(r)
    accepted = wrong = 0
    for doc_rows in docs.values():
        scanner.reset()
        for k, r in enumerate(doc_rows):
            try:
                read = scanner.feed(r["path"], 0.2 * k)  # type: ignore[arg-type]  # the replay reader takes paths
            except (MrzNotFoundError, MrzUnreadableError, BadImageError):
                continue
            if read is not None:
                accepted += 1
                wrong += read.key != _truth(r)
                break
    return {"documents": len(docs), "frames_needed": scanner.needed, "accepted": accepted,
            "accepted_rate": round(accepted / len(docs), 4), "wrong_accepted": wrong}
