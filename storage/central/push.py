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
from collections.abc import Callable, Iterable, Iterator
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
from storage.central.kiosks import push_lock, require_registered, untrusted_head_keys
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


@dataclass(frozen=True)
class _Planned:
    """Every row change up to local seq ``seq`` is acknowledged (with evidence, if ``evidence``)."""

    seq: int = 0
    evidence: bool = False


# Events after which any row may have changed without the event naming its session: look at every row.
_FULL_SCAN_KINDS = frozenset({"key_rotation", "rows_bound"})
# Events that name the session whose rows they wrote.
_SESSION_KINDS = frozenset({"decision", "review"})


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
        self._central_id, self._key = "", ("", "")  # set by run(): the centre and this store's (key id, public key)

    # ------------------------------------------------------------------ public
    def run(self, should_stop: Callable[[], bool] = lambda: False) -> SyncReport:
        """Push until the central store has everything (or ``should_stop()``); returns what was pushed."""
        from storage.head_signing import head_signing_public_key

        self.st.keys.refresh()
        key_id, public_key = head_signing_public_key(self.st.keys.keys)
        with self.central.begin("sync start") as conn:
            central_id = self.central.central_id(conn)
            require_registered(conn, central_id, self.kiosk_id, key_id, public_key)
            self._refuse_foreign_heads(conn, central_id)
            central_head = self._central_head(conn)
        self._central_id, self._key = central_id, (key_id, public_key)
        report = SyncReport(self.kiosk_id, central_id)
        cursor, planned = self._load_cursor(central_id)
        self._reconcile(cursor, central_head)
        report.head_seq = cursor.seq
        while not should_stop():
            # A long offline backlog of events goes first in bounded events-only batches.
            while self._local_head() - cursor.seq > self.options.max_events and not should_stop():
                cursor = self._push(central_id, cursor, _Batch({}, {}, []), report)
            pushed, complete = False, True
            snapshot, pending = self._changed_sessions(central_id, planned)
            for start in range(0, len(pending), self.options.batch_sessions):
                if should_stop():
                    complete = False
                    break
                batch = self._read_batch(central_id, pending[start:start + self.options.batch_sessions], report)
                complete = complete and report.evidence_skipped is None
                if batch.empty():  # e.g. only evidence pending and no back-office key recorded
                    continue
                cursor = self._push(central_id, cursor, batch, report)
                pushed = True
            if not pushed:
                if self._local_head() > cursor.seq and not should_stop():
                    cursor = self._push(central_id, cursor, _Batch({}, {}, []), report)
            if complete and planned != (new := _Planned(snapshot, self.options.push_evidence)):
                planned = new
                self._save_plan(central_id, planned)
            if not pushed:
                break
        return report

    # ------------------------------------------------------------------ local state
    def _load_cursor(self, central_id: str) -> tuple[_Cursor, _Planned]:
        with self.st.db.read() as s:
            row = s.get(SyncCursorRow, central_id)
            if row is None:
                return _Cursor(0, GENESIS_HASH), _Planned()
            if row.kiosk_id != self.kiosk_id:
                raise CentralConflictError(f"this store syncs to the central store as kiosk {row.kiosk_id}, not "
                                           f"{self.kiosk_id}: one store is one kiosk there")
            return _Cursor(row.seq, row.chain_hash), _Planned(row.planned_seq, row.planned_evidence)

    def _save_plan(self, central_id: str, planned: _Planned) -> None:
        with self.st.db.write() as s:
            row = s.get(SyncCursorRow, central_id)
            if row is not None:  # nothing pushed yet: the next sync looks at every row again anyway
                row.planned_seq, row.planned_evidence = planned.seq, planned.evidence

    def _local_head(self) -> int:
        return self.st.audit.head().seq

    def _changed_sessions(self, central_id: str, planned: _Planned) -> tuple[int, list[str]]:
        """The local head and the session ids (oldest first) with a row or evidence item not acknowledged as
        it is now. Only sessions that events after ``planned.seq`` name are looked at, unless such an event
        may have changed rows it does not name (key rotation, binding), evidence is newly asked for, or
        nothing was planned yet: then every row is."""
        with self.st.db.read() as s:
            head = s.execute(select(AuditEventRow.seq).order_by(AuditEventRow.seq.desc()).limit(1)).scalar() or 0
            scope: list[str] | None = None
            if planned.seq > 0 and (planned.evidence or not self.options.push_evidence):
                named = s.execute(select(AuditEventRow.kind, AuditEventRow.session_id).where(
                    AuditEventRow.seq > planned.seq, AuditEventRow.seq <= head)).all()
                if not any(kind in _FULL_SCAN_KINDS for kind, _ in named):
                    scope = sorted({sid for kind, sid in named if kind in _SESSION_KINDS and sid is not None})
            changed = {row.id if table == "sessions" else row.session_id
                       for table, row, _v, _d in self._unacked_rows(s, central_id, scope)}
            changed |= {sid for _k, _id, sid in self._unacked_evidence(s, central_id, scope)}
            created: dict[str, datetime] = {}
            for chunk in _chunks(sorted(changed)):
                assert chunk is not None
                created.update(s.execute(select(SessionRow.id, SessionRow.created_at)
                                         .where(SessionRow.id.in_(chunk))).all())
        return head, sorted(created, key=lambda sid: (created[sid], sid))

    def _read_batch(self, central_id: str, session_ids: list[str], report: SyncReport) -> _Batch:
        """The unacknowledged rows of these sessions, seal-checked, and their sealed evidence."""
        rows: dict[str, list[dict[str, Any]]] = {t: [] for t in ROW_MODELS}
        digests: dict[str, dict[str, str]] = {t: {} for t in ROW_MODELS}
        evidence_ids: list[tuple[str, str]] = []  # (kind of row, id)
        self.st.keys.refresh()
        keys = self.st.keys.keys
        with self.st.db.read() as s:
            for table, row, values, digest in self._unacked_rows(s, central_id, session_ids):
                bad = check_seal(keys, row)
                if bad is not None:  # fail closed: a row edited behind storage's back is not pushed
                    raise IntegrityError(table, row.id, bad[0], f"not pushing: {table} row {row.id} {bad[1]}; "
                                         f"run 'kiosk audit verify'")
                rows[table].append(values)
                digests[table][row.id] = digest
            if self.options.push_evidence and report.evidence_skipped is None:
                evidence_ids = [(kind, rid) for kind, rid, _sid in self._unacked_evidence(s, central_id, session_ids)]
        return _Batch(rows, digests, self._seal_evidence(evidence_ids, report))

    @staticmethod
    def _unacked_rows(s: Session, central_id: str,
                      session_ids: list[str] | None) -> Iterator[tuple[str, Any, dict[str, Any], str]]:
        """``(table, row, column values, digest)`` of every row (of ``session_ids``, or all) whose
        acknowledged digest is missing or differs."""
        for table, model in ROW_MODELS.items():
            col = model.id if table == "sessions" else model.session_id
            for chunk in _chunks(session_ids):
                stmt = select(model, SyncAckRow.digest).outerjoin(SyncAckRow, and_(
                    SyncAckRow.central_id == central_id, SyncAckRow.tbl == table, SyncAckRow.row_id == model.id))
                if chunk is not None:
                    stmt = stmt.where(col.in_(chunk))
                for row, acked in s.execute(stmt.order_by(model.id).execution_options(yield_per=1000)):
                    values = _values(table, row)
                    digest = row_digest(table, values)
                    if acked != digest:
                        yield table, row, values, digest

    def _unacked_evidence(self, s: Session, central_id: str,
                          session_ids: list[str] | None) -> list[tuple[str, str, str]]:
        """``(kind, id, session id)`` of evidence not pushed yet (none unless ``push_evidence``): images,
        templates, and the identity fields of a session (evidence id = session id)."""
        if not self.options.push_evidence:
            return []
        out: list[tuple[str, str, str]] = []
        for kind, idcol, sidcol, cond in (("image", ImageRow.id, ImageRow.session_id, None),
                                          ("template", TemplateRow.id, TemplateRow.session_id, None),
                                          ("identity", SessionRow.id, SessionRow.id, SessionRow.identity_ct.is_not(None))):
            acked = select(SyncAckRow.row_id).where(SyncAckRow.central_id == central_id, SyncAckRow.tbl == EVIDENCE,
                                                    SyncAckRow.row_id == idcol).exists()
            for chunk in _chunks(session_ids):
                stmt = select(idcol, sidcol).where(~acked)
                if cond is not None:
                    stmt = stmt.where(cond)
                if chunk is not None:
                    stmt = stmt.where(sidcol.in_(chunk))
                out += [(kind, rid, sid) for rid, sid in s.execute(stmt.order_by(idcol))]
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

    def _refuse_foreign_heads(self, conn: Connection, central_id: str) -> None:
        foreign = untrusted_head_keys(conn, central_id, self.kiosk_id)
        if foreign:
            raise CentralConflictError(
                f"the central store holds events of kiosk {self.kiosk_id} signed with key {', '.join(foreign)}, which "
                f"the back office never registered for this kiosk: another party pushed as {self.kiosk_id}. Nothing "
                f"was pushed; the back office finds them with 'kiosk audit verify --central URL --kiosk "
                f"{self.kiosk_id}'")

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
        # Serialise the pushes of one kiosk (two sync processes of one store queue here, and a revocation of
        # its key), then look again: the key may have been revoked since the sync started.
        push_lock(conn, k)
        require_registered(conn, self._central_id, k, *self._key)
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


def _chunks(ids: list[str] | None, size: int = 400) -> list[list[str] | None]:
    """``ids`` in bounded IN lists; ``[None]`` (one unrestricted query) when ``ids`` is ``None``."""
    if ids is None:
        return [None]
    return [ids[i:i + size] for i in range(0, len(ids), size)]


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

