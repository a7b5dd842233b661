"""Encrypted blob store for evidence images: one file per image, never plaintext on disk.

File layout: ``b"IKB1" || len(key id) (1 byte) || key id (ASCII) || nonce || ciphertext || tag``
(AES-256-GCM, see ``storage.crypto``). The associated data is supplied by the caller and names the
image row, its session and its kind, so a file renamed onto another image id fails to decrypt.
Files are written through a temporary file, fsynced, renamed and the folder fsynced
(``storage._fs.atomic_write``), so a crash leaves either no file or the whole file, and a file
that ``put`` returned for survives power loss. Plaintext only ever exists in memory.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from storage._fs import atomic_write, fsync_dir
from storage.crypto import FieldCipher, aad
from storage.errors import BlobError, DecryptionError, KeyStoreError

MAGIC = b"IKB1"
_ID = re.compile(r"^[0-9a-f]{32}$")


def image_aad(image_id: str, session_id: str, kind: str) -> bytes:
    """Associated data of an image blob: its image row, session and kind (a file moved elsewhere fails)."""
    return aad("images.blob", image_id, session_id, kind)


def encode_blob(key_id: str, sealed: bytes) -> bytes:
    """Frame a sealed value with the magic and key id."""
    kid = key_id.encode("ascii")
    if not 0 < len(kid) < 256:
        raise BlobError("key id must be 1..255 ASCII characters")
    return MAGIC + bytes([len(kid)]) + kid + sealed


def decode_blob(raw: bytes) -> tuple[str, bytes]:
    """``(key id, sealed)`` from a blob file's bytes; ``BlobError`` when it is not a blob."""
    if len(raw) < len(MAGIC) + 2 or raw[:4] != MAGIC:
        raise BlobError("not an idkiosk blob (bad magic or too short)")
    n = raw[4]
    if n == 0 or len(raw) < 5 + n + 28:
        raise BlobError("blob truncated")
    try:
        kid = raw[5 : 5 + n].decode("ascii")
    except UnicodeDecodeError as exc:
        raise BlobError("blob key id is not ASCII") from exc
    return kid, raw[5 + n :]


class BlobStore:
    """Files under ``root/<first 2 hex>/<id>.blob``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def path_for(self, blob_id: str) -> Path:
        """Where a blob id lives (ids are 32 lowercase hex characters)."""
        if not _ID.match(blob_id):
            raise BlobError(f"invalid blob id {blob_id!r}")
        return self.root / blob_id[:2] / f"{blob_id}.blob"

    def put(self, blob_id: str, plaintext: bytes, associated: bytes, cipher: FieldCipher) -> str:
        """Encrypt and durably write; returns the key id used."""
        kid, sealed = cipher.encrypt(plaintext, associated)
        path = self.path_for(blob_id)
        created = not path.parent.exists()
        path.parent.mkdir(exist_ok=True, mode=0o700)
        if created:
            fsync_dir(self.root)
        try:
            atomic_write(path, encode_blob(kid, sealed))
        except OSError as exc:
            raise BlobError(f"cannot write blob {blob_id}: {exc.strerror}") from exc
        return kid

    def read_raw(self, blob_id: str) -> tuple[str, bytes]:
        """``(key id, sealed)`` of a stored blob."""
        try:
            raw = self.path_for(blob_id).read_bytes()
        except FileNotFoundError as exc:
            raise BlobError(f"blob {blob_id} is missing") from exc
        except OSError as exc:
            raise BlobError(f"cannot read blob {blob_id}: {exc.strerror}") from exc
        return decode_blob(raw)

    def get(self, blob_id: str, associated: bytes, cipher: FieldCipher) -> bytes:
        """Read and decrypt a blob."""
        kid, sealed = self.read_raw(blob_id)
        return cipher.decrypt(kid, sealed, associated)

    def problem(self, blob_id: str, session_id: str, kind: str, size: int, cipher: FieldCipher) -> str | None:
        """``None`` when the blob authenticates against its image row (AES-GCM with the row's id, session
        and kind as associated data) and holds ``size`` bytes, else what is wrong, in words.

        A file swapped with another session's, a flipped byte, an emptied or a deleted file each fail here:
        what ``kiosk audit verify`` checks so that loading evidence at review is not the first to notice.
        """
        try:
            plain = self.get(blob_id, image_aad(blob_id, session_id, kind), cipher)
        except BlobError as exc:
            return str(exc)
        except DecryptionError:
            return "fails authentication (altered, or another image's file put in its place)"
        except KeyStoreError as exc:
            return f"cannot be checked: {exc}"
        if len(plain) != size:
            return f"holds {len(plain)} bytes where its row records {size}"
        return None

    def delete(self, blob_id: str) -> bool:
        """Remove a blob file (and make the removal durable); ``False`` if it was already gone."""
        path = self.path_for(blob_id)
        try:
            os.unlink(path)
        except FileNotFoundError:
            return False
        fsync_dir(path.parent)
        return True

    def scan_partial(self) -> Iterator[tuple[Path, datetime]]:
        """Temporary files a crash left mid-write (ciphertext only; safe to delete once old)."""
        for f in self.root.glob("*/.*.tmp"):
            try:
                yield f, datetime.fromtimestamp(f.stat().st_mtime, timezone.utc)
            except FileNotFoundError:
                continue

    def scan(self) -> Iterator[tuple[str, datetime]]:
        """Every stored blob id with its file modification time (UTC); for orphan sweeps and rotation."""
        for sub in sorted(self.root.iterdir()):
            if not sub.is_dir():
                continue
            for f in sub.glob("*.blob"):
                blob_id = f.stem
                if _ID.match(blob_id):
                    try:
                        mtime = f.stat().st_mtime
                    except FileNotFoundError:
                        continue
                    yield blob_id, datetime.fromtimestamp(mtime, timezone.utc)
