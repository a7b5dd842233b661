"""Storage benchmark: sessions written per second with a typical evidence set (about 300 KB of
images: a JPEG 2000 DG2 portrait, three live frames, two audit frames, one template) and the commit
latency distribution, on a real database under a given folder. Figures only; nothing is asserted.

``record_ms`` is what a caller of ``record_session`` waits (encrypt, write and fsync the blobs,
the transaction, the WAL fsync of ``synchronous=FULL``); ``commit_ms`` is the database commit alone.
"""
from __future__ import annotations

import io
import shutil
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from sqlalchemy import event

from storage.config import StorageConfig
from storage.records import DecisionInput, IdentityFields, ImageEvidence, SessionRecord, TemplateEvidence
from storage.store import open_storage


def _image(rng: np.random.Generator, w: int, h: int, fmt: str, **kw: Any) -> bytes:
    # Smoothed noise compresses roughly like a photograph (pure noise would be far too large).
    small = (rng.random((h // 8, w // 8, 3)) * 255).astype(np.uint8)
    img = Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC)
    arr = np.asarray(img).astype(np.int16) + rng.integers(-12, 12, size=(h, w, 3))
    buf = io.BytesIO()
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(buf, fmt, **kw)
    return buf.getvalue()


def evidence_set(seed: int = 0) -> list[ImageEvidence]:
    """A typical session's images (about 300 KB in total)."""
    rng = np.random.default_rng(seed)
    imgs = [ImageEvidence("dg2", _image(rng, 240, 320, "JPEG2000", quality_mode="rates", quality_layers=[20]),
                          "image/jp2")]
    imgs += [ImageEvidence("live", _image(rng, 640, 480, "JPEG", quality=75), "image/jpeg") for _ in range(3)]
    imgs += [ImageEvidence("audit_frame", _image(rng, 480, 360, "JPEG", quality=70), "image/jpeg") for _ in range(2)]
    return imgs


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def bench_storage(sessions: int = 200, data_dir: Path | None = None,
                  config: StorageConfig | None = None) -> dict[str, Any]:
    """Write ``sessions`` sessions and return throughput and latency figures."""
    own = data_dir is None
    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-")) if own else Path(data_dir)  # type: ignore[arg-type]
    try:
        st = open_storage(folder, config or StorageConfig())
        images = evidence_set()
        evidence_bytes = sum(len(i.data) for i in images)
        commit_ms: list[float] = []
        started: dict[int, float] = {}

        @event.listens_for(st.db._write, "before_commit")  # noqa: SLF001 - benchmark instrumentation
        def _before(session: Any) -> None:
            started[id(session)] = time.perf_counter()

        @event.listens_for(st.db._write, "after_commit")  # noqa: SLF001
        def _after(session: Any) -> None:
            t0 = started.pop(id(session), None)
            if t0 is not None:
                commit_ms.append((time.perf_counter() - t0) * 1000)

        rng = np.random.default_rng(1)
        now = datetime.now(timezone.utc)
        record_ms: list[float] = []
        t_start = time.perf_counter()
        for i in range(sessions):
            rec = SessionRecord(
                kiosk_id="bench", mode="unattended", started_at=now - timedelta(seconds=40), ended_at=now,
                decision=DecisionInput("accept" if i % 4 else "review", ("FACE_MATCH_OK",), "bench"),
                issuing_state="D", document_number=f"B{i:08d}", identity=IdentityFields("TESTPERSON", "ALEX", "1980-01-01"),
                chip={"access": "PACE", "passive_auth": "valid"}, checks={"match": 0.7, "liveness": 0.01},
                model_versions={"sface": "2021dec"}, config_hash="bench", images=images,
                templates=[TemplateEvidence("live", rng.normal(size=128))])
            t0 = time.perf_counter()
            st.decisions.record_session(rec)
            record_ms.append((time.perf_counter() - t0) * 1000)
        elapsed = time.perf_counter() - t_start
        db_file = folder / "kiosk.db"
        result = {
            "sessions": sessions,
            "evidence_images": len(images),
            "evidence_bytes": evidence_bytes,
            "seconds": round(elapsed, 3),
            "sessions_per_s": round(sessions / elapsed, 2),
            "record_ms": {"p50": round(_percentile(record_ms, 50), 2), "p99": round(_percentile(record_ms, 99), 2),
                          "max": round(max(record_ms), 2)},
            "commit_ms": {"p50": round(_percentile(commit_ms, 50), 2), "p99": round(_percentile(commit_ms, 99), 2),
                          "max": round(max(commit_ms), 2) if commit_ms else None},
            "synchronous": st.config.synchronous,
            "backend": st.db.backend,
            "db_bytes": db_file.stat().st_size if db_file.exists() else None,
            "data_dir": None if own else str(folder),
        }
        st.close()
        return result
    finally:
        if own:
            shutil.rmtree(folder, ignore_errors=True)
