"""1:N duplicate search: is this live face already enrolled under *another* document?

Templates are stored AES-GCM encrypted (``templates`` table, associated data = row, session and
identity key). Search is numpy brute force over an in-memory matrix of L2-normalised float32
templates, decrypted once and then kept in step with the table incrementally (new ids are
decrypted, purged ids dropped), so one search costs one matrix-vector product: about 100k x 128
floats = 51 MB and a few ms on this machine.

Beyond about 100k templates (or when decrypted templates in RAM become a concern) the plan is:
1. keep the exact search but shard it: a memory-mapped float16 matrix encrypted at rest per shard,
   decrypted into locked memory (``mlock``) only while the process runs;
2. add an approximate index (FAISS IVF-PQ or HNSW via ``hnswlib``) built from the decrypted
   vectors in memory only, never written to disk in clear, with the top-k candidates re-scored
   exactly; recall is measured against brute force on a held-out set before switching;
3. at national scale, move 1:N to a back-office service; the kiosk keeps only recent local
   templates for the attempt-limit use case.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from storage.crypto import KeyContext
from storage.db import Database
from storage.decisions import template_aad
from storage.record_checks import template_bytes
from storage.tables import TemplateRow


@dataclass(frozen=True)
class DuplicateMatch:
    """The best-scoring template of another identity."""

    template_id: str
    session_id: str
    identity_key: str
    score: float  # cosine similarity in [-1, 1]
    is_duplicate: bool  # score >= the configured duplicate threshold


class TemplateIndex:
    """Brute-force cosine search over decrypted templates cached in memory (thread-safe)."""

    def __init__(self, db: Database, keys: KeyContext, threshold: float) -> None:
        self._db = db
        self._keys = keys
        self._threshold = threshold
        self._lock = threading.Lock()
        self._ids: list[str] = []
        self._sessions: list[str] = []
        self._identities: list[str] = []
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._dim: int | None = None

    def _refresh(self) -> None:
        with self._db.read() as s:
            current = {tid: (sid, ik, dim) for tid, sid, ik, dim in s.execute(
                select(TemplateRow.id, TemplateRow.session_id, TemplateRow.identity_key, TemplateRow.dim))}
            known = set(self._ids)
            new_ids = [tid for tid in current if tid not in known]
            gone = known - current.keys()
            new_rows = []
            if new_ids:
                for chunk in range(0, len(new_ids), 500):
                    part = new_ids[chunk:chunk + 500]
                    new_rows += list(s.execute(select(TemplateRow).where(TemplateRow.id.in_(part))).scalars())
        keep = [i for i, tid in enumerate(self._ids) if tid not in gone]
        ids = [self._ids[i] for i in keep]
        sessions = [self._sessions[i] for i in keep]
        identities = [self._identities[i] for i in keep]
        blocks = [self._matrix[keep]] if keep else []
        vecs = []
        self._keys.refresh()
        for row in new_rows:
            raw = self._keys.cipher.decrypt(row.key_id, row.ciphertext,
                                            template_aad(row.id, row.session_id, row.identity_key))
            v = np.frombuffer(raw, dtype="<f4").astype(np.float32)
            if self._dim is None:
                self._dim = v.size
            if v.size != self._dim:
                continue  # another embedding model's template: not comparable
            n = float(np.linalg.norm(v))
            vecs.append(v / n if n > 0 else v)
            ids.append(row.id)
            sessions.append(row.session_id)
            identities.append(row.identity_key)
        if vecs:
            blocks.append(np.vstack(vecs).astype(np.float32))
        self._matrix = np.vstack(blocks) if blocks else np.zeros((0, self._dim or 0), dtype=np.float32)
        self._ids, self._sessions, self._identities = ids, sessions, identities

    def _scores(self, vector: object, keep: Callable[[int], bool] | None) -> np.ndarray | None:
        """Cosine of ``vector`` against every template (``-inf`` where ``keep(index)`` is false); None when
        there is nothing to compare with. Call with the lock held, after ``_refresh``."""
        raw, _dim = template_bytes(vector)
        q = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        n = float(np.linalg.norm(q))
        q = q / n if n > 0 else q
        if not self._ids or self._matrix.shape[1] != q.size:
            return None
        scores = self._matrix @ q
        if keep is not None:
            mask = np.fromiter((keep(i) for i in range(len(self._ids))), dtype=bool, count=len(self._ids))
            scores = np.where(mask, scores, -np.inf)
        return scores

    def _match(self, i: int, score: float) -> DuplicateMatch:
        return DuplicateMatch(self._ids[i], self._sessions[i], self._identities[i], score, score >= self._threshold)

    def search(self, vector: object, exclude_identity_key: str | None) -> DuplicateMatch | None:
        """Best template of an identity other than ``exclude_identity_key``; ``None`` if there is none."""
        with self._lock:
            self._refresh()
            keep = None if exclude_identity_key is None else (
                lambda i: self._identities[i] != exclude_identity_key)
            scores = self._scores(vector, keep)
            if scores is None:
                return None
            best = int(np.argmax(scores))
            return self._match(best, float(scores[best])) if np.isfinite(scores[best]) else None

    def search_top(self, vector: object, k: int, sessions: set[str] | None = None) -> list[DuplicateMatch]:
        """The ``k`` best templates (highest cosine first), only among ``sessions`` when given (a face bank)."""
        with self._lock:
            self._refresh()
            scores = self._scores(vector, None if sessions is None else (lambda i: self._sessions[i] in sessions))
            if scores is None:
                return []
            order = np.argsort(-scores)[:max(0, k)]
            return [self._match(int(i), float(scores[i])) for i in order if np.isfinite(scores[i])]

    def search_document(self, issuing_state: str, document_number: str, vector: object) -> DuplicateMatch | None:
        """Search for ``vector`` among identities other than this document's."""
        return self.search(vector, self._keys.document_key(issuing_state, document_number))

    def session_hits(self, session_id: str, limit: int = 5) -> list[DuplicateMatch]:
        """The best templates of *other* identities against this session's own templates, best first
        (the review screen's 1:N hits; ``is_duplicate`` says which pass the threshold)."""
        with self._lock:
            self._refresh()
            own = [i for i, sid in enumerate(self._sessions) if sid == session_id]
            if not own:
                return []
            mine = {self._identities[i] for i in own}
            scores = np.max(self._matrix @ self._matrix[own].T, axis=1)
            mask = np.fromiter((ik in mine for ik in self._identities), dtype=bool, count=len(self._identities))
            scores = np.where(mask, -np.inf, scores)
            order = [int(i) for i in np.argsort(-scores)[:limit] if np.isfinite(scores[i])]
            return [DuplicateMatch(self._ids[i], self._sessions[i], self._identities[i], float(scores[i]),
                                   float(scores[i]) >= self._threshold) for i in order]

    def clear_cache(self) -> None:
        """Drop the decrypted matrix from memory (e.g. when the kiosk locks)."""
        with self._lock:
            self._ids, self._sessions, self._identities = [], [], []
            self._matrix = np.zeros((0, 0), dtype=np.float32)
            self._dim = None
