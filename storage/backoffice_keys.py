"""The back office's HPKE key pairs on disk (``kiosk backoffice keygen``) and the reviewer's keyring.

``generate_key_pair(DIR, passphrase)`` writes two files named after the key id (``storage.sealing``):

* ``<key id>.key``, mode 0600: the X25519 private key in the passphrase envelope of
  ``storage.key_backup`` (scrypt N = 2**17, r = 8, then AES-256-GCM with the format, KDF parameters,
  key id and public key as associated data)::

      {"format": "idkiosk-backoffice-private/1", "key_id", "public_key", "kdf", "nonce", "ciphertext"}

* ``<key id>.pub``: what a kiosk is given (``kiosk fleet set-backoffice-key FILE``)::

      {"format": "idkiosk-backoffice-public/1", "key_id", "public_key", "suite", "created_at"}

Rotation is a new pair in the same folder: kiosks are given the new ``.pub`` and seal new evidence to
it; the old ``.key`` files stay, because evidence sealed before names their ids. The
:class:`BackofficeKeyring` opens ``<key id>.key`` when a blob names that id, so a missing old key is
named as such (``UnknownKeyIdError``), and a wrong passphrase as ``WrongKeyError``.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from storage.errors import KeyStoreError
from storage.key_backup import (
    DEFAULT_LOG2_N,
    WrongPassphraseError,
    check_passphrase,
    passphrase_open,
    passphrase_seal,
    read_json_file,
    write_json_file,
)
from storage.sealing import (
    SUITE_NAME,
    BackofficeKeyMissingError,
    BackofficePublicKey,
    UnknownKeyIdError,
    WrongKeyError,
    key_id_of,
)

PRIVATE_FORMAT = "idkiosk-backoffice-private/1"
PUBLIC_FORMAT = "idkiosk-backoffice-public/1"


def public_key_doc(public: BackofficePublicKey, created_at: datetime | None = None) -> dict[str, object]:
    """The ``.pub`` file's content for ``public``."""
    return {"format": PUBLIC_FORMAT, "key_id": public.key_id, "public_key": public.b64(), "suite": SUITE_NAME,
            "created_at": (created_at or datetime.now(timezone.utc)).isoformat()}


def generate_key_pair(directory: Path, passphrase: str,
                      log2_n: int = DEFAULT_LOG2_N) -> tuple[BackofficePublicKey, Path, Path]:
    """A new back-office key pair in ``directory``: ``(public key, private file, public file)``."""
    check_passphrase(passphrase, "back-office key")
    private = X25519PrivateKey.generate()
    public = BackofficePublicKey(key_id_of(private.public_key()), private.public_key())
    directory = Path(directory)
    key_path, pub_path = directory / f"{public.key_id}.key", directory / f"{public.key_id}.pub"
    doc = passphrase_seal(private.private_bytes_raw(), passphrase, PRIVATE_FORMAT,
                          {"key_id": public.key_id, "public_key": public.b64()}, log2_n)
    write_json_file(key_path, doc, "back-office private key")
    write_json_file(pub_path, public_key_doc(public), "back-office public key", mode=0o644)
    return public, key_path, pub_path


def public_key_from_doc(doc: object, where: str) -> BackofficePublicKey:
    """Check and parse a ``.pub`` document; ``KeyStoreError`` / ``WrongKeyError`` saying what is wrong."""
    if not isinstance(doc, dict) or doc.get("format") != PUBLIC_FORMAT:
        raise KeyStoreError(f"{where} is not a back-office public key file (format {PUBLIC_FORMAT}); "
                            f"give the .pub file 'kiosk backoffice keygen' wrote, never the .key file")
    if not isinstance(doc.get("public_key"), str) or not isinstance(doc.get("key_id"), str):
        raise KeyStoreError(f"{where} lacks its key_id or public_key")
    if doc.get("suite") != SUITE_NAME:  # fail closed: never seal with a key meant for another construction
        raise KeyStoreError(f"{where} is for the suite {doc.get('suite')!r}; this version seals with {SUITE_NAME}")
    return BackofficePublicKey.from_b64(doc["public_key"], doc["key_id"])


def read_public_key(path: Path) -> BackofficePublicKey:
    """A back-office ``.pub`` file, checked (format, and the key id is the key's own)."""
    return public_key_from_doc(read_json_file(path, "back-office public key"), f"{path}")


def read_private_key(path: Path, passphrase: str) -> X25519PrivateKey:
    """Decrypt a back-office ``.key`` file; ``WrongKeyError`` for a wrong passphrase or a key not its id."""
    where = f"back-office private key {path}"
    doc = read_json_file(path, "back-office private key")
    try:
        raw = passphrase_open(doc, passphrase, PRIVATE_FORMAT, ("key_id", "public_key"), where)
    except WrongPassphraseError as exc:
        raise WrongKeyError(f"{exc} (a key made before a passphrase change needs its own passphrase)") from exc
    try:
        key = X25519PrivateKey.from_private_bytes(raw)
    except ValueError as exc:
        raise WrongKeyError(f"{where} does not hold a 32-byte X25519 key") from exc
    named = doc["key_id"] if isinstance(doc, dict) else None  # passphrase_open checked it is a dict
    if key_id_of(key.public_key()) != named:
        raise WrongKeyError(f"{where} holds key {key_id_of(key.public_key())}, not {named}")
    return key


class BackofficeKeyring:
    """The back office's private keys in one folder, opened on first use per key id and kept in memory."""

    def __init__(self, directory: Path, passphrase: str) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise BackofficeKeyMissingError(f"back-office key folder {self.directory} not found "
                                            f"(made by 'kiosk backoffice keygen --out DIR')")
        self._passphrase = passphrase
        self._keys: dict[str, X25519PrivateKey] = {}

    def key_ids(self) -> list[str]:
        """Ids of the private key files in the folder."""
        return sorted(p.stem for p in self.directory.glob("bo-*.key"))

    def private_key(self, key_id: str) -> X25519PrivateKey:
        """The private key of ``key_id``; ``UnknownKeyIdError`` if its file is not in the folder."""
        key = self._keys.get(key_id)
        if key is not None:
            return key
        path = self.directory / f"{key_id}.key"
        if not key_id.startswith("bo-") or "/" in key_id or not path.is_file():
            raise UnknownKeyIdError(
                f"evidence sealed to back-office key {key_id}, but {self.directory} holds no {key_id}.key "
                f"(it holds {', '.join(self.key_ids()) or 'none'}): is it the back office's key folder? After a rotation the "
                f"old private keys must be kept there")
        key = read_private_key(path, self._passphrase)
        self._keys[key_id] = key
        return key

