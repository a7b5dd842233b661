"""Named face banks (watch lists): enrol a person's face, refuse duplicates, search 1:N, withdraw.

Built on what storage already has for the kiosk's duplicate search, so a face bank gets the same
protection as a session: one identity is one recorded session (mode ``facebank``, kiosk id
``facebank:<list>``) holding its encrypted templates (and, optionally, its encrypted enrolment images and
label), sealed and announced by its ``decision`` audit event; withdrawal is an audited erasure.
Each identity is also filed under its (owner, list) in the store (``storage.bank_lists``), and 1:N search runs on
an in-memory index of the list (``kiosk.facebank_index``): one matrix product, whatever the other lists hold.

Every identity has an owner, written in its sealed ``checks`` (``facebank.owner``): ``api:<key id>`` for the
API key that enrolled it (or that ``kiosk facebank add --owner`` named), ``site`` for a list enrolled at the
kiosk. A list is the pair (owner, name): two keys' lists called ``vip`` are two lists, and search,
duplicate refusal and withdrawal see only the caller's own. Entries from before owners were recorded belong
to the API key that enrolled them, or else to the site.

Templates follow the storage retention (``templates_days``, 30 days by default): a face bank meant to
last longer needs that period raised for the site.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from storage import (
    BankMembership,
    DecisionInput,
    IdentityFields,
    ImageEvidence,
    SessionRecord,
    Storage,
    TemplateEvidence,
)

from kiosk.errors import BadInputError, UserFacingError
from kiosk.face_session import FaceEngine
from kiosk.facebank_index import BankIndex, unit

log = logging.getLogger(__name__)

FACEBANK_MODE = "facebank"
SITE_OWNER = "site"
_LIST = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".jp2", ".j2k")


class DuplicateIdentityError(UserFacingError):
    """The face is already enrolled in this list above the 1:N threshold."""

    def __init__(self, identity_id: str, score: float) -> None:
        self.identity_id = identity_id
        self.score = score
        super().__init__(f"this face is already enrolled as identity {identity_id} (cosine {score:.3f})")


@dataclass(frozen=True)
class Hit:
    """One identity of a list with its best template's cosine to the probe."""

    identity_id: str
    score: float
    is_match: bool


@dataclass(frozen=True)
class Entry:
    """One enrolled identity as its owner sees it (the label decrypted)."""

    identity_id: str
    list: str
    label: str | None
    enrolled_at: dt.datetime
    templates: int
    images: int


class ListNotFoundError(UserFacingError):
    """The owner has no identity in a list of that name (a list exists while it holds an identity)."""

    def __init__(self, list_name: str) -> None:
        self.list_name = list_name
        super().__init__(f"no face-bank list '{list_name}' (a list exists once an identity is enrolled in it, "
                         "and only for the key that enrolled it)")


def _fb(checks: dict[str, object]) -> dict[str, object]:
    fb = checks.get("facebank")
    return fb if isinstance(fb, dict) else {}


def check_list_name(name: str) -> str:
    """A list name: 1-40 lower-case letters, digits, '_' or '-' (it is stored in clear)."""
    if not isinstance(name, str) or not _LIST.match(name):
        raise BadInputError("a face-bank list name is 1-40 lower-case letters, digits, '_' or '-' "
                            f"(got {name!r})")
    return name


def face_vector(engine: FaceEngine, bgr: np.ndarray) -> np.ndarray | None:
    """The embedding of the image's primary face, ``None`` when there is no face."""
    from inference.detect import primary_face

    face = primary_face(engine.detector.detect(bgr), bgr.shape)
    if face is None:
        return None
    return np.asarray(engine.embedder.embed(bgr, face.landmarks).vector, dtype=np.float32)


def key_owner(key_id: str) -> str:
    """The owner name of an API key's face-bank entries."""
    return f"api:{key_id}"


def owner_of(checks: dict[str, object]) -> str | None:
    """The owner recorded in a face-bank entry's checks. Entries older than owners belong to the API key that
    enrolled them (actor ``api:<key id>``), or else to the site (``kiosk facebank add``)."""
    fb = checks.get("facebank")
    if not isinstance(fb, dict):
        return None
    owner = fb.get("owner")
    if owner is None:
        actor = fb.get("actor")
        owner = actor if isinstance(actor, str) and actor.startswith("api:") else SITE_OWNER
    return owner if isinstance(owner, str) else None


class FaceBank:
    """Face-bank operations on an open storage, for one owner's lists.

    ``index``: the process's in-memory 1:N index (the API shares one across requests); a FaceBank made without one
    builds its own, loaded at its first search."""

    def __init__(self, storage: Storage, owner: str = SITE_OWNER, threshold: float | None = None,
                 index: BankIndex | None = None) -> None:
        self.storage = storage
        self.owner = owner
        self.threshold = storage.config.duplicate_threshold if threshold is None else threshold
        self.index = index if index is not None else BankIndex()

    def exists(self, list_name: str) -> bool:
        """Whether the owner has at least one identity in ``list_name`` (one indexed read)."""
        return self.storage.banks.exists(self.owner, check_list_name(list_name))

    def members(self, list_name: str) -> set[str]:
        """Identity ids enrolled in this owner's ``list_name`` (confirmed by their sealed checks)."""
        _, ids = self.storage.banks.page(self.owner, check_list_name(list_name), 0, 2 ** 62)
        return set(self._confirmed(ids))

    def _confirmed(self, ids: list[str], from_index: bool = True) -> list[str]:
        """``ids`` whose sealed checks name this owner, in the given order. ``from_index``: the ids came from the
        store's list index, which is derived data, so one it files under the wrong owner is logged and never shown."""
        checks = self.storage.decisions.checks_of_ids(ids)
        out = [i for i in ids if i in checks and checks[i][0] == FACEBANK_MODE and owner_of(checks[i][1]) == self.owner]
        if from_index and len(out) != len(ids):
            log.warning("face bank: %d identity(ies) left out: withdrawn meanwhile, or filed under an owner their "
                        "sealed record does not name (then run 'kiosk audit verify')", len(ids) - len(out))
        return out

    def search(self, list_name: str, vector: np.ndarray, k: int, must_exist: bool = False) -> list[Hit]:
        """The ``k`` most similar identities of the owner's list, best first (one entry per identity);
        ``ListNotFoundError`` for an empty or unknown list when ``must_exist``."""
        check_list_name(list_name)
        ranked = self.index.search(self.storage, self.owner, list_name, vector, k)
        if not ranked:
            if must_exist and not self.exists(list_name):
                raise ListNotFoundError(list_name)
            return []
        mine = set(self._confirmed([sid for sid, _ in ranked]))
        return [Hit(sid, round(score, 6), score >= self.threshold) for sid, score in ranked if sid in mine]

    def enrol(self, list_name: str, vectors: Sequence[np.ndarray], actor: str, label: str | None = None,
              images: Sequence[ImageEvidence] = ()) -> str:
        """Enrol one person (one or more templates) in the owner's list; ``DuplicateIdentityError`` when the
        face is already in that list (another owner's list is neither searched nor named)."""
        check_list_name(list_name)
        if not vectors:
            raise BadInputError("no face to enrol")
        for v in vectors:
            hits = self.search(list_name, v, 1)
            if hits and hits[0].is_match:
                raise DuplicateIdentityError(hits[0].identity_id, hits[0].score)
        now = dt.datetime.now(dt.timezone.utc)
        rec = SessionRecord(
            kiosk_id=f"facebank:{list_name}", mode=FACEBANK_MODE, started_at=now, ended_at=now,
            decision=DecisionInput("accept", (), "facebank-1"),
            # A random per-person "document" groups the person's templates (storage keeps only its keyed hash).
            issuing_state="FACEBANK", document_number=uuid.uuid4().hex,
            identity=IdentityFields(surname=label, given_names="") if label else None,
            checks={"facebank": {"list": list_name, "templates": len(vectors), "actor": actor,
                                 "owner": self.owner, "enrolled_at": now.isoformat()}},
            images=list(images), templates=[TemplateEvidence("live", v) for v in vectors],
            counts_as_failure=False, bank=BankMembership(self.owner, list_name))
        done = self.storage.decisions.record_session(rec)
        self.index.enrolled(self.owner, list_name, done.session_id, vectors, done.bank_generation)
        return done.session_id

    def page(self, list_name: str, offset: int, limit: int) -> tuple[int, list[str]]:
        """``(total, ids)``: one page of the owner's list, oldest enrolment first (then by id, so pages are
        stable); ``ListNotFoundError`` when the owner has no such list."""
        total, ids = self.storage.banks.page(self.owner, check_list_name(list_name), offset, limit)
        if not total:
            raise ListNotFoundError(list_name)
        return total, self._confirmed(ids)

    def entry(self, identity_id: str, actor: str, any_owner: bool = False) -> Entry:
        """One identity with its label (decrypted: audited as ``session_viewed``); ``KeyError`` when there is
        no such face-bank entry of this owner (``any_owner``: of anyone, for an administrator)."""
        origin = self.storage.decisions.session_origin(identity_id)
        if origin is None or origin[1] != FACEBANK_MODE or not (any_owner or self.owns(identity_id)):
            raise KeyError(identity_id)
        detail = self.storage.decisions.load_session(identity_id, actor=actor)
        fb = _fb(detail.checks)
        label = detail.identity.surname if detail.identity is not None else None
        return Entry(identity_id, str(fb.get("list", origin[0].split(":", 1)[-1])), label or None,
                     detail.summary.started_at, int(fb.get("templates", 0)),
                     sum(1 for i in detail.images if i.kind == "dg2"))

    def labels(self, identity_ids: Sequence[str], actor: str) -> dict[str, str | None]:
        """The labels of some of the owner's identities (each read audited as ``session_viewed``)."""
        out: dict[str, str | None] = {}
        for sid in identity_ids:
            try:
                out[sid] = self.entry(sid, actor).label
            except KeyError:  # withdrawn between the search and now
                out[sid] = None
        return out

    def verify(self, identity_id: str, vector: np.ndarray) -> float | None:
        """1:1: the best cosine between ``vector`` and the identity's templates (``KeyError`` when it is not the
        owner's; ``None`` when its templates are gone, e.g. past the template retention period)."""
        if not self.owns(identity_id):
            raise KeyError(identity_id)
        q = unit(vector)
        scores = [float(unit(v) @ q) for v in self.storage.banks.vectors(identity_id) if v.size == q.size]
        return max(scores, default=None)

    def owns(self, identity_id: str) -> bool:
        """Whether ``identity_id`` is a face-bank entry of this owner (its sealed checks say so)."""
        return bool(self._confirmed([identity_id], from_index=False)) if isinstance(identity_id, str) else False

    def remove(self, identity_id: str, actor: str, any_owner: bool = False) -> None:
        """Withdraw an identity (its templates, images and record), audited; ``KeyError`` when there is no
        such face-bank entry of this owner (``any_owner``: of anyone, for an administrator)."""
        origin = self.storage.decisions.session_origin(identity_id)
        if origin is None or origin[1] != FACEBANK_MODE or not (any_owner or self.owns(identity_id)):
            raise KeyError(identity_id)
        where = self.storage.banks.membership(identity_id)
        before = self.storage.banks.generation(where.owner, where.list_name) if where is not None else 0
        self.storage.retention.erase_session(identity_id, actor, "face-bank identity withdrawn")
        if where is not None:
            after = self.storage.banks.generation(where.owner, where.list_name)
            self.index.withdrawn(where.owner, where.list_name, identity_id, before, after)


@dataclass(frozen=True)
class BulkReport:
    """What ``kiosk facebank add`` did."""

    enrolled: dict[str, str]  # person folder -> identity id
    duplicates: dict[str, str]  # person folder -> existing identity id
    skipped: dict[str, str]  # person folder -> why


def bulk_enrol(bank: FaceBank, engine: FaceEngine, folder: Path, list_name: str, actor: str,
               keep_images: bool = False) -> BulkReport:
    """Enrol every sub-folder of ``folder`` as one person (its images' faces as templates; label = folder name)."""
    from inference.errors import BadImageError
    from inference.image import read_image

    check_list_name(list_name)
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInputError(f"{folder} is not a folder (expected one sub-folder per person)")
    people = sorted(p for p in folder.iterdir() if p.is_dir())
    if not people:
        raise BadInputError(f"{folder} has no sub-folders (expected one sub-folder per person)")
    enrolled: dict[str, str] = {}
    duplicates: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for person in people:
        vectors, images = [], []
        for path in sorted(p for p in person.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
            try:
                bgr = read_image(path)
            except BadImageError as exc:
                skipped.setdefault(person.name, f"{path.name}: {exc}")
                continue
            v = face_vector(engine, bgr)
            if v is not None:
                vectors.append(v)
                if keep_images:
                    images.append(ImageEvidence("dg2", path.read_bytes(), "image/jpeg" if path.suffix.lower() in (
                        ".jpg", ".jpeg") else "image/png"))
        if not vectors:
            skipped.setdefault(person.name, "no image with a face")
            continue
        try:
            enrolled[person.name] = bank.enrol(list_name, vectors, actor, label=person.name, images=images)
        except DuplicateIdentityError as exc:
            duplicates[person.name] = exc.identity_id
    return BulkReport(enrolled, duplicates, skipped)
