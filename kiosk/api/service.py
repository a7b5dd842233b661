"""What the API does, without HTTP: the loaded engines, the open storage, the challenge registry, and one
method per operation. Routers parse and call these; model work runs on the bounded engine pool.

Ownership: a verification session is recorded with kiosk id ``api:<key id>``, a face-bank entry with its
owner ``api:<key id>`` (``kiosk.facebank``). A key reads and changes only its own; another key's data, and
the kiosk's own sessions, need the ``admin`` scope. A record the caller may not see is answered like one that
does not exist (404), so ids cannot be probed.

Every operation that reads or writes personal data (a face image, a template, a session) appends an
``api_call`` audit event naming the API key, the endpoint and the outcome (never the data).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from storage import AuditKind, ImageEvidence, Storage
from storage.errors import NotFoundError, StorageError

from kiosk.api.challenges import Challenge, ChallengeRegistry
from kiosk.api.config import ApiConfig
from kiosk.api.errors import ApiError, unprocessable
from kiosk.api.hints import api_report
from kiosk.api.images import DecodedImage, encode_jpeg
from kiosk.api.live import FramesUpload, LiveRun, check_upload, liveness_summary, run_frames, upload_evidence
from kiosk.api.pool import EnginePool
from kiosk.api.remote.tokens import RemoteTokens
from kiosk.face_session import FaceEngine, enrol_portrait
from kiosk.facebank import Entry, ListNotFoundError
from kiosk.facebank_index import BankIndex
from kiosk.policy import PolicyConfig
from kiosk.recording import POLICY_VERSION, record_to

log = logging.getLogger(__name__)

API_KIOSK_PREFIX = "api:"


def _no_identity(identity_id: str) -> ApiError:
    return ApiError(404, "identity_not_found", f"no face-bank identity {identity_id} (wrong id, withdrawn, or "
                    "not enrolled with this API key)")


def _entry_json(e: Entry) -> dict[str, Any]:
    return {"identity_id": e.identity_id, "list": e.list, "label": e.label, "enrolled_at": e.enrolled_at.isoformat(),
            "templates": e.templates, "images": e.images}


def api_kiosk_id(key_id: str) -> str:
    """The kiosk id a key's verification sessions are recorded under: who owns them."""
    return f"{API_KIOSK_PREFIX}{key_id}"


@dataclass
class ApiService:
    """Everything a request handler needs (built once by ``kiosk serve``)."""

    config: ApiConfig
    storage: Storage
    pool: EnginePool
    challenges: ChallengeRegistry
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    info: dict[str, Any] = field(default_factory=dict)
    remote: RemoteTokens = field(default_factory=RemoteTokens)  # streamed sessions' single-use tokens
    bank_index: BankIndex = field(default_factory=BankIndex)  # face-bank lists' templates, loaded once per list

    # ------------------------------------------------------------------ audit
    async def audit(self, key: Any, endpoint: str, details: dict[str, Any] | None = None,
                    session_id: str | None = None) -> None:
        """Append an ``api_call`` event (key id, endpoint, outcome; no personal data), off the event loop
        (the commit is fsynced)."""
        from starlette.concurrency import run_in_threadpool

        await run_in_threadpool(self.storage.audit.record, AuditKind.API_CALL, f"api:{key.key_id}",
                                {"key_id": key.key_id, "endpoint": endpoint, **(details or {})}, session_id)

    def _limits(self) -> tuple[int, int]:
        return self.config.max_image_bytes, self.config.max_image_pixels

    # ------------------------------------------------------------------ 1:1
    async def quality(self, key: Any, image: DecodedImage) -> dict[str, Any]:
        """The live quality report of one image, with the customer hints."""
        def work(engine: FaceEngine) -> dict[str, Any]:
            from kiosk.verify import fit_frame

            engine.pipeline.reset()
            a = engine.pipeline.process(fit_frame(image.bgr), 0.0)
            report = api_report(a.quality.to_dict())
            return {"face_found": a.face is not None, "faces": a.faces_count, "passed": report["passed"],
                    "score": report["score"], "hints": report["hints"], "report": report}

        out = await self.pool.run(work)
        await self.audit(key, "quality", {"passed": out["passed"]})
        return out

    async def compare(self, key: Any, reference: DecodedImage, probe: DecodedImage, reference_kind: str
                      ) -> dict[str, Any]:
        """Cosine of two faces (the reference may be a DG2 portrait), the policy's thresholds and the band."""
        from kiosk.facebank import face_vector

        def work(engine: FaceEngine) -> tuple[Any, Any]:
            return face_vector(engine, reference.bgr), face_vector(engine, probe.bgr)

        ref, prb = await self.pool.run(work)
        for name, v in (("reference", ref), ("probe", prb)):
            if v is None:
                await self.audit(key, "compare", {"result": "no_face"})
                raise unprocessable("no_face", f"no face found in the {name} image")
        out = self.one_to_one(float(np.dot(ref, prb)), reference_kind)  # both L2-normalised (SFace embeddings)
        await self.audit(key, "compare", {"band": out["band"]})
        return out

    def one_to_one(self, score: float, reference_kind: str) -> dict[str, Any]:
        """The answer of a 1:1 comparison: score, band by the policy's 1:1 thresholds, and which were used."""
        p = self.policy
        band = "match" if score >= p.match_accept else "borderline" if score >= p.match_review else "mismatch"
        return {"score": round(score, 6), "band": band, "reference_kind": reference_kind,
                "thresholds": {"match_accept": p.match_accept, "match_review": p.match_review},
                "threshold_kind": "1:1", "model": "sface"}

    async def passive_liveness(self, key: Any, images: list[DecodedImage]) -> dict[str, Any]:
        """Passive liveness of one capture's images: score, threshold, quality; never decision grade."""
        def work(engine: FaceEngine) -> dict[str, Any] | None:
            from inference.errors import NoFaceError
            from kiosk.verify import fit_frame

            faces, quality = [], None
            for img in images:
                frame = fit_frame(img.bgr)
                engine.pipeline.reset()  # images are scored one by one, not tracked as a video
                a = engine.pipeline.process(frame, 0.0)
                if a.face is not None:
                    faces.append((frame, a.face))
                    quality = quality or api_report(a.quality.to_dict())
            try:
                result = engine.liveness.score(faces)
            except NoFaceError:
                return None
            return {"decision_grade": False, "images": len(images), "images_with_face": len(faces),
                    "passive": {"score": round(result.score, 5), "threshold": round(result.threshold, 5),
                                "attack_suspected": result.is_attack, "method": result.method},
                    "quality": quality,
                    "note": "a passive score from still images; a printed photo or a screen can pass it, so it "
                            "never accepts anyone: decide with a challenge (/v1/challenges, /v1/verify)"}

        out = await self.pool.run(work)
        if out is None:
            await self.audit(key, "liveness", {"result": "no_face"})
            raise unprocessable("no_face", "no face found in the image(s)")
        await self.audit(key, "liveness", {"attack_suspected": out["passive"]["attack_suspected"]})
        return out

    # ------------------------------------------------------------------ challenges
    def new_challenge(self, key: Any, ttl_s: float | None = None) -> Challenge:
        """Issue a challenge to this key."""
        return self.challenges.issue(key.key_id, ttl_s)

    async def _run_challenge(self, key: Any, challenge_id: str, nonce: str, upload: FramesUpload,
                             portrait: DecodedImage | None, chip: Any = None) -> tuple[Challenge, LiveRun]:
        from kiosk.api.gate import has_scope

        ch = self.challenges.consume(challenge_id, key.key_id, nonce)
        check_upload(upload, self.config.max_frames)
        waived = has_scope(key.scopes, "upload_accept")  # named only: ``all`` does not grant it

        def work(engine: FaceEngine) -> LiveRun:
            enrolled = enrol_portrait(engine, portrait.bgr) if portrait is not None else None
            return run_frames(engine, ch.steps, upload, enrolled, self.policy, *self._limits(), chip=chip,
                              max_frames=self.config.max_frames, flash_waived=waived)

        return ch, await self.pool.run(work)

    async def liveness(self, key: Any, challenge_id: str, nonce: str, upload: FramesUpload) -> dict[str, Any]:
        """The liveness result of a challenge's frames (nothing recorded but the audit event)."""
        ch, run = await self._run_challenge(key, challenge_id, nonce, upload, None)
        out = {"challenge_id": ch.challenge_id, **liveness_summary(run)}
        await self.audit(key, "challenge_frames", {"challenge_id": ch.challenge_id, "live": out["live"]})
        return out

    async def verify(self, key: Any, challenge_id: str, nonce: str, upload: FramesUpload,
                     portrait: DecodedImage, portrait_kind: str,
                     chip_files: tuple[bytes, bytes, bytes | None] | None = None) -> dict[str, Any]:
        """Portrait + a challenge's frames (+ optionally EF.SOD, DG2, DG1 for passive authentication) ->
        decision with reasons, recorded like a kiosk session."""
        from starlette.concurrency import run_in_threadpool

        from kiosk.api.chip import chip_files_evidence

        started = dt.datetime.now(dt.timezone.utc)
        chip, chip_report, chip_record = None, None, None
        if chip_files is not None:
            chip, chip_report, chip_record = await run_in_threadpool(chip_files_evidence, *chip_files,
                                                                     self.storage.data_dir / "trust")
        ch, run = await self._run_challenge(key, challenge_id, nonce, upload, portrait, chip)
        # The reference as it came: "dg2" only for the chip's data group, "portrait" for a photo of the document.
        images = [ImageEvidence("dg2" if portrait_kind == "dg2" else "portrait", portrait.data, portrait.media_type)]
        if run.best_frame is not None:
            images.append(ImageEvidence("live", encode_jpeg(run.best_frame), "image/jpeg"))
        images += [ImageEvidence("audit_frame", b, "image/jpeg") for b in run.audit_frames]
        evidence_checks = {"face_session": run.session.to_dict(), "api": {"key_id": key.key_id,
                                                                          "challenge_id": ch.challenge_id,
                                                                          "portrait": portrait_kind,
                                                                          "path": "upload", "flash": "not_run",
                                                                          "flash_waived": run.flash_waived}}
        # Off the event loop: images are encrypted and fsynced, then one fsynced transaction.
        session_id = await run_in_threadpool(
            lambda: record_to(self.storage, mode="api_verify", started_at=started,
                              evidence=upload_evidence(run.session, chip, run.flash_waived), decision=run.decision,
                              policy=self.policy, checks=evidence_checks, chip_report=chip_report, images=images,
                              kiosk_id=api_kiosk_id(key.key_id), chip_record=chip_record))
        d = run.decision.to_dict()
        await self.audit(key, "verify", {"decision": d["decision"]}, session_id=session_id)
        ev = run.session.evidence
        return {"session_id": session_id, "decision": d["decision"], "reasons": d["reasons"],
                "findings": d["findings"], "policy_version": POLICY_VERSION,
                "evidence": {"challenge_passed": ev.challenge_passed, "challenge_failure": ev.challenge_failure,
                             "planar_motion": ev.planar_motion, "passive_score": ev.passive_score,
                             "match_score": ev.match_score, "quality_passed": ev.quality_passed,
                             "frames": run.session.frames, "images_recorded": len(images)}}

    # ------------------------------------------------------------------ face bank
    def _bank(self, key: Any) -> Any:
        from kiosk.facebank import FaceBank, key_owner

        return FaceBank(self.storage, key_owner(key.key_id), index=self.bank_index)

    async def _vector(self, key: Any, endpoint: str, image: DecodedImage) -> Any:
        from kiosk.facebank import face_vector

        vector = await self.pool.run(face_vector, image.bgr)
        if vector is None:
            await self.audit(key, endpoint, {"result": "no_face"})
            raise unprocessable("no_face", "no face found in the image")
        return vector

    async def enrol(self, key: Any, list_name: str, image: DecodedImage, label: str | None,
                    keep_image: bool) -> dict[str, Any]:
        """Enrol a face in a list; 409 ``duplicate_identity`` when it is already there."""
        from starlette.concurrency import run_in_threadpool

        from kiosk.facebank import DuplicateIdentityError

        self._list_name(list_name)
        vector = await self._vector(key, "identities", image)
        images = [ImageEvidence("dg2", image.data, image.media_type)] if keep_image else []
        try:
            identity_id = await run_in_threadpool(self._bank(key).enrol, list_name, [vector], f"api:{key.key_id}",
                                                  label, images)
        except DuplicateIdentityError as exc:
            await self.audit(key, "identities", {"list": list_name, "result": "duplicate"},
                             session_id=exc.identity_id)
            # Only the caller's own list was searched: the id and score are the caller's own data.
            raise ApiError(409, "duplicate_identity", str(exc),
                           extra={"identity_id": exc.identity_id, "score": round(exc.score, 6)}) from exc
        await self.audit(key, "identities", {"list": list_name, "result": "enrolled"}, session_id=identity_id)
        return {"identity_id": identity_id, "list": list_name}

    async def identify(self, key: Any, list_name: str, image: DecodedImage, top_k: int) -> dict[str, Any]:
        """1:N: the ``top_k`` best identities of the list."""
        from starlette.concurrency import run_in_threadpool

        self._list_name(list_name)
        if top_k > self.config.top_k_max:
            raise ApiError(400, "invalid_field", f"top_k: at most {self.config.top_k_max}")
        bank = self._bank(key)
        if not await run_in_threadpool(bank.exists, list_name):  # before the model work: a typo answers at once
            await self.audit(key, "identify", {"list": list_name, "result": "list_not_found"})
            raise self._no_list(list_name)
        vector = await self._vector(key, "identify", image)

        def search() -> tuple[list[Any], dict[str, str | None]]:
            hits = bank.search(list_name, vector, top_k, must_exist=True)
            return hits, bank.labels([h.identity_id for h in hits], f"api:{key.key_id}")

        try:
            hits, labels = await run_in_threadpool(search)
        except ListNotFoundError:  # emptied by a withdrawal in the meantime
            raise self._no_list(list_name) from None
        await self.audit(key, "identify", {"list": list_name, "candidates": len(hits),
                                     "match": bool(hits and hits[0].is_match)})
        return {"list": list_name, "threshold": bank.threshold, "threshold_kind": "1:N",
                "candidates": [{"identity_id": h.identity_id, "label": labels.get(h.identity_id), "score": h.score,
                                "is_match": h.is_match} for h in hits]}

    @staticmethod
    def _no_list(list_name: str) -> ApiError:
        return ApiError(404, "list_not_found", str(ListNotFoundError(list_name)))

    def _list_name(self, list_name: str) -> str:
        from kiosk.errors import BadInputError
        from kiosk.facebank import check_list_name

        try:
            return check_list_name(list_name)
        except BadInputError as exc:
            raise ApiError(400, "invalid_field", f"list: {exc}") from exc

    async def identities(self, key: Any, list_name: str, offset: int, limit: int) -> dict[str, Any]:
        """One page of one of the key's lists, with labels (each label read is audited)."""
        from starlette.concurrency import run_in_threadpool

        bank = self._bank(key)
        self._list_name(list_name)
        actor = f"api:{key.key_id}"

        def load() -> tuple[int, list[Any]]:
            total, ids = bank.page(list_name, offset, limit)
            return total, [bank.entry(i, actor) for i in ids]

        try:
            total, entries = await run_in_threadpool(load)
        except ListNotFoundError:
            await self.audit(key, "identities_list", {"list": list_name, "result": "list_not_found"})
            raise self._no_list(list_name) from None
        await self.audit(key, "identities_list", {"list": list_name, "returned": len(entries)})
        return {"list": list_name, "total": total, "offset": offset, "limit": limit,
                "identities": [_entry_json(e) for e in entries]}

    async def identity(self, key: Any, identity_id: str) -> dict[str, Any]:
        """One of the key's identities (any one with ``admin``); 404 as for an unknown id otherwise."""
        from starlette.concurrency import run_in_threadpool

        from kiosk.api.gate import has_scope

        try:
            entry = await run_in_threadpool(self._bank(key).entry, identity_id, f"api:{key.key_id}",
                                            has_scope(key.scopes, "admin"))
        except KeyError:
            await self.audit(key, "identity", {"result": "not_found"})
            raise _no_identity(identity_id) from None
        await self.audit(key, "identity", {"result": "read"}, session_id=identity_id)
        return _entry_json(entry)

    async def verify_identity(self, key: Any, identity_id: str, image: DecodedImage) -> dict[str, Any]:
        """1:1 of a face against one of the key's enrolled identities, answered as ``compare`` is."""
        from starlette.concurrency import run_in_threadpool

        bank = self._bank(key)
        if not await run_in_threadpool(bank.owns, identity_id):  # before the model work
            await self.audit(key, "identity_verify", {"result": "not_found"})
            raise _no_identity(identity_id)
        vector = await self._vector(key, "identity_verify", image)
        try:
            score = await run_in_threadpool(bank.verify, identity_id, vector)
        except KeyError:  # withdrawn in the meantime
            raise _no_identity(identity_id) from None
        if score is None:
            await self.audit(key, "identity_verify", {"result": "no_template"}, session_id=identity_id)
            raise ApiError(409, "identity_without_template", "this identity has no template left (templates "
                           "follow the storage's template retention period); enrol the person again")
        out = {"identity_id": identity_id, **self.one_to_one(score, "identity")}
        await self.audit(key, "identity_verify", {"band": out["band"]}, session_id=identity_id)
        return out

    async def withdraw(self, key: Any, identity_id: str) -> dict[str, Any]:
        """Erase one of the caller's face-bank identities (any one with ``admin``), audited; 404 when there is no
        such identity, or it is another owner's."""
        from starlette.concurrency import run_in_threadpool

        from kiosk.api.gate import has_scope

        try:
            await run_in_threadpool(self._bank(key).remove, identity_id, f"api:{key.key_id}",
                                    has_scope(key.scopes, "admin"))
        except KeyError:
            await self.audit(key, "identities_delete", {"result": "not_found"})
            raise _no_identity(identity_id) from None
        await self.audit(key, "identities_delete", {"result": "deleted"}, session_id=identity_id)
        return {"identity_id": identity_id, "deleted": True}

    # ------------------------------------------------------------------ sessions
    async def session(self, key: Any, session_id: str, with_images: bool) -> dict[str, Any]:
        """A recorded session's decision and reasons; images only for a key with the ``images`` scope. Only
        the key's own verification sessions, unless it has ``admin``."""
        import base64

        from starlette.concurrency import run_in_threadpool

        from kiosk.api.gate import has_scope

        actor = f"api:{key.key_id}"
        missing = ApiError(404, "session_not_found", f"no session {session_id} (wrong id, purged, or not made "
                           "with this API key)")

        def load() -> dict[str, Any]:
            # Checked before load_session, which decrypts and records a view: another owner's session is
            # neither opened nor confirmed to exist.
            origin = self.storage.decisions.session_origin(session_id)
            if origin is None or (origin[0] != api_kiosk_id(key.key_id) and not has_scope(key.scopes, "admin")):
                raise missing
            try:
                detail = self.storage.decisions.load_session(session_id, actor=actor)  # audited: session_viewed
            except NotFoundError as exc:
                raise missing from exc
            except StorageError as exc:  # IntegrityError among them: never serve a forged decision
                raise ApiError(409, "integrity_failed", str(exc)) from exc
            s = detail.summary
            out: dict[str, Any] = {
                "session_id": s.session_id, "mode": s.mode, "started_at": s.started_at.isoformat(),
                "decided_at": s.decided_at.isoformat(), "decision": s.outcome.upper(), "reasons": list(s.reasons),
                "review_state": s.review_state,
                "final_decision": s.final_outcome.upper() if s.final_outcome else None,
                "images": [{"image_id": i.image_id, "kind": i.kind, "media_type": i.media_type, "size": i.size}
                           for i in detail.images]}
            if with_images:
                for item in out["images"]:
                    _info, data = self.storage.decisions.load_image(item["image_id"], actor=actor)  # audited
                    item["data_base64"] = base64.b64encode(data).decode("ascii")
            return out

        try:
            out = await run_in_threadpool(load)
        except ApiError as exc:
            if exc.status_code == 404:  # a wrong id, or another owner's: recorded, so probing shows in the trail
                await self.audit(key, "session", {"result": "not_found"})
            raise
        await self.audit(key, "session", {"images": with_images}, session_id=session_id)
        return out
