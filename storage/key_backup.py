"""Passphrase-protected key backups (``kiosk keys backup`` / ``restore``) and the passphrase envelope
they share with the back office's private key files (``storage.backoffice_keys``).

File format (JSON, written atomically with mode 0600)::

    {"format": "idkiosk-key-backup/1",
     "kdf": {"name": "scrypt", "log2_n": 17, "r": 8, "p": 1, "salt": b64(16 bytes)},
     "nonce": b64(12 bytes), "ciphertext": b64(AES-256-GCM(key file JSON))}

The key is scrypt(passphrase) (RFC 7914; N = 2**17, r = 8 uses 128 MiB, about a second here, so
guessing passphrases is slow); the AEAD is AES-256-GCM (NIST SP 800-38D) with the format and KDF
parameters (and whatever else the file format binds, e.g. a key id) as associated data, so editing
them makes the file fail to open rather than weakening it. Both come from ``cryptography``.
"""
from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from storage._fs import atomic_write
from storage.errors import KeyStoreError
from storage.keys import KeyMaterial

BACKUP_FORMAT = "idkiosk-key-backup/1"
DEFAULT_LOG2_N = 17
MIN_LOG2_N = 14
MAX_LOG2_N = 22
MIN_PASSPHRASE = 12


class WrongPassphraseError(KeyStoreError):
    """A passphrase-encrypted file did not open: wrong passphrase, or the file was altered."""


def _derive(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=2 ** log2_n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _aad(fmt: str, kdf: Mapping[str, object], bound: Mapping[str, object]) -> bytes:
    return json.dumps({"format": fmt, "kdf": kdf, **bound}, sort_keys=True,
                      separators=(",", ":")).encode("ascii")


def check_passphrase(passphrase: str, what: str) -> None:
    """Refuse passphrases shorter than ``MIN_PASSPHRASE`` characters (``KeyStoreError`` naming ``what``)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise KeyStoreError(f"the {what} passphrase must have at least {MIN_PASSPHRASE} characters")


def passphrase_seal(plaintext: bytes, passphrase: str, fmt: str, bound: Mapping[str, object] | None = None,
                    log2_n: int = DEFAULT_LOG2_N) -> dict[str, object]:
    """The JSON document ``{"format", "kdf", "nonce", "ciphertext", **bound}`` holding ``plaintext``
    under scrypt(passphrase) + AES-256-GCM; format, KDF parameters and ``bound`` are the associated data."""
    if not MIN_LOG2_N <= log2_n <= MAX_LOG2_N:
        raise KeyStoreError(f"scrypt cost log2_n must be between {MIN_LOG2_N} and {MAX_LOG2_N}")
    bound = dict(bound or {})
    salt, nonce = os.urandom(16), os.urandom(12)
    kdf: dict[str, object] = {"name": "scrypt", "log2_n": log2_n, "r": 8, "p": 1,
                              "salt": base64.b64encode(salt).decode("ascii")}
    ct = AESGCM(_derive(passphrase, salt, log2_n, 8, 1)).encrypt(nonce, plaintext, _aad(fmt, kdf, bound))
    return {"format": fmt, "kdf": kdf, "nonce": base64.b64encode(nonce).decode("ascii"),
            "ciphertext": base64.b64encode(ct).decode("ascii"), **bound}


def passphrase_open(doc: object, passphrase: str, fmt: str, bound_keys: tuple[str, ...] = (),
                    where: str = "file") -> bytes:
    """Open a :func:`passphrase_seal` document: ``KeyStoreError`` when it is not one of format ``fmt``,
    ``WrongPassphraseError`` when authentication fails (wrong passphrase, or the file was altered)."""
    try:
        if not isinstance(doc, dict) or doc.get("format") != fmt:
            raise ValueError("format")
        kdf = doc["kdf"]
        if kdf.get("name") != "scrypt" or not MIN_LOG2_N <= int(kdf["log2_n"]) <= MAX_LOG2_N:
            raise ValueError("kdf")
        salt = base64.b64decode(kdf["salt"], validate=True)
        nonce = base64.b64decode(doc["nonce"], validate=True)
        ct = base64.b64decode(doc["ciphertext"], validate=True)
        bound = {k: doc[k] for k in bound_keys}
        key = _derive(passphrase, salt, int(kdf["log2_n"]), int(kdf["r"]), int(kdf["p"]))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KeyStoreError(f"{where} is not a valid {fmt} file") from exc
    try:
        return AESGCM(key).decrypt(nonce, ct, _aad(fmt, kdf, bound))
    except (InvalidTag, ValueError) as exc:
        raise WrongPassphraseError(f"cannot open {where}: wrong passphrase, or the file was altered") from exc


def read_json_file(path: Path, what: str) -> object:
    """A JSON file's parsed content; ``KeyStoreError`` naming ``what`` when unreadable or not JSON."""
    try:
        return json.loads(Path(path).read_bytes())
    except FileNotFoundError as exc:
        raise KeyStoreError(f"{what} {path} not found") from exc
    except OSError as exc:
        raise KeyStoreError(f"cannot read {what} {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise KeyStoreError(f"{path} is not a {what} (not JSON)") from exc


def write_json_file(path: Path, doc: Mapping[str, object], what: str, overwrite: bool = False,
                    mode: int = 0o600) -> None:
    """Write ``doc`` as JSON atomically (``mode``); refuses to replace an existing file unless ``overwrite``."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise KeyStoreError(f"{path} exists; choose another file or allow overwriting")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps(doc, indent=1, sort_keys=True).encode("ascii"), mode=mode)
    except OSError as exc:
        raise KeyStoreError(f"cannot write {what} {path}: {exc.strerror}") from exc


def write_backup(keys: KeyMaterial, path: Path, passphrase: str, log2_n: int = DEFAULT_LOG2_N,
                 overwrite: bool = False) -> None:
    """Encrypt ``keys`` under ``passphrase`` into ``path`` (0600); refuses weak passphrases."""
    check_passphrase(passphrase, "backup")
    doc = passphrase_seal(keys.to_json(), passphrase, BACKUP_FORMAT, log2_n=log2_n)
    write_json_file(path, doc, "key backup", overwrite=overwrite)


def read_backup(path: Path, passphrase: str) -> KeyMaterial:
    """Decrypt a backup; ``KeyStoreError`` for a wrong passphrase, a damaged or foreign file."""
    doc = read_json_file(path, "key backup")
    plain = passphrase_open(doc, passphrase, BACKUP_FORMAT, where=f"key backup {path}")
    return KeyMaterial.from_json(plain, where=f"key backup {path}")
