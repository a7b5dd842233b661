"""Attempt limits per document and per kiosk (5 failures in 3 minutes -> locked 30 minutes by
default), and operator login lockout."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kiosk.cli import main
from storage import StorageConfig, open_storage
from storage.attempts import lock_end
from storage.errors import AccountLockedError, AuthenticationFailed, StorageInputError


def fail(store, make_record, doc="C01X00T47", kiosk="kiosk-7"):  # type: ignore[no-untyped-def]
    return store.decisions.record_session(make_record("reject", doc=doc, with_images=False, kiosk_id=kiosk))


def test_document_locks_after_five_failures_in_window(store, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(4):
        fail(store, make_record)
        clock.advance(seconds=40)
    st = store.attempts.for_document("D", "C01X00T47")
    assert st.failures_in_window == 4 and not st.locked
    fail(store, make_record)  # 5th failure, 160 s after the first: within 180 s
    fifth = clock.now()
    st = store.attempts.for_document("D", "c01x00t47<")  # same document, MRZ spelling
    assert st.locked and st.locked_until == fifth + timedelta(minutes=30)
    assert not store.attempts.for_document("D", "OTHER123").locked  # other documents unaffected
    clock.set(fifth + timedelta(minutes=30) - timedelta(seconds=1))
    assert store.attempts.for_document("D", "C01X00T47").locked
    clock.set(fifth + timedelta(minutes=30))
    st = store.attempts.for_document("D", "C01X00T47")
    assert not st.locked and st.failures_in_window == 0


def test_failures_spread_beyond_window_do_not_lock(store, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(10):
        fail(store, make_record)
        clock.advance(seconds=46)  # 5 failures span 184 s > 180 s
    st = store.attempts.for_document("D", "C01X00T47")
    assert not st.locked and st.failures_in_window == 3  # 322, 368, 414 s; now is 460 s


def test_accepts_do_not_count_and_counts_as_failure_overrides(store, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(6):
        store.decisions.record_session(make_record("accept", with_images=False))
    assert store.attempts.for_document("D", "C01X00T47").failures_in_window == 0
    for _ in range(5):
        store.decisions.record_session(make_record("review", with_images=False, counts_as_failure=True))
    assert store.attempts.for_document("D", "C01X00T47").locked


def test_kiosk_limit_counts_all_documents(tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    cfg = StorageConfig.model_validate({"attempts": {"kiosk_max_failures": 3}})
    st = open_storage(tmp_path, cfg, clock=clock)
    try:
        for i in range(3):
            fail(st, make_record, doc=f"DOC{i}AAA")
        assert st.attempts.for_kiosk("kiosk-7").locked
        assert not st.attempts.for_kiosk("kiosk-8").locked
        assert not st.attempts.for_document("D", "DOC0AAA").locked
        assert st.attempts.for_document_key(st.keys.document_key("D", "DOC0AAA")).failures_in_window == 1
    finally:
        st.close()


def test_lock_end_pure() -> None:
    t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    w, lock = timedelta(seconds=180), timedelta(minutes=30)
    times = [t + timedelta(seconds=s) for s in (0, 10, 20, 30, 180)]
    assert lock_end(times, 5, w, lock) == times[-1] + lock  # exactly at the window edge counts
    times = [t + timedelta(seconds=s) for s in (0, 10, 20, 30, 181)]
    assert lock_end(times, 5, w, lock) is None
    assert lock_end([], 5, w, lock) is None


def test_operator_lockout_and_audit(store, clock) -> None:  # type: ignore[no-untyped-def]
    store.operators.add("olga", "operator", "correct horse battery", "cli:root")
    assert store.operators.authenticate("olga", "correct horse battery").role == "operator"
    for i in range(4):
        with pytest.raises(AuthenticationFailed) as err:
            store.operators.authenticate("olga", "wrong password!")
        assert not isinstance(err.value, AccountLockedError)
    with pytest.raises(AccountLockedError) as locked:
        store.operators.authenticate("olga", "wrong password!")  # 5th failure locks
    assert locked.value.locked_until == clock.now() + timedelta(minutes=15)
    with pytest.raises(AccountLockedError):  # even the right password is refused while locked
        store.operators.authenticate("olga", "correct horse battery")
    clock.advance(minutes=15)
    assert store.operators.authenticate("olga", "correct horse battery").username == "olga"
    with pytest.raises(AuthenticationFailed):
        store.operators.authenticate("nobody", "whatever it is")
    kinds = [e.kind for e in store.audit.events()]
    assert kinds == ["head_authenticated", "operator_added", "login_ok"] + ["login_failed"] * 5 + ["login_locked", "login_ok", "login_failed"]
    assert all("password" not in str(e.details) for e in store.audit.events())


def test_disabled_operator_cannot_log_in(store) -> None:  # type: ignore[no-untyped-def]
    store.operators.add("olga", "admin", "correct horse battery", "t")
    store.operators.disable("olga", "t")
    with pytest.raises(AuthenticationFailed):
        store.operators.authenticate("olga", "correct horse battery")


def test_operator_input_checks(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StorageInputError, match="role"):
        store.operators.add("x", "root", "correct horse battery", "t")
    with pytest.raises(StorageInputError, match="at least"):
        store.operators.add("x", "operator", "short", "t")
    store.operators.add("x", "operator", "correct horse battery", "t")
    with pytest.raises(StorageInputError, match="exists"):
        store.operators.add("x", "operator", "correct horse battery", "t")


def test_password_hash_format_and_verify() -> None:
    from storage.accounts import hash_password, verify_password

    h = hash_password("correct horse battery", 14)
    assert h.startswith("scrypt$14$8$1$") and "correct" not in h
    assert verify_password("correct horse battery", h)
    assert not verify_password("correct horse batterY", h)
    assert not verify_password("x", "garbage") and not verify_password("x", "scrypt$99$8$1$AA==$AA==")


def test_operator_cli(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import io

    d = str(tmp_path)
    (tmp_path / "c.toml").write_text("[storage.operators]\nscrypt_log2_n = 14\n")
    cfg = ["--data-dir", d, "--config", str(tmp_path / "c.toml")]
    monkeypatch.setattr("sys.stdin", io.StringIO("first password 123\n"))
    assert main(["operator", "add", "sam", "--role", "supervisor", "--password-stdin", *cfg]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("second password 456\n"))
    assert main(["operator", "passwd", "sam", "--password-stdin", *cfg]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["operator", "add", "tim", "--password-stdin", *cfg]) == 1
    assert "at least 12" in capsys.readouterr().err
    st = open_storage(tmp_path, StorageConfig.model_validate({"operators": {"scrypt_log2_n": 14}}))
    try:
        assert st.operators.authenticate("sam", "second password 456").role == "supervisor"
    finally:
        st.close()
    assert main(["operator", "disable", "sam", *cfg]) == 0
    assert main(["operator", "disable", "nobody", *cfg]) == 1
    st = open_storage(tmp_path)
    try:
        assert st.operators.get("sam").disabled
        kinds = [e.kind for e in st.audit.events()]
        assert kinds[:3] == ["head_authenticated", "operator_added", "password_changed"] and "operator_disabled" in kinds
        assert st.audit.verify().ok
    finally:
        st.close()
