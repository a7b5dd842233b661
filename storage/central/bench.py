"""``kiosk bench sync``: how fast a kiosk store reaches the central store. Figures only, nothing asserted.

For each variant (records only; records and sealed evidence) a fresh kiosk store is filled with a day
of sessions (``sessions``, default 500, spread over 24 h by a fixed clock, each with the typical
~300 KB evidence set of ``kiosk bench storage``), registered at the central store under a fresh kiosk
id, and synced from scratch: that is the catch-up of a kiosk that was offline for that day. Then one
sync with nothing new (the cost of an idle round) and one with a single new session (the steady
state), and the central verification of that kiosk.
"""
from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

from storage.bench import evidence_set
from storage.backoffice_signing import BackofficeSigner, new_signer
from storage.central.kiosks import register_kiosk_key
from storage.central.push import SyncOptions, Syncer
from storage.central.store import CentralStore
from storage.central.verify import verify_central
from storage.clock import FixedClock
from storage.config import StorageConfig
from storage.records import DecisionInput, IdentityFields, SessionRecord, TemplateEvidence
from storage.store import Storage, open_storage


def _records(n: int, clock: FixedClock, kiosk_id: str, start: int = 0) -> list[SessionRecord]:
    rng = np.random.default_rng(start)
    images = evidence_set()
    now = clock.now()
    return [SessionRecord(
        kiosk_id=kiosk_id, mode="unattended", started_at=now - timedelta(seconds=40), ended_at=now,
        decision=DecisionInput("accept" if i % 4 else "review", ("FACE_MATCH_OK",), "bench"),
        issuing_state="D", document_number=f"S{start + i:08d}", identity=IdentityFields("TESTPERSON", "ALEX", "1980-01-01"),
        chip={"access": "PACE", "passive_auth": "valid"}, checks={"match": 0.7, "liveness": 0.01},
        model_versions={"sface": "2021dec"}, config_hash="bench", images=images,
        templates=[TemplateEvidence("live", rng.normal(size=128))]) for i in range(start, start + n)]


def _fill_day(st: Storage, clock: FixedClock, kiosk_id: str, sessions: int) -> None:
    step = timedelta(days=1) / max(sessions, 1)
    for i in range(sessions):
        st.decisions.record_session(_records(1, clock, kiosk_id, i)[0])
        clock.advance(seconds=step.total_seconds())


def _variant(central: CentralStore, folder: Path, sessions: int, evidence: bool, batch: int,
             signer: BackofficeSigner) -> dict[str, Any]:
    from storage.backoffice_keys import generate_key_pair
    from storage.head_signing import head_signing_public_key
    from storage.sealed_evidence import record_backoffice_key

    kiosk_id = f"bench-{'evidence' if evidence else 'records'}-{secrets.token_hex(3)}"
    clock = FixedClock(datetime.now(timezone.utc) - timedelta(days=1))
    st = open_storage(folder / kiosk_id, StorageConfig(), clock=clock)
    try:
        t0 = time.perf_counter()
        _fill_day(st, clock, kiosk_id, sessions)
        build_s = time.perf_counter() - t0
        if evidence:
            public, _, _ = generate_key_pair(folder / "backoffice", secrets.token_hex(8), log2_n=14)
            record_backoffice_key(st, public, "bench")
        register_kiosk_key(central, kiosk_id, head_signing_public_key(st.keys.keys)[1], signer, "bench")
        options = SyncOptions(batch_sessions=batch, push_evidence=evidence)
        t0 = time.perf_counter()
        report = Syncer(st, central, kiosk_id, options).run()
        catch_up = time.perf_counter() - t0
        t0 = time.perf_counter()
        Syncer(st, central, kiosk_id, options).run()
        idle = time.perf_counter() - t0
        st.decisions.record_session(_records(1, clock, kiosk_id, sessions)[0])
        t0 = time.perf_counter()
        Syncer(st, central, kiosk_id, options).run()
        one = time.perf_counter() - t0
        t0 = time.perf_counter()
        check = verify_central(central, kiosk_id).kiosks[0]
        verify_s = time.perf_counter() - t0
        return {"kiosk_id": kiosk_id, "sessions": sessions, "evidence": evidence, "build_s": round(build_s, 2),
                "catch_up_s": round(catch_up, 2), "sessions_per_s": round(sessions / catch_up, 1),
                "batches": report.batches, "events": report.events, "evidence_items": report.evidence,
                "idle_round_s": round(idle, 3), "one_new_session_s": round(one, 3),
                "central_verify_s": round(verify_s, 2), "verified": check.ok}
    finally:
        st.close()


def bench_sync(central_url: str, sessions: int = 500, batch: int = 50) -> dict[str, Any]:
    """Both variants against the central store at ``central_url`` (created if empty; kiosks are added)."""
    central = CentralStore(central_url)
    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-sync-"))
    try:
        signer = new_signer()  # a scratch store only: pinning fails on one that trusts a real back office
        central.init_schema(signer.public_key)
        return {"central": central.describe(), "batch_sessions": batch,
                "evidence_bytes_per_session": sum(len(i.data) for i in evidence_set()),
                "records": _variant(central, folder, sessions, False, batch, signer),
                "with_evidence": _variant(central, folder, sessions, True, batch, signer)}
    finally:
        central.dispose()
        shutil.rmtree(folder, ignore_errors=True)
