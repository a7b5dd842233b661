"""``kiosk sync``: push one kiosk store's sessions, decisions, reviews, image records, audit events and
(optionally) sealed evidence to the central store, in batches, idempotently and resumably.

One batch is:
1. read (one local snapshot) the next sessions whose rows are not acknowledged as they are now, and
   check their row seals and the HMAC chain of the events to send under the kiosk's audit key: a store
   tampered with locally is refused, never pushed;
2. seal their evidence to the back office's public key (``storage.sealed_evidence``) when configured;
3. append one local ``central_push`` audit event naming the digest of every row and evidence item of
   the batch (``storage.central.chain``): the chain, hence the signed head, now commits to them;
4. sign the public chain head at the batch's last event (``storage.head_signing``);
5. ONE central transaction: the events (``INSERT .. ON CONFLICT DO NOTHING``, then every event of the
   range compared with what the centre holds: a different event under the same (kiosk, seq) is a
   named ``CentralConflictError``), the rows and evidence (replaced only by a version announced by a
   later ``central_push``), the signed head; commit;
6. only then, locally: the cursor (acknowledged seq and chain hash) and the acknowledged digests.
A kill or a lost connection at any point leaves the centre with the whole batch or none of it; in the
second case nothing was acknowledged and the next sync sends it again (the events it already holds are
compared and skipped, the rows re-announced by a newer ``central_push``). Batches go in audit-seq
order, and the centre refuses a batch that does not continue its copy of the kiosk's chain.
"""
from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, and_, delete, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from storage.audit import event_mac
from storage.binding import check_seal
from storage.central import schema
from storage.central.chain import GENESIS_HASH, PUSH_KIND, event_hash_of, evidence_digest, row_digest
from storage.central.errors import CentralBehindError, CentralConfigError, CentralConflictError
from storage.central.kiosks import require_registered
from storage.central.store import CentralStore
from storage.errors import AuditChainError, IntegrityError
from storage.store import Storage
from storage.tables import (
    AuditEventRow,
    DecisionRow,
    ImageRow,
    ReviewRow,
    SessionRow,
    SyncAckRow,
    SyncCursorRow,
    TemplateRow,
)

log = logging.getLogger(__name__)

ROW_MODELS: dict[str, Any] = {"sessions": SessionRow, "decisions": DecisionRow, "reviews": ReviewRow,
                              "images": ImageRow}
EVIDENCE = "evidence"  # the sync_acks table name of sealed evidence items


@dataclass(frozen=True)
class SyncOptions:
    """How a sync runs."""

    batch_sessions: int = 50  # sessions (with their decision, reviews, images) per central transaction
    max_events: int = 2000  # audit events per central transaction when only events are pending
    push_evidence: bool = False  # seal images and templates to the back-office key and push them


@dataclass
class SyncReport:
    """What one sync pushed."""

    kiosk_id: str
    central_id: str
    batches: int = 0
    events: int = 0
    rows: dict[str, int] = field(default_factory=lambda: {t: 0 for t in ROW_MODELS})
    evidence: int = 0
    head_seq: int = 0
    evidence_skipped: str | None = None

    def summary(self) -> str:
        """One line for the command and the log."""
        rows = ", ".join(f"{n} {t}" for t, n in self.rows.items())
        extra = f"; evidence NOT pushed: {self.evidence_skipped}" if self.evidence_skipped else ""
        return (f"kiosk {self.kiosk_id}: {self.batches} batches, {self.events} audit events, {rows}, "
                f"{self.evidence} sealed evidence items; acknowledged up to seq {self.head_seq}{extra}")


@dataclass(frozen=True)
class _Cursor:
    seq: int
    chain_hash: str


@dataclass
class _Batch:
    rows: dict[str, list[dict[str, Any]]]  # table -> column values (local names)
    digests: dict[str, dict[str, str]]  # table -> {row id: digest}
    evidence: list[Any]  # storage.sealed_evidence.SealedEvidence

    def empty(self) -> bool:
        return not any(self.rows.values()) and not self.evidence


def _values(table: str, row: Any) -> dict[str, Any]:
    return {c: getattr(row, c) for c in schema.LOCAL_COLUMNS[table]}


class Syncer:
    """Pushes one kiosk store to one central store (see the module docstring)."""

    def __init__(self, st: Storage, central: CentralStore, kiosk_id: str, options: SyncOptions | None = None) -> None:
        if not kiosk_id or len(kiosk_id) > 64:
            raise CentralConfigError("a kiosk id for the central store is 1-64 characters")
        self.st = st
        self.central = central
        self.kiosk_id = kiosk_id
        self.options = options or SyncOptions()
        self.actor = f"sync:{kiosk_id}"[:96]

    # ------------------------------------------------------------------ public
    def run(self, should_stop: Callable[[], bool] = lambda: False) -> SyncReport:
        """Push until the central store has everything (or ``should_stop()``); returns what was pushed."""
        from storage.head_signing import head_signing_public_key

        self.st.keys.refresh()
        key_id, public_key = head_signing_public_key(self.st.keys.keys)
        with self.central.begin("sync start") as conn:
            central_id = self.central.central_id(conn)
            require_registered(conn, self.kiosk_id, key_id, public_key)
            central_head = self._central_head(conn)
        report = SyncReport(self.kiosk_id, central_id)
        cursor = self._load_cursor(central_id)
        self._reconcile(cursor, central_head)
        acks = self._load_acks(central_id)
        report.head_seq = cursor.seq
        while not should_stop():
            # A long offline backlog of events goes first in bounded events-only batches.
            while self._local_head() - cursor.seq > self.options.max_events and not should_stop():
                cursor = self._push(central_id, cursor, _Batch({}, {}, []), report)
            pushed = False
            pending = self._changed_sessions(acks)
            for start in range(0, len(pending), self.options.batch_sessions):
                if should_stop():
                    break
                batch = self._read_batch(pending[start:start + self.options.batch_sessions], acks, report)
                if batch.empty():  # e.g. only evidence pending and no back-office key recorded
                    continue
                cursor = self._push(central_id, cursor, batch, report)
                pushed = True
                for table, ids in batch.digests.items():
                    for rid, digest in ids.items():
                        acks[(table, rid)] = digest
                for e in batch.evidence:
                    acks[(EVIDENCE, e.evidence_id)] = evidence_digest(e.blob)
            if not pushed:
                if self._local_head() > cursor.seq and not should_stop():
                    cursor = self._push(central_id, cursor, _Batch({}, {}, []), report)
                break
        return report

    # ------------------------------------------------------------------ local state
    def _load_cursor(self, central_id: str) -> _Cursor:
        with self.st.db.read() as s:
            row = s.get(SyncCursorRow, central_id)
            if row is None:
                return _Cursor(0, GENESIS_HASH)
            if row.kiosk_id != self.kiosk_id:
                raise CentralConflictError(f"this store syncs to the central store as kiosk {row.kiosk_id}, not "
                                           f"{self.kiosk_id}: one store is one kiosk there")
            return _Cursor(row.seq, row.chain_hash)

    def _load_acks(self, central_id: str) -> dict[tuple[str, str], str]:
        with self.st.db.read() as s:
            return {(r.tbl, r.row_id): r.digest for r in s.execute(
                select(SyncAckRow).where(SyncAckRow.central_id == central_id)).scalars()}

    def _local_head(self) -> int:
        return self.st.audit.head().seq

    def _changed_sessions(self, acks: dict[tuple[str, str], str]) -> list[str]:
        """Session ids (oldest first) with a row or evidence item not acknowledged as it is now."""
        by_session: dict[str, list[tuple[str, str]]] = {}
        with self.st.db.read() as s:
            order = list(s.execute(select(SessionRow.id).order_by(SessionRow.created_at, SessionRow.id)).scalars())
            for table, model in ROW_MODELS.items():
                for row in s.execute(select(model).execution_options(yield_per=1000)).scalars():
                    sid = row.id if table == "sessions" else row.session_id
                    if acks.get((table, row.id)) != row_digest(table, _values(table, row)):
                        by_session.setdefault(sid, []).append((table, row.id))
            if self.options.push_evidence:
                for rid, sid in self._evidence_items(s, None):
                    if (EVIDENCE, rid) not in acks:
                        by_session.setdefault(sid, []).append((EVIDENCE, rid))
        return [sid for sid in order if sid in by_session]

    def _read_batch(self, session_ids: Sequence[str], acks: dict[tuple[str, str], str],
                    report: SyncReport) -> _Batch:
        """The unacknowledged rows of these sessions, seal-checked, and their sealed evidence."""
        rows: dict[str, list[dict[str, Any]]] = {t: [] for t in ROW_MODELS}
        digests: dict[str, dict[str, str]] = {t: {} for t in ROW_MODELS}
        evidence_ids: list[tuple[str, str]] = []  # (kind of row, id)
        self.st.keys.refresh()
        keys = self.st.keys.keys
        with self.st.db.read() as s:
            for table, model in ROW_MODELS.items():
                col = model.id if table == "sessions" else model.session_id
                for row in s.execute(select(model).where(col.in_(list(session_ids))).order_by(model.id)).scalars():
                    values = _values(table, row)
                    digest = row_digest(table, values)
                    if acks.get((table, row.id)) == digest:
                        continue
                    bad = check_seal(keys, row)
                    if bad is not None:  # fail closed: a row edited behind storage's back is not pushed
                        raise IntegrityError(table, row.id, bad[0], f"not pushing: {table} row {row.id} {bad[1]}; "
                                             f"run 'kiosk audit verify'")
                    rows[table].append(values)
                    digests[table][row.id] = digest
            if self.options.push_evidence and report.evidence_skipped is None:
                evidence_ids = [(kind, rid) for kind, rid, _sid in self._evidence_items(s, session_ids, kinds=True)
                                if (EVIDENCE, rid) not in acks]
        return _Batch(rows, digests, self._seal_evidence(evidence_ids, report))

    @staticmethod
    def _evidence_items(s: Session, session_ids: Sequence[str] | None, kinds: bool = False) -> list[Any]:
        """Evidence to seal for the centre: images, templates, and the identity fields of a session
        (evidence id = session id), as ``(id, session id)`` or, with ``kinds``, ``(kind, id, session id)``."""
        out: list[Any] = []
        for kind, model, idcol, cond in (("image", ImageRow, ImageRow.id, None),
                                          ("template", TemplateRow, TemplateRow.id, None),
                                          ("identity", SessionRow, SessionRow.id, SessionRow.identity_ct.is_not(None))):
            sidcol = SessionRow.id if model is SessionRow else model.session_id
            stmt = select(idcol, sidcol)
            if cond is not None:
                stmt = stmt.where(cond)
            if session_ids is not None:
                stmt = stmt.where(sidcol.in_(list(session_ids)))
            for rid, sid in s.execute(stmt.order_by(idcol)):
                out.append((kind, rid, sid) if kinds else (rid, sid))
        return out

    def _seal_evidence(self, ids: list[tuple[str, str]], report: SyncReport) -> list[Any]:
        if not ids:
            return []
        from storage.sealed_evidence import (
            seal_identity_for_central,
            seal_image_for_central,
            seal_template_for_central,
        )
        from storage.sealing import BackofficeKeyMissingError

        sealers = {"image": seal_image_for_central, "template": seal_template_for_central,
                   "identity": seal_identity_for_central}
        out = []
        try:
            for kind, rid in ids:
                sealed = sealers[kind](self.st, rid, kiosk_id=self.kiosk_id)
                if sealed is not None:
                    out.append(sealed)
        except BackofficeKeyMissingError as exc:
            # The records still go (review needs the decision); evidence follows once a key is recorded.
            report.evidence_skipped = str(exc)
            log.warning("sync: %s", exc)
            return []
        return out

    def _append_push_event(self, central_id: str, batch: _Batch) -> int:
        details: dict[str, Any] = {"central_id": central_id,
                                   "rows": {t: d for t, d in batch.digests.items() if d}}
        if batch.evidence:
            details["evidence"] = {e.evidence_id: [e.kind, e.key_id, evidence_digest(e.blob)] for e in batch.evidence}
        return self.st.audit.record(PUSH_KIND, self.actor, details)

    def _events(self, after: int, upto: int | None, limit: int) -> list[AuditEventRow]:
        """Local events after ``after`` (up to ``upto``), their HMAC chain checked from the acknowledged one."""
        self.st.keys.refresh()
        audit_keys = self.st.keys.keys.audit_keys
        with self.st.db.read() as s:
            stmt = select(AuditEventRow).where(AuditEventRow.seq > after)
            if upto is not None:
                stmt = stmt.where(AuditEventRow.seq <= upto)
            events = list(s.execute(stmt.order_by(AuditEventRow.seq).limit(limit)).scalars())
            prev = (s.execute(select(AuditEventRow.mac).where(AuditEventRow.seq == after)).scalar_one_or_none()
                    if after > 0 else "0" * 64)
        if prev is None:
            raise AuditChainError(after, f"not pushing: acknowledged audit event {after} is missing locally")
        expected = after + 1
        for ev in events:
            key = audit_keys.get(ev.key_id)
            if ev.seq != expected or key is None or not hmac.compare_digest(ev.mac, event_mac(
                    key, prev, ev.seq, ev.at, ev.kind, ev.actor, ev.session_id, ev.details, ev.key_id)):
                raise AuditChainError(expected, f"not pushing: local audit event {expected} is missing or fails its "
                                      f"MAC; run 'kiosk audit verify'")
            prev, expected = ev.mac, expected + 1
        return events

    def _save_ack(self, central_id: str, cursor: _Cursor, batch: _Batch, push_seq: int | None) -> None:
        now = datetime.now(timezone.utc)
        with self.st.db.write() as s:
            row = s.get(SyncCursorRow, central_id)
            if row is None:
                s.add(SyncCursorRow(central_id=central_id, kiosk_id=self.kiosk_id, seq=cursor.seq,
                                    chain_hash=cursor.chain_hash, updated_at=now))
            else:
                row.seq, row.chain_hash, row.updated_at = cursor.seq, cursor.chain_hash, now
            acked = [(t, rid, d) for t, ids in batch.digests.items() for rid, d in ids.items()]
            acked += [(EVIDENCE, e.evidence_id, evidence_digest(e.blob)) for e in batch.evidence]
            _replace_acks(s, central_id, acked, push_seq or cursor.seq)

    # ------------------------------------------------------------------ central side
    def _central_head(self, conn: Connection) -> _Cursor:
        t = schema.audit_events
        row = conn.execute(select(t.c.seq, t.c.chain_hash).where(t.c.kiosk_id == self.kiosk_id)
                           .order_by(t.c.seq.desc()).limit(1)).first()
        return _Cursor(row.seq, row.chain_hash) if row is not None else _Cursor(0, GENESIS_HASH)

    def _reconcile(self, cursor: _Cursor, central: _Cursor) -> None:
        local = self._local_head()
        if central.seq > local:
            # The centre is this store's rollback anchor: it holds events the local chain no longer has.
            raise CentralConflictError(
                f"the central store holds kiosk {self.kiosk_id}'s events up to seq {central.seq}, but this store's "
                f"chain ends at seq {local}: the store was restored from an older copy (or another store syncs as "
                f"{self.kiosk_id}); nothing was pushed")
        if central.seq < cursor.seq:
            raise CentralBehindError(
                f"the central store holds kiosk {self.kiosk_id}'s events only up to seq {central.seq}, but it "
                f"acknowledged seq {cursor.seq}: the central database lost data (restored from an older backup, or "
                f"rows deleted); rows this kiosk purged after they were acknowledged cannot be sent again")

    def _push(self, central_id: str, cursor: _Cursor, batch: _Batch, report: SyncReport) -> _Cursor:
        from storage.head_signing import sign_head

        push_seq = None
        if batch.empty():
            events = self._events(cursor.seq, None, self.options.max_events)
        else:
            push_seq = self._append_push_event(central_id, batch)
            # Everything up to the push event goes in this transaction: the rows' own events precede it.
            events = self._events(cursor.seq, push_seq, push_seq - cursor.seq)
        if not events:
            return cursor
        hashes, prev = [], cursor.chain_hash
        for ev in events:
            prev = event_hash_of(prev, ev)
            hashes.append(prev)
        last = events[-1].seq
        key_id, signature = sign_head(self.st.keys.keys, self.kiosk_id, last, prev)
        with self.central.begin(f"sync batch up to seq {last}") as conn:
            self._write_central(conn, cursor, events, hashes, batch, push_seq, key_id, signature)
        new = _Cursor(last, prev)
        self._save_ack(central_id, new, batch, push_seq)
        report.batches += 1
        report.events += len([e for e in events if e.seq > report.head_seq])
        report.head_seq = last
        for t, ids in batch.digests.items():
            report.rows[t] += len(ids)
        report.evidence += len(batch.evidence)
        log.info("sync: kiosk %s batch up to seq %d committed centrally", self.kiosk_id, last)
        return new

    def _write_central(self, conn: Connection, cursor: _Cursor, events: list[AuditEventRow], hashes: list[str],
                       batch: _Batch, push_seq: int | None, key_id: str, signature: str) -> None:
        k = self.kiosk_id
        # Serialise the pushes of one kiosk (two sync processes of one store queue here).
        conn.execute(select(schema.kiosks.c.kiosk_id).where(schema.kiosks.c.kiosk_id == k).with_for_update())
        t = schema.audit_events
        head = self._central_head(conn)
        first = events[0].seq
        if head.seq < first - 1:
            raise CentralBehindError(f"the central store holds kiosk {k}'s events up to seq {head.seq} but this batch "
                                     f"starts at {first}: events {head.seq + 1}..{first - 1} are missing there")
        if first > 1:
            prev = conn.execute(select(t.c.chain_hash).where(t.c.kiosk_id == k, t.c.seq == first - 1)).scalar()
            if prev != cursor.chain_hash:
                raise CentralConflictError(f"the central copy of kiosk {k}'s chain differs at seq {first - 1} from "
                                           f"this store's: another store syncs as {k}, or this one was restored")
        mine = [dict(kiosk_id=k, seq=e.seq, at=e.at, kind=e.kind, actor=e.actor, session_id=e.session_id,
                     details=e.details, key_id=e.key_id, mac=e.mac, chain_hash=h) for e, h in zip(events, hashes)]
        conn.execute(insert(t).on_conflict_do_nothing(), mine)
        held = {r.seq: r for r in conn.execute(select(t).where(t.c.kiosk_id == k, t.c.seq >= first,
                                                                t.c.seq <= events[-1].seq))}
        for ev in mine:
            row = held.get(ev["seq"])
            if row is None or any(getattr(row, c) != v for c, v in ev.items()):
                raise CentralConflictError(f"the central store already holds kiosk {k}'s audit event seq {ev['seq']} "
                                           f"with other content: another store syncs as {k}, or this store's chain "
                                           f"forked (restored from an older copy)")
        if push_seq is not None:
            for table, values in batch.rows.items():
                if values:
                    self._upsert(conn, schema.ROW_TABLES[table], "origin_kiosk", "id",
                                 [{**v, "origin_kiosk": k, "digest": batch.digests[table][v["id"]],
                                   "announced_seq": push_seq} for v in values], table)
            if batch.evidence:
                now = datetime.now(timezone.utc)
                self._upsert(conn, schema.evidence, "kiosk_id", "evidence_id", [
                    dict(kiosk_id=k, evidence_id=e.evidence_id, session_id=e.session_id, kind=e.kind,
                         media_type=e.media_type, key_id=e.key_id, sealed=e.blob, pushed_at=now,
                         digest=evidence_digest(e.blob), announced_seq=push_seq) for e in batch.evidence], EVIDENCE)
        sh = schema.signed_heads
        conn.execute(insert(sh).on_conflict_do_nothing(), [dict(
            kiosk_id=k, seq=events[-1].seq, chain_hash=hashes[-1], key_id=key_id, signature=signature,
            pushed_at=datetime.now(timezone.utc))])
        stored = conn.execute(select(sh.c.chain_hash).where(sh.c.kiosk_id == k, sh.c.seq == events[-1].seq)).scalar()
        if stored != hashes[-1]:
            raise CentralConflictError(f"the central store holds another signed head for kiosk {k} at seq "
                                       f"{events[-1].seq}")

    def _upsert(self, conn: Connection, table: Any, kcol: str, idcol: str, values: list[dict[str, Any]],
                name: str) -> None:
        """Insert, or replace a version announced by an earlier ``central_push``; anything else conflicts."""
        stmt = insert(table)
        cols = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in (kcol, idcol)}
        conn.execute(stmt.on_conflict_do_update(index_elements=[kcol, idcol], set_=cols,
                                                where=table.c.announced_seq < stmt.excluded.announced_seq), values)
        keys = [v[idcol] for v in values]
        seq = values[0]["announced_seq"]
        want = {v[idcol]: v["digest"] for v in values}
        for rid, digest, announced in conn.execute(select(table.c[idcol], table.c.digest, table.c.announced_seq).where(
                table.c[kcol] == self.kiosk_id, table.c[idcol].in_(keys))):
            if announced != seq or digest != want[rid]:
                raise CentralConflictError(f"the central store holds {name} row {rid} of kiosk {self.kiosk_id} "
                                           f"announced by seq {announced} with other content than this push "
                                           f"(seq {seq}): another store syncs under this kiosk id")


def _replace_acks(s: Session, central_id: str, acked: Iterable[tuple[str, str, str]], seq: int) -> None:
    acked = list(acked)
    for i in range(0, len(acked), 400):  # bounded IN lists
        chunk = acked[i:i + 400]
        s.execute(delete(SyncAckRow).where(SyncAckRow.central_id == central_id, or_(*[
            and_(SyncAckRow.tbl == t, SyncAckRow.row_id == rid) for t, rid, _ in chunk])))
        s.add_all([SyncAckRow(central_id=central_id, tbl=t, row_id=rid, digest=d, seq=seq) for t, rid, d in chunk])


def sync_store(st: Storage, central_url: str, kiosk_id: str, options: SyncOptions | None = None,
               should_stop: Callable[[], bool] = lambda: False) -> SyncReport:
    """Open the central store at ``central_url`` and push ``st`` until caught up (``kiosk sync``)."""
    central = CentralStore(central_url)
    try:
        return Syncer(st, central, kiosk_id, options).run(should_stop)
    finally:
        central.dispose()

