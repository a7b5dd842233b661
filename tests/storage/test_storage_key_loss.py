"""Key loss (issue #13 item 2): keys are made only for an empty store; a store with data and no key
file refuses to open naming the fix; ``kiosk keys backup``/``restore`` bring the same keys back
(encrypted backup, mode 0600, wrong passphrase and foreign backups refused); the OS keystore backend
works through the ``keyring`` protocol (tested on an in-memory backend set with keyring.set_keyring)."""
from __future__ import annotations

import base64
import json
import stat

import keyring
import keyring.backend
import pytest

from kiosk.cli import main
from storage import StorageConfig, open_storage
from storage.errors import KeysMissingError, KeyStoreError
from storage.key_backup import read_backup, write_backup
from storage.keys import FileKeyring

PASS = "tr0ub4dor&3 is not enough"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring backend that keeps secrets in a dict (what an OS keystore does, minus the OS)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


def test_new_keys_only_for_an_empty_store(store, make_record, test_config, clock) -> None:  # type: ignore[no-untyped-def]
    store.decisions.record_session(make_record("accept"))
    data = store.data_dir
    store.close()
    (data / "keys.json").unlink()
    with pytest.raises(KeysMissingError, match="kiosk keys restore"):
        open_storage(data, test_config, clock=clock)
    assert not (data / "keys.json").exists()  # nothing silently generated


def test_lost_keys_after_only_an_audit_event_still_refuse(tmp_path, test_config, clock) -> None:  # type: ignore[no-untyped-def]
    st = open_storage(tmp_path / "d", test_config, clock=clock)
    st.note_config("cfg-1", "system:test")
    st.close()
    (tmp_path / "d" / "keys.json").unlink()
    with pytest.raises(KeysMissingError):
        open_storage(tmp_path / "d", test_config, clock=clock)


def test_backup_and_restore_through_the_cli(store, make_record, capsys, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rec = store.decisions.record_session(make_record("accept"))
    data = store.data_dir
    store.close()
    original = (data / "keys.json").read_bytes()
    monkeypatch.setenv("KIOSK_BACKUP_PASS", PASS)
    backup = tmp_path / "keys.backup"
    assert main(["keys", "backup", "--data-dir", str(data), "--out", str(backup),
                 "--passphrase-env", "KIOSK_BACKUP_PASS"]) == 0
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    text = backup.read_text()
    for secret in json.loads(original)["data_keys"].values():  # no key in clear in the backup
        assert secret not in text and base64.b64decode(secret).hex() not in text

    (data / "keys.json").unlink()
    monkeypatch.setenv("WRONG_PASS", "not the passphrase at all")
    assert main(["keys", "restore", "--data-dir", str(data), "--from", str(backup),
                 "--passphrase-env", "WRONG_PASS"]) != 0
    assert "wrong passphrase" in capsys.readouterr().err
    assert main(["keys", "restore", "--data-dir", str(data), "--from", str(backup),
                 "--passphrase-env", "KIOSK_BACKUP_PASS"]) == 0
    assert stat.S_IMODE((data / "keys.json").stat().st_mode) == 0o600
    capsys.readouterr()
    assert main(["audit", "verify", "--data-dir", str(data)]) == 0, capsys.readouterr()
    st = open_storage(data)
    try:
        assert st.decisions.load_session(rec.session_id, actor="test").identity is not None
    finally:
        st.close()


def test_restore_refuses_another_stores_backup(tmp_path, test_config, clock, make_record) -> None:  # type: ignore[no-untyped-def]
    from storage.store import restore_keys

    mine = open_storage(tmp_path / "mine", test_config, clock=clock)
    mine.decisions.record_session(make_record("accept"))
    mine.close()
    other = open_storage(tmp_path / "other", test_config, clock=clock)
    other.close()
    write_backup(FileKeyring(tmp_path / "other" / "keys.json").load(), tmp_path / "other.backup", PASS, log2_n=14)
    (tmp_path / "mine" / "keys.json").unlink()
    with pytest.raises(KeyStoreError, match="not for this store"):
        restore_keys(tmp_path / "mine", test_config, tmp_path / "other.backup", PASS)
    assert not (tmp_path / "mine" / "keys.json").exists()


def test_backup_file_is_authenticated(tmp_path) -> None:
    from storage.keys import KeyMaterial

    keys = KeyMaterial.generate()
    path = tmp_path / "k.backup"
    with pytest.raises(KeyStoreError, match="at least"):
        write_backup(keys, path, "short", log2_n=14)
    write_backup(keys, path, PASS, log2_n=14)
    assert read_backup(path, PASS) == keys
    doc = json.loads(path.read_text())
    doc["kdf"]["log2_n"] = 15  # weakening or changing the parameters makes the file fail, not weaker
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyStoreError):
        read_backup(path, PASS)
    with pytest.raises(KeyStoreError, match="exists"):
        write_backup(keys, path, PASS, log2_n=14)


def test_os_keystore_backend(tmp_path, make_record, clock) -> None:  # type: ignore[no-untyped-def]
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        config = StorageConfig.model_validate({"key_backend": "os", "keyring_service": "idkiosk-test",
                                               "operators": {"scrypt_log2_n": 14}})
        st = open_storage(tmp_path / "d", config, clock=clock)
        rec = st.decisions.record_session(make_record("accept"))
        st.close()
        assert not (tmp_path / "d" / "keys.json").exists()
        ((service, entry), secret), = backend.secrets.items()
        assert service == "idkiosk-test" and entry.endswith(str((tmp_path / "d").resolve()))
        assert json.loads(secret)["format"] == "idkiosk-keys/1"
        st = open_storage(tmp_path / "d", config, clock=clock)
        try:
            assert st.verify().ok
            assert st.decisions.load_session(rec.session_id, actor="test").identity is not None
        finally:
            st.close()
        backend.secrets.clear()  # the OS keystore entry is gone: same refusal as a lost key file
        with pytest.raises(KeysMissingError):
            open_storage(tmp_path / "d", config, clock=clock)
    finally:
        keyring.set_keyring(previous)


def test_os_keystore_without_a_backend_says_so(tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    from keyring.backends.fail import Keyring as FailKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        config = StorageConfig.model_validate({"key_backend": "os"})
        with pytest.raises(KeyStoreError, match="OS keystore"):
            open_storage(tmp_path / "d", config, clock=clock)
    finally:
        keyring.set_keyring(previous)
