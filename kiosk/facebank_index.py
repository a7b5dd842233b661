"""In-memory 1:N index of face-bank lists: per (owner, list), the list's templates decrypted once into one float32
matrix, so a search is one matrix-vector product.

Loaded from the store on the first search of a list (``storage.bank_lists``), then kept current:
* changes made through this index's :class:`kiosk.facebank.FaceBank` (enrol, withdraw) are applied in place;
* changes made anywhere else (another process, a retention purge) raise the list's generation in the store, which
  every search compares first (one indexed read): when only enrolments happened since, just the entries filed
  after the held generation are read and decrypted; otherwise the list's ids are compared (those gone are dropped,
  only newcomers decrypted).

Rows of one identity are kept next to each other, so an identity's score is the best of its templates
(``np.maximum.reduceat``). Memory: 4 bytes x dimension per template (512 B for SFace's 128), plus 32 bytes of id per
row: about 55 MB for 100,000 identities of one template each. float16 would halve it, but numpy has no float16
matrix product (it is several times slower than float32 here), so the matrix stays float32.

Ownership is the caller's: a list is looked up by (owner, name), and ``kiosk.facebank`` passes only the owner of
the key it serves, then confirms each hit's owner in the session's sealed checks.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from storage import Storage

log = logging.getLogger(__name__)

_ID = "S32"  # row ids are 32 hex characters (storage.tables.new_id)


def unit(vector: np.ndarray) -> np.ndarray:
    """``vector`` as float32 scaled to length 1 (unchanged when it is all zeros)."""
    v = np.asarray(vector, dtype=np.float32).reshape(-1)
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


@dataclass
class _List:
    """One list's rows (``n`` used of the buffers' capacity; an identity's rows contiguous)."""

    generation: int
    dim: int
    matrix: np.ndarray  # (capacity, dim) float32, unit rows
    sessions: np.ndarray  # (capacity,) S32: the identity of each row
    n: int = 0
    starts: np.ndarray | None = None  # first row of each identity, None when every identity has one row

    def ids(self) -> set[str]:
        return {s.decode() for s in self.sessions[:self.n]}

    def _regroup(self) -> None:
        s = self.sessions[:self.n]
        if self.n and np.any(s[1:] == s[:-1]):
            self.starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
        else:
            self.starts = None

    def append(self, rows: list[tuple[str, np.ndarray]]) -> None:
        """Append identities' rows (unit vectors of this list's dimension), growing the buffers by an eighth (not
        doubling: at 100,000 identities a doubling would hold 51 MB of empty rows)."""
        need = self.n + len(rows)
        if need > self.matrix.shape[0]:
            cap = max(need, self.matrix.shape[0] + self.matrix.shape[0] // 8, 64)
            matrix = np.empty((cap, self.dim), dtype=np.float32)
            matrix[:self.n] = self.matrix[:self.n]
            sessions = np.empty(cap, dtype=_ID)
            sessions[:self.n] = self.sessions[:self.n]
            self.matrix, self.sessions = matrix, sessions
        for i, (sid, v) in enumerate(rows, start=self.n):
            self.matrix[i] = v
            self.sessions[i] = sid.encode()
        self.n = need
        self._regroup()

    def drop(self, gone: set[str]) -> None:
        """Remove every row of the identities in ``gone``."""
        if not gone:
            return
        keep = ~np.isin(self.sessions[:self.n], np.array([g.encode() for g in gone], dtype=_ID))
        n = int(keep.sum())
        self.matrix[:n] = self.matrix[:self.n][keep]
        self.sessions[:n] = self.sessions[:self.n][keep]
        self.n = n
        self._regroup()

    def top(self, q: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` identities with the best cosine to the unit vector ``q``, best first."""
        if self.n == 0 or k <= 0 or q.size != self.dim:
            return []
        scores = self.matrix[:self.n] @ q
        if self.starts is None:
            best, owners = scores, self.sessions[:self.n]
        else:
            best, owners = np.maximum.reduceat(scores, self.starts), self.sessions[self.starts]
        k = min(k, best.size)
        idx = np.argpartition(-best, k - 1)[:k] if k < best.size else np.arange(best.size)
        idx = idx[np.argsort(-best[idx], kind="stable")]
        return [(owners[i].decode(), float(best[i])) for i in idx]

    def vectors_of(self, session_id: str) -> np.ndarray:
        """The rows of one identity (empty when it is not in the list)."""
        return self.matrix[:self.n][self.sessions[:self.n] == session_id.encode()]


class BankIndex:
    """The in-memory index of every list searched through it (thread-safe; one per process is enough)."""

    def __init__(self) -> None:
        # One lock per list, so loading one list (seconds at 100k) never holds up searches of the others; the
        # index-wide lock guards only the two dicts.
        self._lock = threading.Lock()
        self._lists: dict[tuple[str, str], _List] = {}
        self._list_locks: dict[tuple[str, str], threading.Lock] = {}

    def _list_lock(self, key: tuple[str, str]) -> threading.Lock:
        with self._lock:
            return self._list_locks.setdefault(key, threading.Lock())

    def _held(self, key: tuple[str, str]) -> _List | None:
        with self._lock:
            return self._lists.get(key)

    def search(self, storage: Storage, owner: str, list_name: str, vector: np.ndarray, k: int
               ) -> list[tuple[str, float]]:
        """The ``k`` best identities of the owner's list for ``vector`` (``(identity id, cosine)``, best first),
        after reloading the list if the store's generation says it changed."""
        q = unit(vector)
        with self._list_lock((owner, list_name)):
            lst = self._current(storage, owner, list_name)
            return lst.top(q, k) if lst is not None else []

    def _current(self, storage: Storage, owner: str, list_name: str) -> _List | None:
        """The list, brought up to the store's generation (the caller holds the list's lock)."""
        key = (owner, list_name)
        lst = self._held(key)
        if lst is not None and lst.generation == storage.banks.generation(owner, list_name):
            return lst
        load = storage.banks.newer(owner, list_name, lst.generation) if lst is not None and lst.generation >= 0 \
            else None
        known: frozenset[str] = frozenset()
        if load is None:
            known = frozenset(lst.ids()) if lst is not None else frozenset()
            load = storage.banks.load(owner, list_name, known)
        if lst is None:
            dims = [v.size for vs in load.vectors.values() for v in vs]
            if not dims:
                with self._lock:
                    self._lists.pop(key, None)
                return None
            dim = max(set(dims), key=dims.count)  # one embedding model per list; others cannot be compared
            lst = _List(load.generation, dim, np.empty((0, dim), dtype=np.float32), np.empty(0, dtype=_ID))
        if load.present is not None:
            lst.drop(known - set(load.present))
        order = load.present if load.present is not None else tuple(load.vectors)
        rows = [(sid, unit(v)) for sid in order if sid in load.vectors for v in load.vectors[sid] if v.size == lst.dim]
        skipped = sum(len(vs) for vs in load.vectors.values()) - len(rows)
        if skipped:
            log.warning("face bank: %d template(s) of another dimension than %d left out of a list's index",
                        skipped, lst.dim)
        lst.append(rows)
        lst.generation = load.generation
        with self._lock:
            self._lists[key] = lst
        return lst

    def enrolled(self, owner: str, list_name: str, session_id: str, vectors: Sequence[np.ndarray],
                 generation: int | None) -> None:
        """An identity this process just enrolled, the list now at ``generation``: appended in place when the index
        held exactly the generation before it; otherwise left for the next search to reload."""
        with self._list_lock((owner, list_name)):
            lst = self._held((owner, list_name))
            if lst is None or generation is None or lst.generation != generation - 1:
                return
            rows = [(session_id, unit(v)) for v in vectors if np.asarray(v).size == lst.dim]
            lst.append(rows)
            lst.generation = generation

    def withdrawn(self, owner: str, list_name: str, session_id: str, before: int, after: int) -> None:
        """An identity this process just erased, the list's generation ``before`` and ``after`` it: dropped in
        place when nothing else changed the list in between; otherwise the list reloads at its next search."""
        with self._list_lock((owner, list_name)):
            lst = self._held((owner, list_name))
            if lst is None or lst.generation == after:  # a search reloaded it meanwhile: already without it
                return
            if lst.generation == before and after == before + 1:
                lst.drop({session_id})
                lst.generation = after
            else:
                lst.generation = -1  # stale: the next search reloads it by difference

    def size(self, owner: str, list_name: str) -> int:
        """Rows held for one list (0 when it is not loaded)."""
        with self._list_lock((owner, list_name)):
            lst = self._held((owner, list_name))
            return lst.n if lst is not None else 0

    def nbytes(self) -> int:
        """Bytes of the matrices and id arrays held (their capacity)."""
        with self._lock:
            return sum(lst.matrix.nbytes + lst.sessions.nbytes for lst in self._lists.values())

    def clear(self) -> None:
        """Drop every decrypted template from memory."""
        with self._lock:
            self._lists.clear()
