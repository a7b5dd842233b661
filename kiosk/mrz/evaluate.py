"""``kiosk eval mrz``: exact-read rate, wrong reads accepted, refused and time per frame on a labelled set,
overall and per ICAO 9303 format (TD1, TD2, TD3, MRV-A, MRV-B).

The set is a folder with ``labels.csv`` (``path,document_number,birth_date,expiry_date``; path
relative to the folder, dates YYMMDD; other columns ignored except two optional ones: ``type``
(TD1/TD2/TD3/MRV-A/MRV-B, for the per-format table) and ``document`` (rows sharing it are frames of one
document, fed in file order to an ``MrzScanner`` to measure agreement). Every image is recognised once;
the agreement pass replays those results through the scanner's own agreement logic.

A read is exact when its document number, birth date and expiry date are the label's and, where the label
names a format, it was read as that format (a visa taken for a passport is a wrong read, even with the
right fields). Every read that is not exact is a wrong read accepted; everything else was refused.
``format_table`` scores any reader's outcomes the same way, so the peer (``kiosk.mrz.peer``) is measured
by the same rules.
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

from hardware.emrtd.mrz import FORMATS
from inference.errors import BadImageError, MrzNotFoundError, MrzUnreadableError
from inference.mrz import MrzText
from kiosk.errors import BadInputError
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


def is_exact(row: dict[str, str], key: tuple[str, str, str] | None, fmt: str | None) -> bool:
    """True when a read's key (None: refused) is the label's, and its format too where the label has one."""
    if key is None or key != _truth(row):
        return False
    want = row.get("type") or ""
    return not want or want == fmt


def format_table(outcomes: list[tuple[dict[str, str], tuple[str, str, str] | None, str | None, float]]
                 ) -> dict[str, dict[str, Any]]:
    """Per format (the label's ``type``; ``all`` for the whole set): images, exact, wrong_accepted,
    refused and median_ms, from (row, key read or None when refused, format read, ms) per image."""
    groups: dict[str, list[tuple[dict[str, str], tuple[str, str, str] | None, str | None, float]]] = defaultdict(list)
    for o in outcomes:
        groups["all"].append(o)
        if o[0].get("type"):
            groups[o[0]["type"]].append(o)
    table: dict[str, dict[str, Any]] = {}
    for name in ("all", *FORMATS, *sorted(set(groups) - {"all", *FORMATS})):
        rows = groups.get(name)
        if not rows:
            continue
        exact = sum(1 for r, key, fmt, _ in rows if is_exact(r, key, fmt))
        refused = sum(1 for _, key, _, _ in rows if key is None)
        table[name] = {"images": len(rows), "exact": exact, "wrong_accepted": len(rows) - exact - refused,
                       "refused": refused, "median_ms": round(statistics.median([ms for *_, ms in rows]), 1)}
    return table


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
    table = format_table([(r, read.key if read else None, read.document_type if read else None, ms)
                          for (r, read, _), ms in zip(outcome, times)])
    exact, wrong = table["all"]["exact"], table["all"]["wrong_accepted"]
    per_type: dict[str, list[bool]] = defaultdict(list)
    for r, read, _ in outcome:
        if r.get("type") in FORMATS:
            per_type[r["type"]].append(read is not None and is_exact(r, read.key, read.document_type))
    n = len(rows)
    report: dict[str, Any] = {
        "images": n,
        "exact": exact,
        "exact_rate": round(exact / n, 4),
        "wrong_accepted": wrong,
        "not_located": sum(1 for _, _, s in outcome if s == "not_located"),
        "unreadable": sum(1 for _, _, s in outcome if s == "unreadable"),
        "repaired": sum(1 for _, read, _ in outcome if read is not None and read.repairs),
        "per_type": {t: (round(sum(v) / len(v), 4) if (v := per_type.get(t)) else None)
                     for t in FORMATS if t in per_type or not t.startswith("MRV")},
        "per_format": table,
        "ms_per_frame": {"median": round(statistics.median(times), 1), "p90": _pct(times, 90)},
        "provider": scanner.reader.recogniser.provider,
    }
    per_doc: dict[str, int] = defaultdict(int)
    for r in rows:
        if "document" in r:
            per_doc[r["document"]] += 1
    if per_doc and max(per_doc.values()) >= 2:  # agreement needs documents seen in several frames
        replay = MrzScanner(_Replay(results), needed=scanner.needed,  # type: ignore[arg-type]
                            window_s=scanner.window_s, accept_visas=True)  # reading is measured, not policy
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
                wrong += not is_exact(r, read.key, read.document_type)
                break
    return {"documents": len(docs), "frames_needed": scanner.needed, "accepted": accepted,
            "accepted_rate": round(accepted / len(docs), 4), "wrong_accepted": wrong}
