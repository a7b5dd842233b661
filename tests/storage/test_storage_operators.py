"""Operator accounts bound to the audit chain (issue 20, item 4 ``operators``; item 5 lockout): every
account row is sealed under the audit key and announced by an audited event, so a role, password hash or
lock edited in the database is refused at login (naming tampering) and named by ``kiosk audit verify``;
and the lockout counts every attempt, also in parallel."""
from __future__ import annotations

import io
import sqlite3
import threading
import time

import pytest

from storage import open_storage
from storage.errors import AccountLockedError, AccountTamperedError, AuthenticationFailed
from storage_helpers import downgrade_store, events_before_head_auth, write_legacy_chain

from kiosk.cli import main

PASSWORD = "correct horse battery"


def _sql(store, statement: str, *args) -> None:
    con = sqlite3.connect(store.data_dir / "kiosk.db")
    con.execute(statement, args)
    con.commit()
    con.close()


def _verify_cli(store, capsys) -> tuple[int, str]:
    code = main(["audit", "verify", "--data-dir", str(store.data_dir)])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def accounts(store):
    for name, role in (("olga", "operator"), ("sam", "supervisor"), ("ada", "admin")):
        store.operators.add(name, role, PASSWORD, "cli:test")
    return store


def test_twelve_parallel_wrong_passwords_get_no_more_checks_than_the_limit(accounts, monkeypatch) -> None:
    """Probe 4: 12 parallel logins got 10 password checks past a 5-attempt lock."""
    import storage.accounts as mod

    real, checks, outcomes, mutex, gate = mod.verify_password, [], [], threading.Lock(), threading.Event()

    def held_check(password: str, stored: str) -> bool:
        with mutex:
            checks.append(stored)
        gate.wait(timeout=60)  # every admitted check waits here, so all 12 attempts overlap
        return real(password, stored)

    monkeypatch.setattr(mod, "verify_password", held_check)

    def attempt() -> None:
        try:
            accounts.operators.authenticate("olga", "wrong password!!")
        except AuthenticationFailed as exc:
            with mutex:
                outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60  # a safety net only: the loop ends as soon as every attempt is placed
    while time.monotonic() < deadline:
        with mutex:
            if len(checks) + len(outcomes) >= 12:
                break
        time.sleep(0.01)
    gate.set()
    for t in threads:
        t.join(timeout=60)
    assert len(checks) == 5, f"{len(checks)} password checks for a limit of 5"
    assert len(outcomes) == 12 and outcomes.count("AuthenticationFailed") == 4
    assert outcomes.count("AccountLockedError") == 8  # 7 refused unchecked, 1 was the fifth failure
    assert accounts.operators.get("olga").locked_until is not None
    with pytest.raises(AccountLockedError):
        accounts.operators.authenticate("olga", PASSWORD)
    kinds = [e.kind for e in accounts.audit.events()]
    assert kinds.count("login_failed") == 5 and kinds.count("login_locked") == 8 and accounts.verify().ok


def test_a_right_password_during_the_last_attempt_clears_its_provisional_lock(accounts) -> None:
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            accounts.operators.authenticate("olga", "wrong password!!")
    assert accounts.operators.authenticate("olga", PASSWORD).username == "olga"  # the fifth attempt, right
    info = accounts.operators.get("olga")
    assert info.locked_until is None and info.problem is None and accounts.verify().ok


def test_a_role_forged_in_the_database_is_refused_and_named(accounts, capsys) -> None:
    """Probe 5a: role operator -> supervisor edited in SQLite."""
    _sql(accounts, "UPDATE operators SET role = 'supervisor' WHERE username = 'olga'")
    with pytest.raises(AccountTamperedError, match="tampered"):
        accounts.operators.authenticate("olga", PASSWORD)
    with pytest.raises(AccountTamperedError):  # nor does the forged role decide anything past the login
        accounts.decisions.reopen_review("0" * 32, "olga", "look again at it")
    with pytest.raises(AccountTamperedError):  # and no change blesses the forged row
        accounts.operators.set_password("olga", "another long password", "cli:test")
    assert "role" in accounts.operators.get("olga").problem
    code, out = _verify_cli(accounts, capsys)
    assert code != 0 and "table operators, id 1, field role" in out
    failed = [e for e in accounts.audit.events() if e.kind == "login_failed"]
    assert failed[-1].details["tampered"] is True


def test_a_swapped_password_hash_is_refused_and_named(accounts, capsys) -> None:
    """Probe 5b: olga's hash replaced by one whose password the attacker knows."""
    _sql(accounts, "UPDATE operators SET password_hash = (SELECT password_hash FROM operators WHERE username = 'sam') "
                   "WHERE username = 'ada'")
    with pytest.raises(AccountTamperedError, match="tampered"):
        accounts.operators.authenticate("ada", PASSWORD)
    code, out = _verify_cli(accounts, capsys)
    assert code != 0 and "table operators, id 3, field password_hash" in out


def test_a_cleared_lock_is_refused_and_named(accounts, capsys) -> None:
    """Probe 5c: a lockout cleared in SQLite."""
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            accounts.operators.authenticate("olga", "wrong password!!")
    _sql(accounts, "UPDATE operators SET locked_until = NULL, failed_logins = 0 WHERE username = 'olga'")
    with pytest.raises(AccountTamperedError, match="tampered"):
        accounts.operators.authenticate("olga", PASSWORD)
    code, out = _verify_cli(accounts, capsys)
    assert code != 0 and "table operators, id 1, field locked_until" in out


def test_an_account_inserted_in_the_database_is_refused_and_restore_brings_one_back(accounts, capsys,
                                                                                     monkeypatch) -> None:
    _sql(accounts, "INSERT INTO operators (username, role, password_hash, disabled, failed_logins, created_at, "
                   "password_changed_at) SELECT 'mallory', 'supervisor', password_hash, 0, 0, created_at, "
                   "password_changed_at FROM operators WHERE username = 'sam'")
    with pytest.raises(AccountTamperedError, match="no seal"):
        accounts.operators.authenticate("mallory", PASSWORD)
    code, out = _verify_cli(accounts, capsys)
    assert code != 0 and "table operators, id 4" in out
    _sql(accounts, "UPDATE operators SET role = 'admin' WHERE username = 'olga'")
    # The way back, from the kiosk's command line (keys at hand), on the record: both accounts set again.
    for name in ("olga", "mallory"):
        monkeypatch.setattr("sys.stdin", io.StringIO("a brand new password\n"))
        assert main(["operator", "restore", name, "--role", "operator", "--password-stdin",
                     "--data-dir", str(accounts.data_dir)]) == 0
    assert "failed its integrity check" in capsys.readouterr().out
    assert accounts.operators.authenticate("olga", "a brand new password").role == "operator"
    restored = [e.details for e in accounts.audit.events() if e.kind == "operator_restored"]
    assert [d["username"] for d in restored] == ["olga", "mallory"] and "role" in restored[0]["problem"]
    assert accounts.verify().ok


def test_role_password_lock_and_unlock_are_audited_and_sealed(accounts, monkeypatch) -> None:
    accounts.operators.set_role("olga", "supervisor", "operator:ada")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["operator", "role", "sam", "operator", "--data-dir", str(accounts.data_dir)]) == 0
    assert accounts.operators.get("sam").role == "operator"
    accounts.operators.set_password("olga", "another long password", "operator:ada")
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            accounts.operators.authenticate("olga", "wrong password!!")
    accounts.operators.unlock("olga", "operator:ada")
    accounts.operators.disable("olga", "operator:ada")
    events = [(e.kind, e.details) for e in accounts.audit.events()]
    assert ("operator_role_changed", {"username": "olga", "role": "supervisor", "previous": "operator"}) in events
    assert [k for k, d in events if k == "login_failed" and "locked_until" in d]  # the lock is an audited event
    kinds = [k for k, _ in events]
    assert {"password_changed", "operator_unlocked", "operator_disabled"} <= set(kinds)
    assert all(a.problem is None for a in accounts.operators.list_accounts()) and accounts.verify().ok


def _downgrade_to_0005(store) -> None:
    """What code from before operator seals left behind: schema 0005, and a chain without the
    ``head_authenticated`` event that today's code appends (and no head file, as in the upgrade tests)."""
    data, config = store.data_dir, store.config
    events = events_before_head_auth(store)
    store.close()
    downgrade_store(data, config, "0005")
    write_legacy_chain(data, events)
    (data / "audit_head.json").unlink()


def test_accounts_from_before_operator_seals_are_bound_once_if_the_chain_explains_them(
        tmp_path, test_config, clock) -> None:
    st = open_storage(tmp_path / "data", test_config, clock=clock)
    for name, role in (("olga", "operator"), ("sam", "supervisor"), ("ada", "admin"), ("eve", "operator")):
        st.operators.add(name, role, PASSWORD, "cli:test")
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            st.operators.authenticate("eve", "wrong password!!")
    st.operators.disable("ada", "cli:test")
    _downgrade_to_0005(st)
    # Edits made to the old store, which the chain contradicts: a forged role, an enabled admin, a cleared lock.
    con = sqlite3.connect(tmp_path / "data" / "kiosk.db")
    con.execute("UPDATE operators SET role = 'admin' WHERE username = 'sam'")
    con.execute("UPDATE operators SET disabled = 0 WHERE username = 'ada'")
    con.execute("UPDATE operators SET locked_until = NULL WHERE username = 'eve'")
    con.commit()
    con.close()
    st = open_storage(tmp_path / "data", test_config, clock=clock)
    try:
        bound = [e.details for e in st.audit.events() if e.kind == "operators_bound"]
        assert len(bound) == 1 and bound[0]["bound"] == [1] and bound[0]["refused"] == [2, 3, 4]
        assert st.operators.authenticate("olga", PASSWORD).role == "operator"
        for name in ("sam", "ada", "eve"):
            with pytest.raises(AccountTamperedError):
                st.operators.authenticate(name, PASSWORD)
        result = st.verify()
        assert not result.ok and (result.table, result.row_id) == ("operators", "2"), result
    finally:
        st.close()
    st = open_storage(tmp_path / "data", test_config, clock=clock)  # bound once: a second open binds nothing
    try:
        assert len([e for e in st.audit.events() if e.kind == "operators_bound"]) == 1
    finally:
        st.close()
