"""Chain-head anchors kept outside the database, so rolling the whole database back is detected.

An in-database chain cannot tell an old copy of the database from the current one: both are
internally consistent. An *anchor* remembers the newest ``(seq, mac)`` this kiosk appended; when the
database's chain ends before that seq, or holds a different MAC at that seq, the database was
rolled back or replaced. :class:`FileHeadAnchor` is a small JSON file beside the database (the
default ``audit_head.json`` in the data folder), rewritten atomically after each commit that
appended events. A central copy (a back-office service) implements the same :class:`HeadAnchor`
protocol and is added to the list ``open_storage`` builds; verification checks every anchor.

Limits (stated in the README): an anchor written after the commit can lag by the last transaction
after a crash (a lagging anchor is accepted; only an anchor *ahead of* or *different from* the
database fails); someone who rolls back the database *and* the head file together (one old
backup of the whole data folder) is caught only by a copy they cannot reach (the central store).
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from storage._fs import atomic_write

log = logging.getLogger(__name__)

HEAD_FORMAT = "idkiosk-audit-head/2"
LEGACY_HEAD_FORMAT = "idkiosk-audit-head/1"  # before the head was authenticated: read, never written


@dataclass(frozen=True)
class AnchoredHead:
    """A chain head: its counter ``seq`` (events so far), the last event's ``mac``, and ``head_mac``, the
    head record's own HMAC under audit key ``key_id`` (``storage.audit.head_mac``; ``None`` in a legacy file)."""

    seq: int
    mac: str
    head_mac: str | None = None
    key_id: str | None = None


class HeadAnchor(Protocol):
    """A place outside the database that remembers the chain head (file, central store...)."""

    def publish(self, head: AnchoredHead) -> None:
        """Remember ``head`` if it is newer than what is remembered (never moves backwards)."""
        ...

    def read(self) -> AnchoredHead | None:
        """The remembered head, ``None`` if nothing was ever published; raises ``ValueError`` if unreadable."""
        ...

    def describe(self) -> str:
        """Where the anchor lives, for messages (a path or a URL without credentials)."""
        ...

    def reset(self, head: AnchoredHead) -> None:
        """Overwrite the remembered head, even with an older one (after an accepted database restore)."""
        ...


class FileHeadAnchor:
    """A JSON head file, mode 0600, replaced atomically under an ``flock`` so it only moves forward."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def describe(self) -> str:
        """The head file's path."""
        return str(self.path)

    def exists(self) -> bool:
        """Whether the head file exists."""
        return self.path.exists()

    def read(self) -> AnchoredHead | None:
        """Parse the head file."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        doc = json.loads(raw)  # ValueError when garbled: the caller reports it
        if not isinstance(doc, dict) or doc.get("format") not in (HEAD_FORMAT, LEGACY_HEAD_FORMAT):
            raise ValueError(f"not a {HEAD_FORMAT} file")
        seq, mac = doc.get("seq"), doc.get("mac")
        if not isinstance(seq, int) or not isinstance(mac, str) or len(mac) != 64:
            raise ValueError("seq or mac missing")
        if doc["format"] == LEGACY_HEAD_FORMAT:
            return AnchoredHead(seq, mac)  # unauthenticated: Integrity.check_anchors says so
        head_mac, kid = doc.get("head_mac"), doc.get("key_id")
        if not isinstance(head_mac, str) or not isinstance(kid, str):
            raise ValueError("head_mac or key_id missing")
        return AnchoredHead(seq, mac, head_mac, kid)

    def reset(self, head: AnchoredHead) -> None:
        """Overwrite the head file with ``head`` (``kiosk audit reanchor``)."""
        self.publish(head, force=True)

    def publish(self, head: AnchoredHead, force: bool = False) -> None:
        """Write ``head`` unless the file already records this seq or a later one (or ``force``)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock_path = self.path.with_name(f".{self.path.name}.lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            # Two processes commit seq 10 and 11 and race to write: the lock plus the "only forward"
            # rule keep the file from going back to 10.
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = self.read()
            except ValueError:
                current = None
            # A legacy (unauthenticated) file at the same seq is replaced by the authenticated head.
            if current is not None and current.seq >= head.seq and not force and \
                    (current.head_mac is not None or head.head_mac is None or current.seq > head.seq):
                return
            if head.head_mac is None or head.key_id is None:
                raise ValueError("refusing to anchor an unauthenticated head")
            doc = {"format": HEAD_FORMAT, "seq": head.seq, "mac": head.mac, "head_mac": head.head_mac,
                   "key_id": head.key_id}
            atomic_write(self.path, json.dumps(doc, sort_keys=True).encode("ascii") + b"\n", mode=0o600)
        finally:
            os.close(fd)
