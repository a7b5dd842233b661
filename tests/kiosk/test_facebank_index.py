"""The face bank's in-memory 1:N index (kiosk.facebank_index) on a real store, without the face model (vectors are
given directly): a list is decrypted once, searched by one matrix product, kept current in place by this process's
enrolments and withdrawals, reloaded by difference when another process changes it, and never shows one key's
identities to another.

Bounded: a few hundred identities; nothing here depends on speed (it counts decryptions and SQL statements)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import event, update

from storage import DecisionInput, SessionRecord, Storage, StorageConfig, TemplateEvidence, open_storage
from storage.crypto import FieldCipher
from storage.tables import BankEntryRow

from kiosk.facebank import FaceBank, ListNotFoundError, key_owner
from kiosk.facebank_index import BankIndex


def _vec(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(128).astype(np.float32)
    return v / np.linalg.norm(v)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def st(data: Path) -> Iterator[Storage]:
    s = open_storage(data, StorageConfig())
    yield s
    s.close()


@pytest.fixture
def decrypts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many ciphertexts were decrypted (every store handle of the test)."""
    count = [0]
    real = FieldCipher.decrypt

    def counting(self, key_id, sealed, associated):  # type: ignore[no-untyped-def]
        count[0] += 1
        return real(self, key_id, sealed, associated)

    monkeypatch.setattr(FieldCipher, "decrypt", counting)
    return count


def _statements(st: Storage) -> list[str]:
    """Every SQL statement the store's reader runs from now on."""
    seen: list[str] = []
    event.listen(st.db.read_engine, "before_cursor_execute", lambda *a: seen.append(str(a[2])))
    return seen


def _fill(bank: FaceBank, list_name: str, seeds: range) -> list[str]:
    return [bank.enrol(list_name, [_vec(s)], "test") for s in seeds]


def _kiosk_session(st: Storage, seed: int) -> None:
    """A kiosk verification with a template: in the store's duplicate search, in no face-bank list."""
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc)
    st.decisions.record_session(SessionRecord(
        kiosk_id="kiosk-1", mode="unattended", started_at=now, ended_at=now,
        decision=DecisionInput("accept", (), "p-1"), issuing_state="D", document_number=uuid.uuid4().hex,
        templates=[TemplateEvidence("live", _vec(seed))]))


def test_a_list_is_decrypted_once_and_searched_without_reading_templates_again(st: Storage, decrypts: list[int]
                                                                                ) -> None:
    mine = _fill(FaceBank(st, key_owner("a")), "vip", range(0, 60))
    _fill(FaceBank(st, key_owner("b")), "vip", range(100, 140))  # another key's list of the same name
    _kiosk_session(st, 500)
    bank = FaceBank(st, key_owner("a"))
    decrypts[0] = 0
    hits = bank.search("vip", _vec(7), 3)
    assert hits[0].identity_id == mine[7] and hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert decrypts[0] == 60  # this list's templates only: not the other key's, not the kiosk's sessions
    seen = _statements(st)
    for s in range(10):
        assert bank.search("vip", _vec(s), 1)[0].identity_id == mine[s]
    assert decrypts[0] == 60  # nothing decrypted again
    assert not [q for q in seen if "templates" in q]  # the generation and the hits' owners only


def test_enrolment_and_withdrawal_update_the_index_in_place(st: Storage, decrypts: list[int]) -> None:
    bank = FaceBank(st, key_owner("a"))
    ids = _fill(bank, "vip", range(0, 20))
    bank.search("vip", _vec(0), 1)  # loaded
    decrypts[0] = 0
    new = bank.enrol("vip", [_vec(99)], "test")
    assert bank.search("vip", _vec(99), 1)[0].identity_id == new
    bank.remove(ids[3], "test")
    assert all(h.identity_id != ids[3] for h in bank.search("vip", _vec(3), 20))
    assert decrypts[0] == 0 and bank.index.size(key_owner("a"), "vip") == 20  # no reload: applied in place


def test_another_process_changes_are_seen_by_difference(data: Path, st: Storage, decrypts: list[int]) -> None:
    bank = FaceBank(st, key_owner("a"))
    ids = _fill(bank, "vip", range(0, 30))
    bank.search("vip", _vec(0), 1)
    other = open_storage(data, StorageConfig())  # a second handle: what another process sees and does
    try:
        theirs = FaceBank(other, key_owner("a"))
        decrypts[0] = 0
        new = theirs.enrol("vip", [_vec(77)], "test")
        enrol_decrypts = decrypts[0]  # the other process's own duplicate search loaded its index
        assert bank.search("vip", _vec(77), 1)[0].identity_id == new
        assert decrypts[0] - enrol_decrypts == 1  # only the new identity was read
        seen = _statements(st)
        theirs.enrol("vip", [_vec(78)], "test")
        bank.search("vip", _vec(78), 1)
        assert not [q for q in seen if "ORDER BY bank_entries.enrolled_at" in q]  # enrolments only: no id list read
        theirs.remove(ids[5], "test")
        assert all(h.identity_id != ids[5] for h in bank.search("vip", _vec(5), 40))
        assert bank.index.size(key_owner("a"), "vip") == 31  # 30 + 2 enrolled - 1 withdrawn
    finally:
        other.close()


def test_a_key_cannot_find_another_keys_identities_through_the_index(st: Storage) -> None:
    shared = BankIndex()  # as in the API: one index for every key
    alice = FaceBank(st, key_owner("alice"), index=shared)
    bob = FaceBank(st, key_owner("bob"), index=shared)
    hers = _fill(alice, "vip", range(0, 10))
    _fill(bob, "vip", range(50, 55))
    for s in range(10):  # her exact faces, in his list of the same name
        assert all(h.identity_id not in hers for h in bob.search("vip", _vec(s), 10))
    assert bob.enrol("vip", [_vec(3)], "test") not in hers  # no duplicate across owners
    with pytest.raises(ListNotFoundError):
        FaceBank(st, key_owner("mallory"), index=shared).search("vip", _vec(3), 5, must_exist=True)
    # Someone with write access to the database files her identities under his list: the index follows the
    # (derived) list table, but a hit is shown only when the session's sealed checks name the caller.
    with st.db.write() as s:
        s.execute(update(BankEntryRow).where(BankEntryRow.session_id.in_(hers)).values(owner=key_owner("bob")))
        from storage.bank_generation import bump
        bump(s, key_owner("bob"), "vip")
    assert all(h.identity_id not in hers for h in bob.search("vip", _vec(3), 30))
    _, page = bob.page("vip", 0, 100)
    assert not set(page) & set(hers) and not bob.members("vip") & set(hers)
    assert not any(bob.owns(i) for i in hers)


def test_loading_one_list_never_holds_up_searches_of_another(st: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    """A list being loaded (seconds at 100,000 identities) holds its own lock only: a search of another list,
    already loaded, answers meanwhile. (Blocked on an event, not timed: the join's timeout only ends a deadlock.)"""
    import threading

    vip = FaceBank(st, key_owner("a"))
    staff = FaceBank(st, key_owner("a"), index=vip.index)
    _fill(vip, "vip", range(0, 5))
    mine = _fill(staff, "staff", range(10, 15))
    assert staff.search("staff", _vec(11), 1)[0].identity_id == mine[1]  # loaded
    vip.index.clear()
    staff.search("staff", _vec(11), 1)  # staff loaded again; vip not
    loading, release = threading.Event(), threading.Event()
    real = type(st.banks).load

    def slow_load(self, owner, list_name, known):  # type: ignore[no-untyped-def]
        if list_name == "vip":
            loading.set()
            release.wait(30)
        return real(self, owner, list_name, known)

    monkeypatch.setattr(type(st.banks), "load", slow_load)
    loader = threading.Thread(target=lambda: vip.search("vip", _vec(1), 1), daemon=True)
    loader.start()
    assert loading.wait(30)
    answer: list[object] = []
    other = threading.Thread(target=lambda: answer.append(staff.search("staff", _vec(12), 1)), daemon=True)
    other.start()
    other.join(30)
    try:
        assert answer and answer[0][0].identity_id == mine[2], "the other list's search waited for the load"
    finally:
        release.set()
        loader.join(30)
