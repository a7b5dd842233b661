"""AES-256-GCM encryption of personal fields and images, with associated data binding each
ciphertext to its row and purpose (NIST SP 800-38D; ``cryptography``'s AESGCM).

Sealed field layout: ``nonce (12 bytes) || ciphertext || tag (16 bytes)``; the key id is stored in
a column beside it. Nonces are random 96-bit values: with at most a few million encryptions per key
the collision probability stays far below the 2**-32 bound SP 800-38D section 8.3 asks for, and
``kiosk keys rotate`` starts a fresh key. The associated data names the table, the row id and the
column, so a ciphertext copied to another row or column fails to decrypt (``DecryptionError``).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.errors import DecryptionError, KeyStoreError
from storage.keys import KeyMaterial, Keyring

NONCE_LEN = 12
TAG_LEN = 16
AAD_PREFIX = b"idkiosk/1"


def aad(purpose: str, *parts: str) -> bytes:
    """Associated data: ``idkiosk/1`` then purpose and parts, each length-prefixed (unambiguous)."""
    out = bytearray(AAD_PREFIX)
    for p in (purpose, *parts):
        b = p.encode("utf-8")
        out += len(b).to_bytes(2, "big") + b
    return bytes(out)


class FieldCipher:
    """Encrypts under the active data key; decrypts under whichever key id a record names."""

    def __init__(self, keys: KeyMaterial) -> None:
        self._keys = keys
        self._aead = {kid: AESGCM(k) for kid, k in keys.data_keys.items()}

    @property
    def active_key_id(self) -> str:
        """Key id new ciphertexts are made with."""
        return self._keys.active_data_key

    def encrypt(self, plaintext: bytes, associated: bytes) -> tuple[str, bytes]:
        """``(key id, nonce || ciphertext || tag)`` under the active key."""
        kid = self._keys.active_data_key
        nonce = os.urandom(NONCE_LEN)
        return kid, nonce + self._aead[kid].encrypt(nonce, plaintext, associated)

    def decrypt(self, key_id: str, sealed: bytes, associated: bytes) -> bytes:
        """Open a sealed value; ``DecryptionError`` if the key is unknown or authentication fails."""
        aead = self._aead.get(key_id)
        if aead is None:
            raise KeyStoreError(f"data key {key_id!r} is not in the keyring (was it retired or the key file replaced?)")
        if len(sealed) < NONCE_LEN + TAG_LEN:
            raise DecryptionError("sealed value too short")
        try:
            return aead.decrypt(sealed[:NONCE_LEN], sealed[NONCE_LEN:], associated)
        except InvalidTag as exc:
            raise DecryptionError("ciphertext failed authentication (tampered, wrong key, or moved to another row)") from exc


def normalise_document_number(issuing_state: str, document_number: str) -> str:
    """Canonical form hashed for a document: ``STATE|NUMBER``, upper case, MRZ fillers and spaces removed."""
    def clean(s: str) -> str:
        s = unicodedata.normalize("NFKC", s).upper()
        return "".join(ch for ch in s if ch not in "< \t-")
    return f"{clean(issuing_state)}|{clean(document_number)}"


def document_key(keys: KeyMaterial, issuing_state: str, document_number: str) -> str:
    """The keyed hash (HMAC-SHA-256, hex) that stands for a document everywhere in storage."""
    msg = normalise_document_number(issuing_state, document_number).encode("utf-8")
    return hmac.new(keys.document_hmac_key, msg, hashlib.sha256).hexdigest()


class KeyContext:
    """The live key material of one process, reloaded when another process (``kiosk keys rotate``)
    saved the keyring: writers call :meth:`refresh` after taking the database write lock, so they
    never encrypt under a key that rotation has already retired."""

    def __init__(self, keyring: Keyring, may_create: bool = True) -> None:
        from storage.keys import keyring_version, load_or_create

        self.keyring = keyring
        self._version_fn = keyring_version
        self.keys = load_or_create(keyring, may_create)
        self._version = keyring_version(keyring)
        self.cipher = FieldCipher(self.keys)

    def set(self, keys: KeyMaterial) -> None:
        """Save ``keys`` to the keyring and use them from now on."""
        self.keyring.save(keys)
        self.keys = keys
        self.cipher = FieldCipher(keys)
        self._version = self._version_fn(self.keyring)

    def refresh(self) -> bool:
        """Reload the keyring if it changed since last read; ``True`` when it did."""
        version = self._version_fn(self.keyring)
        if version is not None and version == self._version:
            return False
        self.keys = self.keyring.load()
        self.cipher = FieldCipher(self.keys)
        self._version = version
        return True

    def document_key(self, issuing_state: str, document_number: str) -> str:
        """HMAC-SHA-256 of the normalised document number (see :func:`document_key`)."""
        return document_key(self.keys, issuing_state, document_number)
