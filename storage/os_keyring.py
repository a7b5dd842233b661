"""An OS keystore backend for the storage keys, through the ``keyring`` package.

On a Linux kiosk the ``keyring`` package talks to the Secret Service (GNOME Keyring, KWallet) via
SecretStorage; on other systems to their native store. The key material is kept as one secret
(the same JSON the key file holds) under a service name and an entry name, selected by the storage
config (``key_backend = "os"``). Which ``keyring`` backend is used is keyring's own choice
(``keyring.get_keyring()``, its config file or ``PYTHON_KEYRING_BACKEND``), or one passed in.
A machine with no usable backend gives ``KeyStoreError`` naming the fix, never a silent fallback.
"""
from __future__ import annotations

import hashlib
from typing import Any

from storage.errors import KeyStoreError
from storage.keys import KeyMaterial


class OsKeyring:
    """Implements the :class:`storage.keys.Keyring` protocol on a ``keyring`` backend."""

    def __init__(self, service: str, entry: str, backend: Any = None) -> None:
        self.service = service
        self.entry = entry
        self._backend = backend

    def describe(self) -> str:
        """Where the keys live, for messages."""
        return f"OS keystore entry {self.service!r}/{self.entry!r}"

    def _keyring(self) -> Any:
        if self._backend is not None:
            return self._backend
        import keyring  # imported late: only stores configured for the OS keystore need it

        return keyring.get_keyring()

    def _get(self) -> str | None:
        import keyring.errors

        try:
            return self._keyring().get_password(self.service, self.entry)
        except (keyring.errors.KeyringError, RuntimeError) as exc:
            raise KeyStoreError(f"cannot read the {self.describe()}: {exc} (is the OS keystore unlocked, "
                                f"or should key_backend be 'file'?)") from exc

    def exists(self) -> bool:
        """Whether the entry holds key material."""
        return self._get() is not None

    def load(self) -> KeyMaterial:
        """The key material stored in the entry."""
        raw = self._get()
        if raw is None:
            raise KeyStoreError(f"{self.describe()} not found")
        return KeyMaterial.from_json(raw.encode("utf-8"), where=self.describe())

    def save(self, keys: KeyMaterial) -> None:
        """Replace the entry (the OS keystore writes it as a whole)."""
        import keyring.errors

        try:
            self._keyring().set_password(self.service, self.entry, keys.to_json().decode("ascii"))
        except (keyring.errors.KeyringError, RuntimeError) as exc:
            raise KeyStoreError(f"cannot write the {self.describe()}: {exc}") from exc

    def version(self) -> object:
        """A digest of the stored secret: changes when another process saved new keys."""
        raw = self._get()
        return None if raw is None else hashlib.sha256(raw.encode("utf-8")).hexdigest()
