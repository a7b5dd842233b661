"""Signed chain heads: what lets the central store verify a kiosk's audit chain without its audit key.

The local chain is an HMAC chain (``storage.audit``): only the audit key's holder can check it, and
that key must never leave the kiosk. So the kiosk also signs, with Ed25519 (RFC 8032), the head of
a *public* hash chain that anyone can recompute from the pushed events (``storage.central.chain``:
SHA-256 over each event and the previous hash). The centre recomputes the chain from its copy of the
events and checks the signature with the kiosk's registered public key; an event edited, inserted or
deleted centrally changes the hash and the signature no longer matches.

Key: the kiosk's existing Ed25519 export-signing key (``KeyMaterial.export_signing_seed``). Towards the
centre its key id is :func:`key_fingerprint` of the public key, never a free-text name, so one public key
has exactly one id everywhere and a revocation of it cannot be sidestepped by naming it differently. It already is the kiosk's identity towards the back office, lives in keys.json or
the OS keystore, is in ``kiosk keys backup`` and is covered by the key-loss refusal, so heads need no
new secret. Domain separation: a head message starts with ``idkiosk-head/1`` and a newline, while
every signed export line is a JSON object (it starts with ``{``), so one can never pass as the other.

Signed message: ``b"idkiosk-head/1\\n" + json([kiosk_id, seq, chain_hash])`` (no spaces, ASCII).

The same key signs exported chip evidence (``kiosk evidence export``, :func:`sign_evidence`): those
messages start with ``idkiosk-chip-evidence/1`` and a newline, so none can pass for a head or an export line.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from storage.errors import StorageError, StorageInputError
from storage.keys import KeyMaterial

HEAD_DOMAIN = b"idkiosk-head/1\n"
_HASH = re.compile(r"^[0-9a-f]{64}$")


class MalformedKeyError(StorageError):
    """A registered kiosk public key is not a raw Ed25519 public key in base64."""


class HeadSignatureError(StorageError):
    """A signed chain head does not verify under the kiosk's registered key."""


def head_message(kiosk_id: str, seq: int, chain_hash: str) -> bytes:
    """The bytes a head signature covers; ``StorageInputError`` for an empty kiosk id, a negative seq or a
    chain hash that is not 64 lowercase hex digits (signing something unparseable would help nobody)."""
    if not kiosk_id or not isinstance(seq, int) or seq < 0 or not _HASH.match(chain_hash):
        raise StorageInputError("a chain head needs a kiosk id, a seq >= 0 and a 64-hex-digit chain hash")
    return HEAD_DOMAIN + json.dumps([kiosk_id, seq, chain_hash], separators=(",", ":"),
                                    ensure_ascii=True).encode("ascii")


FINGERPRINT_PREFIX = "ed-"


def key_fingerprint(public_key_b64: str) -> str:
    """The key id of an Ed25519 public key: ``ed-`` + the first 24 hex digits (96 bits) of SHA-256 over
    the raw 32 bytes. ``MalformedKeyError`` unless ``public_key_b64`` is such a key."""
    load_public_key(public_key_b64)
    raw = base64.b64decode(public_key_b64, validate=True)
    return FINGERPRINT_PREFIX + hashlib.sha256(raw).hexdigest()[:24]


def _signing_key(keys: KeyMaterial) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(keys.export_signing_seed)


def head_signing_public_key(keys: KeyMaterial) -> tuple[str, str]:
    """``(key id, raw Ed25519 public key as base64)`` of the kiosk's head-signing key, for registration;
    the key id is the key's fingerprint (:func:`key_fingerprint`)."""
    raw = _signing_key(keys).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    public_b64 = base64.b64encode(raw).decode("ascii")
    return key_fingerprint(public_b64), public_b64


def sign_head(keys: KeyMaterial, kiosk_id: str, seq: int, chain_hash: str) -> tuple[str, str]:
    """``(key id, signature base64)`` over :func:`head_message`; the key id is the fingerprint."""
    sig = _signing_key(keys).sign(head_message(kiosk_id, seq, chain_hash))
    return head_signing_public_key(keys)[0], base64.b64encode(sig).decode("ascii")


EVIDENCE_DOMAIN = b"idkiosk-chip-evidence/1\n"


def sign_evidence(keys: KeyMaterial, body: bytes) -> tuple[str, str, str]:
    """``(key id, public key base64, signature base64)`` of the kiosk's signature over exported evidence
    (``EVIDENCE_DOMAIN + body``)."""
    sig = _signing_key(keys).sign(EVIDENCE_DOMAIN + body)
    key_id, public_b64 = head_signing_public_key(keys)
    return key_id, public_b64, base64.b64encode(sig).decode("ascii")


def verify_evidence(public_key_b64: str, body: bytes, signature_b64: str) -> bool:
    """Whether ``signature_b64`` is the signature of ``body`` as exported evidence under that key; a malformed
    key raises ``MalformedKeyError``, a malformed signature is simply not valid."""
    key = load_public_key(public_key_b64)
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), EVIDENCE_DOMAIN + body)
    except (InvalidSignature, ValueError, binascii.Error, TypeError):
        return False
    return True


def load_public_key(public_key_b64: str) -> Ed25519PublicKey:
    """A registered kiosk key; ``MalformedKeyError`` unless it is 32 bytes of base64."""
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
    except (ValueError, binascii.Error, TypeError) as exc:
        raise MalformedKeyError("the kiosk public key is not a raw Ed25519 public key in base64 (32 bytes); "
                                "register it again from 'kiosk fleet register'") from exc


def verify_head(public_key_b64: str, kiosk_id: str, seq: int, chain_hash: str, signature_b64: str) -> bool:
    """Whether ``signature_b64`` is the kiosk's signature of this head. A malformed signature or head is
    simply not valid (``False``); a malformed *key* raises ``MalformedKeyError`` (the registry is wrong)."""
    key = load_public_key(public_key_b64)
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), head_message(kiosk_id, seq, chain_hash))
    except (InvalidSignature, ValueError, binascii.Error, TypeError, StorageInputError):
        return False
    return True


def verify_signed_head(public_key_b64: str, kiosk_id: str, seq: int, chain_hash: str, signature_b64: str) -> None:
    """:func:`verify_head`, but a bad head raises ``HeadSignatureError`` naming the kiosk and seq."""
    if not verify_head(public_key_b64, kiosk_id, seq, chain_hash, signature_b64):
        raise HeadSignatureError(f"the signed chain head of kiosk {kiosk_id} at seq {seq} does not verify under "
                                 f"its registered key: the events up to seq {seq} or the head were altered")
