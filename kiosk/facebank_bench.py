"""``kiosk bench facebank``: 1:N search of one face-bank list at N identities (figures, not pass/fail).

Fills a fresh store in a temporary folder with N identities of one owner's list (random unit 128-d templates,
recorded in batches exactly as an enrolment records one: a sealed session, an encrypted template, its list entry
and a decision event), plus another owner's list of the same name (``other_owner`` identities) that the search
must neither read nor return. Then:

* the first search, which loads the list's index (every template of the list decrypted once), timed apart, with
  the process's resident-memory growth;
* ``queries`` searches (top 5) through ``FaceBank.search``: p50 / p95 / p99 / max;
* ``enrols`` enrolments through ``FaceBank.enrol`` at that size (duplicate search, sealed write, index update);
* a reload after another process changed the list (a second store handle enrols one identity): the reload reads
  only what is new.
"""
from __future__ import annotations

import datetime as dt
import resource
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from storage import BankMembership, DecisionInput, SessionRecord, TemplateEvidence, open_storage

from kiosk.facebank import FACEBANK_MODE, FaceBank, key_owner


def _rss_mb() -> float:
    """Current resident set size in MB (Linux /proc; peak RSS elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _unit(rng: np.random.Generator) -> np.ndarray:
    v = rng.standard_normal(128).astype(np.float32)
    return v / np.linalg.norm(v)


def _fill(bank: FaceBank, list_name: str, n: int, batch: int, rng: np.random.Generator) -> float:
    """Record ``n`` identities in the bank's list through the storage API; seconds taken."""
    start = time.perf_counter()
    now = dt.datetime.now(dt.timezone.utc)
    for first in range(0, n, batch):
        recs = []
        for _ in range(min(batch, n - first)):
            recs.append(SessionRecord(
                kiosk_id=f"facebank:{list_name}", mode=FACEBANK_MODE, started_at=now, ended_at=now,
                decision=DecisionInput("accept", (), "facebank-1"), issuing_state="FACEBANK",
                document_number=uuid.uuid4().hex,
                checks={"facebank": {"list": list_name, "templates": 1, "actor": "bench", "owner": bank.owner,
                                     "enrolled_at": now.isoformat()}},
                templates=[TemplateEvidence("live", _unit(rng))], counts_as_failure=False,
                bank=BankMembership(bank.owner, list_name)))
        bank.storage.decisions.record_sessions(recs)
    return time.perf_counter() - start


def _ms(values: list[float]) -> dict[str, float]:
    a = np.asarray(values)
    return {"p50": round(float(np.percentile(a, 50)), 2), "p95": round(float(np.percentile(a, 95)), 2),
            "p99": round(float(np.percentile(a, 99)), 2), "max": round(float(a.max()), 2)}


def bench_facebank(identities: int = 100_000, queries: int = 200, data_dir: Path | None = None,
                   batch: int = 500, seed: int = 0, enrols: int = 20, other_owner: int = 10_000) -> dict[str, Any]:
    """Fill a list with ``identities`` (and another key's list of the same name with ``other_owner``) and time ``queries``
    1:N searches (top 5), ``enrols`` enrolments and one reload after a change by another store handle."""
    rng = np.random.default_rng(seed)
    tmp = Path(tempfile.mkdtemp(prefix="facebank-bench-", dir=data_dir))
    try:
        st = open_storage(tmp / "data")
        try:
            bank = FaceBank(st, key_owner("bench"))
            fill_s = _fill(bank, "bench", identities, batch, rng)
            if other_owner:
                _fill(FaceBank(st, key_owner("other")), "bench", other_owner, batch, rng)
            rss0 = _rss_mb()
            t0 = time.perf_counter()
            bank.search("bench", _unit(rng), 5)
            first_s = time.perf_counter() - t0
            rss1 = _rss_mb()
            times = []
            for _ in range(queries):
                q = _unit(rng)
                t = time.perf_counter()
                hits = bank.search("bench", q, 5)
                times.append((time.perf_counter() - t) * 1000)
                if len(hits) != min(5, identities):
                    raise RuntimeError(f"a search found {len(hits)} identities in a list of {identities}")
            enrol_ms = []
            for _ in range(enrols):
                t = time.perf_counter()
                bank.enrol("bench", [_unit(rng)], "bench")
                enrol_ms.append((time.perf_counter() - t) * 1000)
            other = open_storage(tmp / "data")  # another process's handle: its enrolment raises the generation
            try:
                FaceBank(other, key_owner("bench")).enrol("bench", [_unit(rng)], "bench")
            finally:
                other.close()
            t = time.perf_counter()
            bank.search("bench", _unit(rng), 5)
            reload_ms = (time.perf_counter() - t) * 1000
            exists_ms = []
            for _ in range(min(queries, 20)):
                t = time.perf_counter()
                bank.exists("bench")
                exists_ms.append((time.perf_counter() - t) * 1000)
            index_mb = bank.index.nbytes() / 1e6
            held = bank.index.size(key_owner("bench"), "bench")
        finally:
            st.close()
        db_mb = sum(p.stat().st_size for p in (tmp / "data").rglob("*") if p.is_file()) / 1e6
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"identities": identities, "other_owner_identities": other_owner,
            "queries": queries, "fill_s": round(fill_s, 1), "first_search_s": round(first_s, 2),
            "index_rss_mb": round(rss1 - rss0, 1), "index_mb": round(index_mb, 1), "index_rows": held,
            "store_mb": round(db_mb, 1), "search_ms": _ms(times), "enrol_ms": _ms(enrol_ms) if enrol_ms else None,
            "reload_after_other_process_ms": round(reload_ms, 1),
            "exists_query_ms_p50": round(float(np.median(exists_ms)), 2)}
