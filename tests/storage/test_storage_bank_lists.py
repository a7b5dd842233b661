"""Face-bank lists in the store (storage.bank_lists, migration 0008): entries filed by (owner, list), a generation
raised by every change (enrolment, erasure, retention purge), and the migration that fills the entries of a store
from before it out of the sessions' sealed checks."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from storage import BankMembership, DecisionInput, FixedClock, SessionRecord, StorageConfig, TemplateEvidence, open_storage
from storage.errors import StorageInputError
from storage.tables import BankEntryRow, BankListRow

from storage_helpers import downgrade_store  # noqa: E402


def _vec(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(128).astype(np.float32)
    return v / np.linalg.norm(v)


def _rec(clock: FixedClock, list_name: str, owner: str | None, fb: dict[str, Any], seed: int,
         bank: bool = True) -> SessionRecord:
    now = clock.now()
    return SessionRecord(
        kiosk_id=f"facebank:{list_name}", mode="facebank", started_at=now, ended_at=now,
        decision=DecisionInput("accept", (), "facebank-1"), issuing_state="FACEBANK",
        document_number=uuid.uuid4().hex, checks={"facebank": {"list": list_name, **fb}},
        templates=[TemplateEvidence("live", _vec(seed))], counts_as_failure=False,
        bank=BankMembership(owner, list_name) if bank and owner is not None else None)


def test_enrolment_files_the_entry_and_raises_the_generation(store, clock) -> None:  # type: ignore[no-untyped-def]
    assert store.banks.generation("api:k1", "vip") == 0 and not store.banks.exists("api:k1", "vip")
    one = store.decisions.record_session(_rec(clock, "vip", "api:k1", {"owner": "api:k1"}, 1))
    assert one.bank_generation == 1
    clock.advance(seconds=1)  # enrolled later: listed after it (same times would list by random id)
    many = store.decisions.record_sessions([_rec(clock, "vip", "api:k1", {"owner": "api:k1"}, s) for s in (2, 3)]
                                           + [_rec(clock, "vip", "api:k2", {"owner": "api:k2"}, 4)])
    assert [r.bank_generation for r in many] == [2, 3, 1]  # each enrolment names the step it made
    assert store.banks.generation("api:k1", "vip") == 3 and store.banks.generation("api:k2", "vip") == 1
    total, ids = store.banks.page("api:k1", "vip", 0, 10)
    assert total == 3 and ids[0] == one.session_id and many[2].session_id not in ids
    load = store.banks.load("api:k1", "vip")
    assert load.generation == 3 and set(load.present) == set(ids) and set(load.vectors) == set(ids)
    assert np.allclose(load.vectors[one.session_id][0], _vec(1))
    again = store.banks.load("api:k1", "vip", frozenset(ids[:2]))  # only what the caller does not hold
    assert set(again.vectors) == {ids[2]} and set(again.present) == set(ids)
    with store.db.read() as s:
        assert {r.session_id: r.generation for r in s.execute(select(BankEntryRow)).scalars()} == {
            one.session_id: 1, many[0].session_id: 2, many[1].session_id: 3, many[2].session_id: 1}
    newer = store.banks.newer("api:k1", "vip", 1)  # only enrolments since generation 1: just those entries
    assert newer is not None and newer.present is None and set(newer.vectors) == {many[0].session_id, many[1].session_id}
    store.retention.erase_session(many[0].session_id, "test", "withdrawn")
    assert store.banks.newer("api:k1", "vip", 3) is None  # a withdrawal since: the ids must be compared
    after = store.banks.load("api:k1", "vip", frozenset(ids))
    assert after.generation == 4 and set(after.present) == set(ids) - {many[0].session_id} and not after.vectors


def test_erasure_and_template_purge_raise_the_generation(tmp_path: Path, clock, test_config) -> None:  # type: ignore[no-untyped-def]
    cfg = test_config.model_copy(update={"retention": test_config.retention.model_copy(update={"templates_days": 1})})
    st = open_storage(tmp_path / "data", cfg, clock=clock)
    try:
        a, b = st.decisions.record_sessions([_rec(clock, "vip", "site", {"owner": "site"}, s) for s in (1, 2)])
        st.retention.erase_session(a.session_id, "test", "withdrawn")
        assert st.banks.generation("site", "vip") == 3 and st.banks.load("site", "vip").present == (b.session_id,)
        clock.advance(days=2)
        st.retention.purge("test")  # b's template is past retention: the list loses it
        assert st.banks.generation("site", "vip") == 4
        assert st.banks.load("site", "vip").present == () and st.banks.exists("site", "vip")
    finally:
        st.close()


def test_a_bank_membership_is_checked(store, clock) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StorageInputError, match="list name of 1-40"):
        store.decisions.record_session(_rec(clock, "vip", "x" * 65, {}, 1))
    assert store.banks.generation("x" * 65, "vip") == 0


def test_migration_0008_files_existing_entries_from_their_sealed_checks(tmp_path: Path, clock: FixedClock,
                                                                        test_config: StorageConfig) -> None:
    data = tmp_path / "data"
    st = open_storage(data, test_config, clock=clock)
    try:
        recs = [_rec(clock, "vip", "api:k1", {"owner": "api:k1"}, 1),
                _rec(clock, "vip", None, {"actor": "api:k2"}, 2, bank=False),  # from before owners were recorded
                _rec(clock, "vip", None, {"actor": "cli:ann"}, 3, bank=False),  # kiosk facebank add: the site's
                _rec(clock, "staff", "site", {"owner": "site"}, 4)]
        ids = [r.session_id for r in st.decisions.record_sessions(recs)]
    finally:
        st.close()
    downgrade_store(data, test_config, "0007")  # what the code before this change left behind
    st = open_storage(data, test_config, clock=clock)  # upgrades to the newest revision
    try:
        with st.db.read() as s:
            filed = {r.session_id: (r.owner, r.list_name, r.generation)
                     for r in s.execute(select(BankEntryRow)).scalars()}
            lists = {(r.owner, r.list_name): r.generation for r in s.execute(select(BankListRow)).scalars()}
        assert filed == {ids[0]: ("api:k1", "vip", 1), ids[1]: ("api:k2", "vip", 1), ids[2]: ("site", "vip", 1),
                         ids[3]: ("site", "staff", 1)}
        assert lists == {("api:k1", "vip"): 1, ("api:k2", "vip"): 1, ("site", "vip"): 1, ("site", "staff"): 1}
        assert st.banks.load("site", "vip").present == (ids[2],)
        assert st.verify().ok  # nothing bound changed: the chain and the seals still verify
    finally:
        st.close()
