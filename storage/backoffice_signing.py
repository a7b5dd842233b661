"""The back office's Ed25519 signing key (``kiosk backoffice signing-keygen``): its authority over which
kiosk head-signing keys the central store trusts (``storage.central.key_records``).

``generate_signing_key_pair(DIR, passphrase)`` writes, named after the key id (``bos-`` + 24 hex digits
of SHA-256 over the raw public key, so the id is the key's fingerprint):

* ``<key id>.key``, mode 0600: the Ed25519 seed in the passphrase envelope of ``storage.key_backup``
  (format ``idkiosk-backoffice-signing-private/1``; key id and public key are associated data);
* ``<key id>.pub``: ``{"format": "idkiosk-backoffice-signing-public/1", "key_id", "public_key"}``, what
  ``kiosk central init --backoffice-signing-key FILE`` pins in the central store.

The private key stays at the back office (never on a kiosk, never in the central database): whoever
holds it decides which kiosk keys are trusted.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from storage.errors import KeyStoreError
from storage.key_backup import (
    DEFAULT_LOG2_N,
    check_passphrase,
    passphrase_open,
    passphrase_seal,
    read_json_file,
    write_json_file,
)

SIGNING_PRIVATE_FORMAT = "idkiosk-backoffice-signing-private/1"
SIGNING_PUBLIC_FORMAT = "idkiosk-backoffice-signing-public/1"


def signing_key_id(public_key_b64: str) -> str:
    """``bos-`` + 24 hex digits of SHA-256 over the raw public key (``KeyStoreError`` if it is no Ed25519 key)."""
    return "bos-" + hashlib.sha256(_raw_public(public_key_b64)).hexdigest()[:24]


def _raw_public(public_key_b64: str) -> bytes:
    try:
        raw = base64.b64decode(public_key_b64, validate=True)
        Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise KeyStoreError("a back-office signing public key is a raw Ed25519 key in base64 (32 bytes)") from exc
    return raw


@dataclass(frozen=True)
class BackofficeSigner:
    """An opened back-office signing key."""

    key_id: str
    public_key: str  # raw, base64
    private: Ed25519PrivateKey

    def sign(self, message: bytes) -> str:
        """The Ed25519 signature of ``message``, base64."""
        return base64.b64encode(self.private.sign(message)).decode("ascii")


def _public_b64(private: Ed25519PrivateKey) -> str:
    return base64.b64encode(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def new_signer() -> BackofficeSigner:
    """A fresh signing key held only in memory (for a scratch central store: the benchmark, tests)."""
    private = Ed25519PrivateKey.generate()
    public = _public_b64(private)
    return BackofficeSigner(signing_key_id(public), public, private)


def generate_signing_key_pair(directory: Path, passphrase: str,
                              log2_n: int = DEFAULT_LOG2_N) -> tuple[str, Path, Path]:
    """A new back-office signing key pair in ``directory``: ``(key id, private file, public file)``."""
    check_passphrase(passphrase, "back-office signing key")
    private = Ed25519PrivateKey.generate()
    public = _public_b64(private)
    key_id = signing_key_id(public)
    directory = Path(directory)
    key_path, pub_path = directory / f"{key_id}.key", directory / f"{key_id}.pub"
    seed = private.private_bytes_raw()
    doc = passphrase_seal(seed, passphrase, SIGNING_PRIVATE_FORMAT, {"key_id": key_id, "public_key": public}, log2_n)
    write_json_file(key_path, doc, "back-office signing key")
    write_json_file(pub_path, {"format": SIGNING_PUBLIC_FORMAT, "key_id": key_id, "public_key": public},
                    "back-office signing public key", mode=0o644)
    return key_id, key_path, pub_path


def read_signing_public_key(path: Path) -> str:
    """The raw public key (base64) of a signing ``.pub`` file, checked: format, and the id is the key's own."""
    doc = read_json_file(path, "back-office signing public key")
    if not isinstance(doc, dict) or doc.get("format") != SIGNING_PUBLIC_FORMAT:
        raise KeyStoreError(f"{path} is not a back-office signing public key file (format {SIGNING_PUBLIC_FORMAT}); "
                            f"give the .pub file 'kiosk backoffice signing-keygen' wrote")
    public = doc.get("public_key")
    if not isinstance(public, str) or signing_key_id(public) != doc.get("key_id"):
        raise KeyStoreError(f"{path}: its key_id is not the fingerprint of its public key (altered file)")
    return public


def read_signing_key(path: Path, passphrase: str) -> BackofficeSigner:
    """Open a signing ``.key`` file; ``KeyStoreError`` (or its ``WrongPassphraseError``) saying what is wrong."""
    where = f"back-office signing key {path}"
    doc = read_json_file(path, "back-office signing key")
    seed = passphrase_open(doc, passphrase, SIGNING_PRIVATE_FORMAT, ("key_id", "public_key"), where)
    try:
        private = Ed25519PrivateKey.from_private_bytes(seed)
    except ValueError as exc:
        raise KeyStoreError(f"{where} does not hold a 32-byte Ed25519 seed") from exc
    public = _public_b64(private)
    if not isinstance(doc, dict) or doc.get("public_key") != public:
        raise KeyStoreError(f"{where} holds another key than it names")
    return BackofficeSigner(signing_key_id(public), public, private)
