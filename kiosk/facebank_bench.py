"""``kiosk bench facebank``: 1:N search of one face-bank list at N identities (figures, not pass/fail).

Fills a fresh store in a temporary folder with N identities of one owner's list (random unit 128-d templates,
recorded in batches exactly as an enrolment records one: a sealed session, an encrypted template, a decision
event), then times ``FaceBank.search`` for random probes. The first search also loads the template index
(every template decrypted once); its time and the process's resident-memory growth are reported apart.
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

from storage import DecisionInput, SessionRecord, TemplateEvidence, open_storage

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


def _fill(bank: FaceBank, list_name: str, n: int, batch: int, rng: np.random.Generator) -> float:
    start = time.perf_counter()
    now = dt.datetime.now(dt.timezone.utc)
    for first in range(0, n, batch):
        recs = []
        for _ in range(min(batch, n - first)):
            v = rng.standard_normal(128).astype(np.float32)
            v /= np.linalg.norm(v)
            recs.append(SessionRecord(
                kiosk_id=f"facebank:{list_name}", mode=FACEBANK_MODE, started_at=now, ended_at=now,
                decision=DecisionInput("accept", (), "facebank-1"), issuing_state="FACEBANK",
                document_number=uuid.uuid4().hex,
                checks={"facebank": {"list": list_name, "templates": 1, "actor": "bench", "owner": bank.owner,
                                     "enrolled_at": now.isoformat()}},
                templates=[TemplateEvidence("live", v)], counts_as_failure=False))
        bank.storage.decisions.record_sessions(recs)
    return time.perf_counter() - start


def bench_facebank(identities: int = 100_000, queries: int = 200, data_dir: Path | None = None,
                   batch: int = 500, seed: int = 0) -> dict[str, Any]:
    """Fill a list with ``identities`` and time ``queries`` 1:N searches (top 5)."""
    rng = np.random.default_rng(seed)
    tmp = Path(tempfile.mkdtemp(prefix="facebank-bench-", dir=data_dir))
    try:
        st = open_storage(tmp / "data")
        try:
            bank = FaceBank(st, key_owner("bench"))
            fill_s = _fill(bank, "bench", identities, batch, rng)
            rss0 = _rss_mb()
            probe = rng.standard_normal(128).astype(np.float32)
            t0 = time.perf_counter()
            bank.search("bench", probe / np.linalg.norm(probe), 5)
            first_s = time.perf_counter() - t0
            rss1 = _rss_mb()
            times = []
            for _ in range(queries):
                q = rng.standard_normal(128).astype(np.float32)
                t = time.perf_counter()
                hits = bank.search("bench", q / np.linalg.norm(q), 5)
                times.append((time.perf_counter() - t) * 1000)
                assert len(hits) == 5
            members_ms = []
            for _ in range(min(queries, 20)):
                t = time.perf_counter()
                bank.members("bench")
                members_ms.append((time.perf_counter() - t) * 1000)
        finally:
            st.close()
        db_mb = sum(p.stat().st_size for p in (tmp / "data").rglob("*") if p.is_file()) / 1e6
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    a = np.asarray(times)
    return {"identities": identities, "queries": queries, "fill_s": round(fill_s, 1),
            "first_search_s": round(first_s, 2), "index_rss_mb": round(rss1 - rss0, 1), "store_mb": round(db_mb, 1),
            "search_ms": {"p50": round(float(np.percentile(a, 50)), 1), "p99": round(float(np.percentile(a, 99)), 1),
                          "max": round(float(a.max()), 1)},
            "members_query_ms_p50": round(float(np.median(members_ms)), 1)}
