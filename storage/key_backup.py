"""Passphrase-protected key backups (``kiosk keys backup`` / ``restore``).

File format (JSON, written atomically with mode 0600)::

    {"format": "idkiosk-key-backup/1",
     "kdf": {"name": "scrypt", "log2_n": 17, "r": 8, "p": 1, "salt": b64(16 bytes)},
     "nonce": b64(12 bytes), "ciphertext": b64(AES-256-GCM(key file JSON))}

The key is scrypt(passphrase) (RFC 7914; N = 2**17, r = 8 uses 128 MiB, about a second here, so
guessing passphrases is slow); the AEAD is AES-256-GCM (NIST SP 800-38D) with the format and KDF
parameters as associated data, so editing the parameters makes the file fail to open rather than
weakening it. Both come from ``cryptography``.
"""
from __future__ import annotations

import base64
import json
import os
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
MIN_PASSPHRASE = 12


def _derive(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=2 ** log2_n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _aad(kdf: dict[str, object]) -> bytes:
    return json.dumps({"format": BACKUP_FORMAT, "kdf": kdf}, sort_keys=True, separators=(",", ":")).encode("ascii")


def write_backup(keys: KeyMaterial, path: Path, passphrase: str, log2_n: int = DEFAULT_LOG2_N,
                 overwrite: bool = False) -> None:
    """Encrypt ``keys`` under ``passphrase`` into ``path`` (0600); refuses weak passphrases."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise KeyStoreError(f"the backup passphrase must have at least {MIN_PASSPHRASE} characters")
    if not MIN_LOG2_N <= log2_n <= 22:
        raise KeyStoreError(f"scrypt cost log2_n must be between {MIN_LOG2_N} and 22")
    path = Path(path)
    if path.exists() and not overwrite:
        raise KeyStoreError(f"{path} exists; choose another file or allow overwriting")
    salt, nonce = os.urandom(16), os.urandom(12)
    kdf: dict[str, object] = {"name": "scrypt", "log2_n": log2_n, "r": 8, "p": 1,
                              "salt": base64.b64encode(salt).decode("ascii")}
    ct = AESGCM(_derive(passphrase, salt, log2_n, 8, 1)).encrypt(nonce, keys.to_json(), _aad(kdf))
    doc = {"format": BACKUP_FORMAT, "kdf": kdf, "nonce": base64.b64encode(nonce).decode("ascii"),
           "ciphertext": base64.b64encode(ct).decode("ascii")}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps(doc, indent=1, sort_keys=True).encode("ascii"), mode=0o600)
    except OSError as exc:
        raise KeyStoreError(f"cannot write key backup {path}: {exc.strerror}") from exc


def read_backup(path: Path, passphrase: str) -> KeyMaterial:
    """Decrypt a backup; ``KeyStoreError`` for a wrong passphrase, a damaged or foreign file."""
    try:
        doc = json.loads(Path(path).read_bytes())
    except OSError as exc:
        raise KeyStoreError(f"cannot read key backup {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise KeyStoreError(f"{path} is not a key backup (not JSON)") from exc
    try:
        if doc.get("format") != BACKUP_FORMAT:
            raise ValueError("format")
        kdf = doc["kdf"]
        if kdf.get("name") != "scrypt" or not MIN_LOG2_N <= int(kdf["log2_n"]) <= 22:
            raise ValueError("kdf")
        salt = base64.b64decode(kdf["salt"], validate=True)
        nonce = base64.b64decode(doc["nonce"], validate=True)
        ct = base64.b64decode(doc["ciphertext"], validate=True)
        key = _derive(passphrase, salt, int(kdf["log2_n"]), int(kdf["r"]), int(kdf["p"]))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KeyStoreError(f"{path} is not a valid {BACKUP_FORMAT} file") from exc
    try:
        plain = AESGCM(key).decrypt(nonce, ct, _aad(kdf))
    except (InvalidTag, ValueError) as exc:
        raise KeyStoreError(f"cannot open key backup {path}: wrong passphrase, or the file was altered") from exc
    return KeyMaterial.from_json(plain, where=f"key backup {path}")
