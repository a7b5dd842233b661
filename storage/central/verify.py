"""``kiosk audit verify --central URL [--kiosk ID]``: every kiosk's pushed history checked at the centre,
without any kiosk's audit key.

Per kiosk, in this order (the first problem is reported, naming the event seq or table and row id):
0. keys: every key row of the kiosk carries a registration record signed by the back office's pinned
   signing key (``storage.central.key_records``), its key id is its fingerprint, and every revocation of
   one of its keys is signed too (a row written without that key is named: ``table fleet_kiosk_keys``);
1. events: seqs 1..N without a gap, each one's public chain hash recomputed from its content and the
   previous hash (``storage.central.chain``) and equal to the stored one;
2. signed heads: at each, the recomputed chain hash equals the signed one and the Ed25519 signature
   verifies under a key the back office registered for the kiosk, and, if that key was revoked, the head
   is at or before the last one the signed revocation covers (``storage.head_signing``); the last event
   is the last signed head (events after it were inserted, a head after it means events were deleted);
3. rows: every central session, decision, review and image row, and every sealed evidence item, has
   the digest that the latest *landed* ``central_push`` event announced for it (landed: that push's
   batch committed, i.e. a signed head sits at that event), the kiosk's own ``decision``, ``review`` (or,
   for rows from before row seals, ``rows_bound``) event names it, and every row a landed push announced
   is present.
Then the centre's own chain (``storage.central.central_audit``): its events, every central review row
against its event, the review state the queue reads against those reviews, and every recorded revocation
against its row (all both ways).

What this proves and what not is in the README ("Fleet"). In short: without the kiosk's signing key
nobody can change, add, reorder or remove an event, row or evidence item inside the signed history
unnoticed; removing a kiosk's *newest* batches together with their signed heads looks like a kiosk
that has not synced them yet, and is caught by that kiosk's next sync instead (``CentralBehindError``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from storage.audit import AuditKind
from storage.central import schema
from storage.central.central_audit import CentralAuditCheck, verify_central_audit
from storage.central.chain import GENESIS_HASH, PUSH_KIND, event_hash_of, evidence_digest, row_digest
from storage.backoffice_signing import signing_key_id
from storage.central.key_records import KioskKey, kiosk_keys, pinned_signing_key
from storage.central.kiosks import registered_kiosks
from storage.central.store import CentralStore
from storage.central.errors import CentralConflictError, KioskNotRegisteredError

EVIDENCE_TABLE = "evidence"


@dataclass(frozen=True)
class KioskCheck:
    """The outcome for one kiosk: counts, and the first bad event or row if any."""

    kiosk_id: str
    ok: bool
    events: int = 0
    heads: int = 0
    rows: int = 0
    problem: str | None = None
    seq: int | None = None
    table: str | None = None
    row_id: str | None = None

    def where(self) -> str:
        """The first bad item in words: ``seq N`` or ``table T, id X``."""
        if self.table is not None:
            return f"table {self.table}, id {self.row_id}"
        return f"seq {self.seq}" if self.seq is not None else "kiosk registration"


@dataclass(frozen=True)
class CentralVerification:
    """All kiosks checked, and the centre's own audit chain."""

    kiosks: list[KioskCheck]
    central_audit: CentralAuditCheck

    @property
    def ok(self) -> bool:
        """Whether every kiosk and the central chain are intact."""
        return self.central_audit.ok and all(k.ok for k in self.kiosks)


class _Bad(Exception):
    def __init__(self, problem: str, seq: int | None = None, table: str | None = None,
                 row_id: str | None = None) -> None:
        super().__init__(problem)
        self.problem, self.seq, self.table, self.row_id = problem, seq, table, row_id


@dataclass
class _Walk:
    events: int = 0
    heads: int = 0
    announced: dict[tuple[str, str], tuple[str, int]] | None = None  # (table, id) -> (digest, push seq)
    kiosk_named: dict[str, set[str]] | None = None  # table -> ids the kiosk's decision/review events name


def _check_keys(k: str, keys: dict[str, KioskKey]) -> None:
    """Every key row of the kiosk must carry the back office's signed registration, and every revocation
    of one of its keys the back office's signature: anything else was written without its authority."""
    for key in keys.values():
        if key.problem is not None:
            raise _Bad(f"kiosk {k}'s key {key.key_id} was not registered by the back office ({key.problem}): "
                       f"written at the centre without the back-office signing key", table="fleet_kiosk_keys",
                       row_id=key.key_id)
        if key.revocation_problem is not None:
            raise _Bad(f"the revocation of kiosk {k}'s key {key.key_id} is not the back office's "
                       f"({key.revocation_problem})", table="fleet_key_revocations", row_id=key.key_id)


def _check_head(k: str, head: Any, recomputed: str, keys: dict[str, KioskKey]) -> None:
    from storage.head_signing import verify_head

    key = keys.get(head.key_id)
    if key is None:
        raise _Bad(f"kiosk {k}'s signed head at seq {head.seq} names key {head.key_id!r}, which the back office never "
                   f"registered for it", seq=head.seq)
    if key.revoked_at is not None and head.seq > (key.heads_upto if key.heads_upto is not None else -1):
        raise _Bad(f"kiosk {k}'s signed head at seq {head.seq} was pushed after its key {head.key_id} was revoked "
                   f"(the revocation covers heads up to seq {key.heads_upto})", seq=head.seq)
    if head.chain_hash != recomputed or not verify_head(key.public_key, k, head.seq, head.chain_hash,
                                                        head.signature):
        raise _Bad(f"kiosk {k}'s signed head at seq {head.seq} does not match the events: an event after the "
                   f"previous signed head and up to seq {head.seq} was edited, inserted or deleted together with "
                   f"the stored chain hashes, or the head itself was altered", seq=head.seq)


def _fold(walk: _Walk, ev: Any, landed: bool) -> None:
    """Collect what a (chain-checked) event announces."""
    assert walk.announced is not None and walk.kiosk_named is not None
    if ev.kind == PUSH_KIND and landed:
        d = json.loads(ev.details)
        for table, ids in (d.get("rows") or {}).items():
            for rid, digest in ids.items():
                walk.announced[(table, rid)] = (digest, ev.seq)
        for eid, info in (d.get("evidence") or {}).items():
            walk.announced[(EVIDENCE_TABLE, eid)] = (info[2], ev.seq)
    elif ev.kind == AuditKind.DECISION:
        d = json.loads(ev.details)
        if ev.session_id:
            walk.kiosk_named["sessions"].add(ev.session_id)
        walk.kiosk_named["decisions"].add(d.get("decision_id"))
        walk.kiosk_named["images"].update(d.get("image_ids") or [])
        walk.kiosk_named[EVIDENCE_TABLE].update((d.get("image_ids") or []) + (d.get("template_ids") or []) +
                                                ([ev.session_id] if ev.session_id else []))  # identity: session id
    elif ev.kind == AuditKind.REVIEW:
        walk.kiosk_named["reviews"].add(json.loads(ev.details).get("review_id"))
    elif ev.kind == AuditKind.ROWS_BOUND:  # rows from before row seals, named once when they were bound
        bound = json.loads(ev.details).get("bound") or {}
        for table in schema.ROW_TABLES:
            walk.kiosk_named[table].update(bound.get(table) or {})
        walk.kiosk_named[EVIDENCE_TABLE].update((bound.get("images") or {}) | (bound.get("templates") or {}) |
                                                (bound.get("sessions") or {}))


def _walk_events(conn: Connection, k: str, keys: dict[str, KioskKey]) -> _Walk:
    sh = schema.signed_heads
    heads = {h.seq: h for h in conn.execute(select(sh).where(sh.c.kiosk_id == k))}
    walk = _Walk(announced={}, kiosk_named={t: set() for t in (*schema.ROW_TABLES, EVIDENCE_TABLE)})
    t = schema.audit_events
    prev, expected = GENESIS_HASH, 1
    for ev in conn.execute(select(t).where(t.c.kiosk_id == k).order_by(t.c.seq).execution_options(yield_per=1000)):
        if ev.seq != expected:
            raise _Bad(f"kiosk {k}'s audit event {expected} is missing at the centre (deleted); the next is seq "
                       f"{ev.seq}", seq=expected)
        recomputed = event_hash_of(prev, ev)
        if recomputed != ev.chain_hash:
            raise _Bad(f"kiosk {k}'s audit event {ev.seq} was edited at the centre (its content does not match its "
                       f"chain hash)", seq=ev.seq)
        head = heads.get(ev.seq)
        if head is not None:
            _check_head(k, head, recomputed, keys)
            walk.heads += 1
        _fold(walk, ev, landed=head is not None)
        prev, expected = recomputed, expected + 1
    walk.events = expected - 1
    last_head = max(heads, default=0)
    if last_head > walk.events:
        raise _Bad(f"kiosk {k}'s signed head at seq {last_head} is beyond its last event {walk.events}: events "
                   f"{walk.events + 1}..{last_head} were deleted at the centre", seq=walk.events + 1)
    if walk.events > last_head:
        raise _Bad(f"kiosk {k}'s audit events {last_head + 1}..{walk.events} are covered by no signed head "
                   f"(inserted at the centre)", seq=last_head + 1)
    return walk


def _check_rows(conn: Connection, k: str, walk: _Walk) -> int:
    assert walk.announced is not None and walk.kiosk_named is not None
    checked = 0
    sources: list[tuple[str, Any, str, str]] = [(name, tbl, "origin_kiosk", "id")
                                                for name, tbl in schema.ROW_TABLES.items()]
    sources.append((EVIDENCE_TABLE, schema.evidence, "kiosk_id", "evidence_id"))
    for name, tbl, kcol, idcol in sources:
        expected = {rid: v for (t, rid), v in walk.announced.items() if t == name}
        for row in conn.execute(select(tbl).where(tbl.c[kcol] == k).order_by(tbl.c[idcol])
                                .execution_options(yield_per=500)):
            checked += 1
            rid = row._mapping[idcol]
            if name == EVIDENCE_TABLE:
                digest = evidence_digest(row.sealed)
            else:
                digest = row_digest(name, {c: row._mapping[c] for c in schema.LOCAL_COLUMNS[name]})
            ann = expected.pop(rid, None)
            if ann is None:
                raise _Bad(f"{name} row {rid} of kiosk {k} was announced by no landed central_push event of that "
                           f"kiosk (inserted at the centre)", table=name, row_id=rid)
            if digest != ann[0]:
                raise _Bad(f"{name} row {rid} of kiosk {k} was edited at the centre (its content differs from what "
                           f"push event {ann[1]} announced)", table=name, row_id=rid)
            if rid not in walk.kiosk_named[name]:
                raise _Bad(f"{name} row {rid} of kiosk {k} is named by none of the kiosk's decision or review "
                           f"events", table=name, row_id=rid)
        if expected:
            rid, (_, seq) = min(expected.items(), key=lambda kv: (kv[1][1], kv[0]))
            raise _Bad(f"{name} row {rid} of kiosk {k} is missing at the centre but push event {seq} announced "
                       f"it (deleted there)", table=name, row_id=rid)
    return checked


def verify_kiosk(conn: Connection, kiosk_id: str, central_id: str) -> KioskCheck:
    """Check one kiosk's keys, events, signed heads and rows inside the caller's (repeatable-read) transaction."""
    keys = kiosk_keys(conn, kiosk_id, central_id)
    if not keys:
        return KioskCheck(kiosk_id, False, problem=f"kiosk {kiosk_id} is not registered at the central store")
    walk = _Walk()
    try:
        _check_keys(kiosk_id, keys)
        walk = _walk_events(conn, kiosk_id, keys)
        rows = _check_rows(conn, kiosk_id, walk)
    except _Bad as bad:
        return KioskCheck(kiosk_id, False, walk.events, walk.heads, 0, bad.problem, bad.seq, bad.table, bad.row_id)
    return KioskCheck(kiosk_id, True, walk.events, walk.heads, rows)


def pushing_kiosks(conn: Connection) -> list[str]:
    """Every kiosk that is registered or has anything pushed, sorted."""
    seen = set(registered_kiosks(conn))
    seen.update(conn.execute(select(schema.kiosk_keys.c.kiosk_id).distinct()).scalars())
    seen.update(conn.execute(select(schema.audit_events.c.kiosk_id).distinct()).scalars())
    for tbl in schema.ROW_TABLES.values():
        seen.update(conn.execute(select(tbl.c.origin_kiosk).distinct()).scalars())
    return sorted(seen)


def verify_central(central: CentralStore, kiosk_id: str | None = None,
                   expected_signing_key: str | None = None) -> CentralVerification:
    """Verify one kiosk (``kiosk_id``) or all of them, plus the central audit chain, in one snapshot.

    ``expected_signing_key``: the back office's signing public key (base64) from outside the database; when
    given, a store that pins another one is refused (``CentralConflictError``): every trust decision in it
    would be someone else's.
    """
    with central.begin("central verification", snapshot=True) as conn:
        central_id = central.central_id(conn)
        pinned = pinned_signing_key(conn)
        if expected_signing_key is not None and pinned != expected_signing_key:
            raise CentralConflictError(
                "the central store trusts " + (f"back-office signing key {signing_key_id(pinned)}" if pinned else
                                               "no back-office signing key") +
                f", not the given {signing_key_id(expected_signing_key)}: its kiosk key registrations are not the "
                f"back office's; nothing verified")
        ids = [kiosk_id] if kiosk_id is not None else pushing_kiosks(conn)
        if kiosk_id is not None and kiosk_id not in pushing_kiosks(conn):
            raise KioskNotRegisteredError(f"the central store knows no kiosk {kiosk_id!r}")
        return CentralVerification([verify_kiosk(conn, k, central_id) for k in ids], verify_central_audit(conn))
