"""Evidence sealed to the back office's public key (HPKE, RFC 9180), so a stolen kiosk cannot read it.

Suite: base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, from ``cryptography``'s own
``hazmat.primitives.hpke`` (since 47.0; no second crypto library). Each call makes a fresh ephemeral
key pair, so the kiosk that sealed a blob holds nothing that opens it: only the back office's X25519
private key does. The kiosk's own secrets (data, audit, document-HMAC and signing keys in keys.json)
play no part.

Binding: the HPKE ``info`` (which RFC 9180 section 8.1 names as the place for a single-shot API's
context) is ``storage.crypto.aad("sealed-evidence", kiosk id, session id, evidence id, kind,
back-office key id)``; it enters the key schedule, so a blob copied to another row, kiosk, kind or
key id derives another key and fails to open (``DamagedBlobError``).

Blob layout: ``b"IKH1" || len(key id) (1 byte) || key id (ASCII) || enc (32 bytes) || ciphertext || tag``;
the key id in front says which back-office private key opens it (after a rotation the back office keeps
the old private keys for the old blobs). Key ids are ``bo-`` + the first 16 hex digits of SHA-256 of the
raw public key, so a public key file cannot name another key's id.
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from storage.crypto import aad
from storage.errors import StorageError

SUITE = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)
SUITE_NAME = "HPKE base, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM"
MAGIC = b"IKH1"
ENC_LEN = 32  # X25519 encapsulated key (RFC 9180 section 7.1: Nenc)
TAG_LEN = 16


class SealingError(StorageError):
    """Base of the sealed-evidence errors."""


class BackofficeKeyMissingError(SealingError):
    """No back-office public key is recorded on this kiosk, or a back-office key file is missing."""


class UnknownKeyIdError(SealingError):
    """A blob names a back-office key id whose private key the reviewer does not hold."""


class WrongKeyError(SealingError):
    """A private key is not the key its id says (wrong file, wrong passphrase, or an edited file)."""


class DamagedBlobError(SealingError):
    """A sealed blob is not in the format, or fails authentication (altered, or moved to another row)."""


def key_id_of(public_key: X25519PublicKey) -> str:
    """The back-office key id of a public key: ``bo-`` + 16 hex digits of SHA-256 over its raw bytes."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "bo-" + hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class BackofficePublicKey:
    """The key evidence is sealed to, with its id (derived from the key, see :func:`key_id_of`)."""

    key_id: str
    key: X25519PublicKey

    @staticmethod
    def from_b64(public_key_b64: str, key_id: str | None = None) -> "BackofficePublicKey":
        """Parse a raw X25519 public key (base64); ``WrongKeyError`` when ``key_id`` is given and is not its id."""
        try:
            raw = base64.b64decode(public_key_b64, validate=True)
            key = X25519PublicKey.from_public_bytes(raw)
        except ValueError as exc:
            raise WrongKeyError("the back-office public key is not 32 bytes of base64 (X25519)") from exc
        kid = key_id_of(key)
        if key_id is not None and key_id != kid:
            raise WrongKeyError(f"the back-office public key's id is {kid}, not {key_id} as its file says "
                                f"(edited or damaged file): take the .pub file again from 'kiosk backoffice keygen'")
        return BackofficePublicKey(kid, key)

    def b64(self) -> str:
        """The raw public key, base64."""
        return base64.b64encode(self.key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


class PrivateKeySource(Protocol):
    """Where the back office's private keys come from (``storage.backoffice_keys.BackofficeKeyring``)."""

    def private_key(self, key_id: str) -> X25519PrivateKey:
        """The private key of ``key_id``; ``UnknownKeyIdError`` when it is not held."""
        ...


def sealing_info(kiosk_id: str, session_id: str, evidence_id: str, kind: str, key_id: str) -> bytes:
    """The HPKE ``info`` that binds a sealed blob to its place (length-prefixed, unambiguous)."""
    return aad("sealed-evidence", kiosk_id, session_id, evidence_id, kind, key_id)


def blob_key_id(blob: bytes) -> str:
    """The back-office key id a sealed blob names; ``DamagedBlobError`` when it is not a sealed blob."""
    if len(blob) < len(MAGIC) + 2 or blob[:4] != MAGIC:
        raise DamagedBlobError("not a sealed evidence blob (bad magic or too short)")
    n = blob[4]
    if n == 0 or len(blob) < 5 + n + ENC_LEN + TAG_LEN:
        raise DamagedBlobError("sealed evidence blob truncated")
    try:
        return blob[5:5 + n].decode("ascii")
    except UnicodeDecodeError as exc:
        raise DamagedBlobError("sealed evidence blob names a key id that is not ASCII") from exc


def seal_evidence(plaintext: bytes, *, public_key: BackofficePublicKey, kiosk_id: str, session_id: str,
                  evidence_id: str, kind: str) -> bytes:
    """Seal ``plaintext`` to the back office's ``public_key``, bound to (kiosk, session, evidence id, kind, key id)."""
    kid = public_key.key_id.encode("ascii")
    info = sealing_info(kiosk_id, session_id, evidence_id, kind, public_key.key_id)
    return MAGIC + bytes([len(kid)]) + kid + SUITE.encrypt(plaintext, public_key.key, info=info)


def _lookup(private_keys: PrivateKeySource | Mapping[str, X25519PrivateKey], key_id: str) -> X25519PrivateKey:
    if isinstance(private_keys, Mapping):
        key = private_keys.get(key_id)
        if key is None:
            raise UnknownKeyIdError(f"the blob is sealed to back-office key {key_id}, which is not among the "
                                    f"keys given ({', '.join(sorted(private_keys)) or 'none'})")
        return key
    return private_keys.private_key(key_id)


def open_evidence(blob: bytes, *, private_keys: PrivateKeySource | Mapping[str, X25519PrivateKey], kiosk_id: str,
                  session_id: str, evidence_id: str, kind: str) -> bytes:
    """Open a blob made by :func:`seal_evidence` for the same place; the key is chosen by the blob's key id.

    ``UnknownKeyIdError``: that key is not held; ``WrongKeyError``: the key held under that id is another
    key; ``DamagedBlobError``: bad format, or authentication failed (altered, or not this row's blob).
    """
    kid = blob_key_id(blob)
    key = _lookup(private_keys, kid)
    if key_id_of(key.public_key()) != kid:
        raise WrongKeyError(f"the private key given for back-office key {kid} is another key "
                            f"(id {key_id_of(key.public_key())}): check the key folder")
    try:
        return SUITE.decrypt(blob[5 + len(kid):], key, info=sealing_info(kiosk_id, session_id, evidence_id, kind, kid))
    except (InvalidTag, ValueError) as exc:
        raise DamagedBlobError(
            f"sealed evidence {evidence_id} (kiosk {kiosk_id}, session {session_id}, {kind}) fails authentication "
            f"under key {kid}: the blob was altered or belongs to another row") from exc
