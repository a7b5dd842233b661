"""Key material kept outside the database, and the pluggable keyring that holds it.

Four independent secrets, so that one leaking does not expose the others' purpose:

* data-encryption keys (AES-256-GCM, NIST SP 800-38D), one *active*, older ones kept only until
  ``kiosk keys rotate`` has re-encrypted every record that names them (each record stores its key id);
* the document-number HMAC key (HMAC-SHA-256, RFC 2104): the only form in which a document number
  is stored; it is never rotated because the numbers themselves are not kept to re-hash;
* audit-trail MAC keys (HMAC-SHA-256), separate from the data keys; old ones stay for verification;
* the export signing key (Ed25519, RFC 8032) whose public half the back office uses to verify exports
  and, in a fleet, the central store uses to verify the kiosk's signed chain heads (``storage.head_signing``).

The default backend is a JSON key file created with mode 0600 and refused when group or others can
read it (as OpenSSH does with private keys). The OS keystore (``storage.os_keyring``) is the other
backend; an HSM could implement :class:`Keyring` too. Keys are generated only for an empty store
(:func:`load_or_create`); ``storage.key_backup`` writes passphrase-encrypted backups.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from storage._fs import atomic_write
from storage.errors import KeyStoreError, KeysMissingError

KEY_FILE_FORMAT = "idkiosk-keys/1"


def new_key_id(prefix: str) -> str:
    """A fresh random key id such as ``d-3f9a1c2e``."""
    return f"{prefix}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class KeyMaterial:
    """All secrets storage uses; immutable, changed by building a new one (see :meth:`with_new_data_key`)."""

    data_keys: dict[str, bytes]
    active_data_key: str
    audit_keys: dict[str, bytes]
    active_audit_key: str
    document_hmac_key: bytes
    export_signing_seed: bytes
    export_key_id: str = field(default="e-0")

    @staticmethod
    def generate() -> "KeyMaterial":
        """Fresh random keys from the OS CSPRNG."""
        dk, ak = new_key_id("d"), new_key_id("a")
        return KeyMaterial(
            data_keys={dk: secrets.token_bytes(32)},
            active_data_key=dk,
            audit_keys={ak: secrets.token_bytes(32)},
            active_audit_key=ak,
            document_hmac_key=secrets.token_bytes(32),
            export_signing_seed=secrets.token_bytes(32),
            export_key_id=new_key_id("e"),
        )

    def with_new_data_key(self) -> "KeyMaterial":
        """A copy with a new active data key (old ones kept for decryption until retired)."""
        kid = new_key_id("d")
        return replace(self, data_keys={**self.data_keys, kid: secrets.token_bytes(32)}, active_data_key=kid)

    def with_new_audit_key(self) -> "KeyMaterial":
        """A copy with a new active audit MAC key (old ones stay: older events are verified with them)."""
        kid = new_key_id("a")
        return replace(self, audit_keys={**self.audit_keys, kid: secrets.token_bytes(32)}, active_audit_key=kid)

    def without_data_keys(self, retired: set[str]) -> "KeyMaterial":
        """A copy without the ``retired`` data keys (never the active one)."""
        if self.active_data_key in retired:
            raise KeyStoreError("the active data key cannot be retired")
        return replace(self, data_keys={k: v for k, v in self.data_keys.items() if k not in retired})

    def to_json(self) -> bytes:
        """Serialise for the key file."""
        def b64(b: bytes) -> str:
            return base64.b64encode(b).decode("ascii")

        doc = {
            "format": KEY_FILE_FORMAT,
            "data_keys": {k: b64(v) for k, v in self.data_keys.items()},
            "active_data_key": self.active_data_key,
            "audit_keys": {k: b64(v) for k, v in self.audit_keys.items()},
            "active_audit_key": self.active_audit_key,
            "document_hmac_key": b64(self.document_hmac_key),
            "export_signing_seed": b64(self.export_signing_seed),
            "export_key_id": self.export_key_id,
        }
        return json.dumps(doc, indent=1, sort_keys=True).encode("ascii")

    @staticmethod
    def from_json(raw: bytes, where: str = "key file") -> "KeyMaterial":
        """Parse a key file; raises ``KeyStoreError`` (never anything else) when malformed."""
        try:
            doc = json.loads(raw)
            if not isinstance(doc, dict) or doc.get("format") != KEY_FILE_FORMAT:
                raise KeyStoreError(f"{where} is not an idkiosk key file (format {KEY_FILE_FORMAT})")

            def key(v: object) -> bytes:
                if not isinstance(v, str):
                    raise ValueError("key not a string")
                b = base64.b64decode(v, validate=True)
                if len(b) != 32:
                    raise ValueError("key not 32 bytes")
                return b

            def keymap(v: object) -> dict[str, bytes]:
                if not isinstance(v, dict) or not v:
                    raise ValueError("key map empty")
                return {str(k): key(x) for k, x in v.items()}

            km = KeyMaterial(
                data_keys=keymap(doc["data_keys"]),
                active_data_key=str(doc["active_data_key"]),
                audit_keys=keymap(doc["audit_keys"]),
                active_audit_key=str(doc["active_audit_key"]),
                document_hmac_key=key(doc["document_hmac_key"]),
                export_signing_seed=key(doc["export_signing_seed"]),
                export_key_id=str(doc["export_key_id"]),
            )
        except KeyStoreError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise KeyStoreError(f"{where} is malformed ({type(exc).__name__}); restore it from backup") from exc
        if km.active_data_key not in km.data_keys or km.active_audit_key not in km.audit_keys:
            raise KeyStoreError(f"{where} names an active key it does not contain")
        return km


class Keyring(Protocol):
    """Where the key material lives. Implementations: :class:`FileKeyring`, ``storage.os_keyring.OsKeyring``."""

    def load(self) -> KeyMaterial:
        """The stored key material; raises ``KeyStoreError`` when missing or unreadable."""
        ...

    def save(self, keys: KeyMaterial) -> None:
        """Replace the stored key material durably (all or nothing)."""
        ...

    def exists(self) -> bool:
        """Whether key material has been stored."""
        ...


class FileKeyring:
    """A JSON key file, mode 0600, written atomically; refused when group/others may read it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        """Whether the key file exists."""
        return self.path.exists()

    def describe(self) -> str:
        """Where the keys live, for messages."""
        return f"key file {self.path}"

    def version(self) -> object:
        """Changes on every save (atomic replace gives a new inode): lets other processes notice a rotation."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def load(self) -> KeyMaterial:
        """Read and check the key file."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError as exc:
            raise KeyStoreError(f"key file {self.path} not found") from exc
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyStoreError(
                f"key file {self.path} is accessible to group or others (mode {stat.S_IMODE(st.st_mode):o}); "
                f"run: chmod 600 {self.path}"
            )
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise KeyStoreError(f"cannot read key file {self.path}: {exc.strerror}") from exc
        return KeyMaterial.from_json(raw, where=f"key file {self.path}")

    def save(self, keys: KeyMaterial) -> None:
        """Write the key file atomically with mode 0600."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            atomic_write(self.path, keys.to_json(), mode=0o600)
        except OSError as exc:
            raise KeyStoreError(f"cannot write key file {self.path}: {exc.strerror}") from exc


def describe_keyring(keyring: Keyring) -> str:
    """Where a keyring keeps the keys, for messages (``describe()`` if it has one)."""
    fn = getattr(keyring, "describe", None)
    return str(fn()) if callable(fn) else type(keyring).__name__


def load_or_create(keyring: Keyring, may_create: bool = True) -> KeyMaterial:
    """The keyring's keys; fresh ones are generated and saved only when ``may_create`` (an empty store).

    A store that holds data and has lost its keys must not get new ones: every record would become
    unreadable and the audit chain unverifiable, and restoring the backup later would not help the
    records written meanwhile. So that case raises ``KeysMissingError`` naming the fix.
    """
    if keyring.exists():
        return keyring.load()
    if not may_create:
        raise KeysMissingError(
            f"this store holds data but its keys are missing ({describe_keyring(keyring)}); new keys would make "
            f"every record unreadable and the audit chain unverifiable, so none are made. Restore the key file "
            f"from its backup: 'kiosk keys restore --from BACKUP' (or copy keys.json back, mode 0600)"
        )
    keys = KeyMaterial.generate()
    keyring.save(keys)
    return keys


def keyring_version(keyring: Keyring) -> object:
    """A value that changes whenever the keyring is saved (``version()`` if it has one, else ``None``)."""
    fn = getattr(keyring, "version", None)
    return fn() if callable(fn) else None
