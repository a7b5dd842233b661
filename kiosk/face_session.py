"""One live-face session, fed frame by frame: quality, active challenge, planarity, passive, match.

``FaceSession`` is what the kiosk runs between "look at the camera" and the decision. It owns no
camera and no clock: frames arrive with their timestamps (from a camera, a recording or the synthetic
subject), so the same code serves the UI, ``kiosk verify`` on a file, and the tests.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inference.antispoof import AntiSpoof
from inference.challenge import ChallengeConfig, ChallengeEngine, ChallengeResult
from inference.config import RuntimeConfig
from inference.detect import Face, FaceDetector, primary_face
from inference.embed import Embedding, SFaceEmbedder
from inference.errors import NoFaceError
from inference.flash import FlashResult
from inference.liveness import LivenessConfig, PassiveLiveness, PassiveResult
from inference.loader import load_runner
from inference.pipeline import FacePipeline, FrameAnalysis
from inference.planarity import PlanarityChecker, PlanarityConfig, PlanarityResult
from inference.quality import QualityConfig, QualityReport, portrait_quality

from kiosk.evidence import FaceEvidence


@dataclass
class FaceEngine:
    """The loaded models and configs a face session needs (load once per kiosk; sessions are cheap)."""

    pipeline: FacePipeline
    embedder: SFaceEmbedder
    liveness: PassiveLiveness
    challenge: ChallengeConfig = field(default_factory=ChallengeConfig)
    planarity: PlanarityConfig = field(default_factory=PlanarityConfig)
    best_frames: int = 3
    # Passive-liveness features (~50 ms a frame) are taken from every n-th good frame while the challenge
    # runs, so after capture only the fusion (<1 ms) and one embedding remain: the 150 ms budget holds.
    passive_every: int = 8

    @classmethod
    def load(cls, runtime: RuntimeConfig | None = None, quality: QualityConfig | None = None,
             liveness: LivenessConfig | None = None, challenge: ChallengeConfig | None = None,
             planarity: PlanarityConfig | None = None, store: Any = None) -> FaceEngine:
        """Load every model with the configured provider (raises ``ModelError`` with the fix if missing)."""
        runtime = runtime or RuntimeConfig()
        antispoof = AntiSpoof(load_runner("antispoof", runtime, store=store))
        return cls(pipeline=FacePipeline.from_config(runtime, quality, store=store),
                   embedder=SFaceEmbedder(load_runner("sface", runtime, store=store)),
                   liveness=PassiveLiveness.from_config(antispoof, liveness or LivenessConfig()),
                   challenge=challenge or ChallengeConfig(), planarity=planarity or PlanarityConfig())

    @property
    def detector(self) -> FaceDetector:
        """The pipeline's face detector."""
        return self.pipeline.detector


@dataclass(frozen=True)
class PortraitEnrolment:
    """The document portrait as the matcher sees it."""

    embedding: Embedding | None
    quality: QualityReport | None
    detail: str


def enrol_portrait(engine: FaceEngine, portrait_bgr: np.ndarray) -> PortraitEnrolment:
    """Detect, quality-check and embed the DG2 portrait (small, often greyscale or JPEG 2000)."""
    face = primary_face(engine.detector.detect(portrait_bgr), portrait_bgr.shape)
    if face is None:
        return PortraitEnrolment(None, None, "no face found in the portrait")
    quality = portrait_quality(portrait_bgr, engine.detector, engine.pipeline.mesh)
    return PortraitEnrolment(engine.embedder.embed(portrait_bgr, face.landmarks), quality, "")


@dataclass(frozen=True)
class FaceSessionResult:
    """Everything the session measured, and the evidence the policy reads."""

    evidence: FaceEvidence
    challenge: ChallengeResult
    planarity: PlanarityResult
    passive: PassiveResult | None
    match_score: float | None
    best_quality: dict[str, Any] | None
    frames: int
    best_frame_index: int | None
    audit_frames: tuple[int, ...]
    live_embedding: Embedding | None = None
    flash: FlashResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready evidence (no pixels)."""
        return {
            "quality": self.best_quality, "challenge": self.challenge.to_dict(),
            "planarity": self.planarity.to_dict(), "passive": self.passive.to_dict() if self.passive else None,
            "match": {"score": self.match_score, "model": "sface"}, "frames": self.frames,
            "best_frame_index": self.best_frame_index, "flash": self.flash.to_dict() if self.flash else None,
        }


class FaceSession:
    """Feed ``push(frame, t)`` until ``done``; then ``finish(portrait)``.

    The best few frames by quality score are kept (copies) for the match; passive-liveness features are
    extracted on the way from a sample of good frames, the best few kept. Every other frame is dropped
    once analysed, so memory stays flat however long the customer takes.
    """

    def __init__(self, engine: FaceEngine, steps: list[str] | None = None,
                 frame_size: tuple[int, int] = (640, 480)) -> None:
        self.engine = engine
        engine.pipeline.reset()
        self.challenge = ChallengeEngine(engine.challenge, steps, frame_size=frame_size)
        self.planarity = PlanarityChecker(engine.planarity)
        self._best: list[tuple[float, int, np.ndarray, Face, FrameAnalysis]] = []
        self._passive: list[tuple[float, Any]] = []  # (quality score, PadFeatures), best first
        self._good_seen = 0
        self._frames = 0
        self._max_faces = 0
        # Set by the kiosk after the screen-flash challenge (``kiosk.workflow.face_step.watch_flash``).
        self.flash: FlashResult | None = None

    @property
    def frames_seen(self) -> int:
        """Frames pushed so far (the next frame's index)."""
        return self._frames

    @property
    def done(self) -> bool:
        """The challenge has passed or failed: no more frames are needed."""
        return self.challenge.status != "running"

    def push(self, frame: np.ndarray, t: float) -> FrameAnalysis:
        """Analyse one frame and feed every check with it."""
        index = self._frames
        self._frames += 1
        a = self.engine.pipeline.process(frame, t)
        self._max_faces = max(self._max_faces, a.faces_count)
        embedding = None
        if a.face is not None and self.challenge.wants_embedding:
            embedding = self.engine.embedder.embed(frame, a.face.landmarks)
        self.challenge.observe(t, a.faces_count, a.face, a.landmarks, a.pose, embedding)
        if a.landmarks is not None and a.pose is not None:
            self.planarity.observe(a.landmarks.points, a.pose, index)
        if a.face is not None and a.faces_count == 1:
            self._keep(a.quality.score, index, frame, a.face, a)
            if a.quality.passed:
                self._sample_passive(a.quality.score, frame, a.face)
        return a

    def _sample_passive(self, score: float, frame: np.ndarray, face: Face) -> None:
        self._good_seen += 1
        n = self.engine.liveness.config.max_frames
        if (self._good_seen - 1) % self.engine.passive_every and len(self._passive) >= n:
            return
        self._passive.append((score, self.engine.liveness.frame_features(frame, face)))
        self._passive.sort(key=lambda item: -item[0])
        del self._passive[n:]

    def _keep(self, score: float, index: int, frame: np.ndarray, face: Face, a: FrameAnalysis) -> None:
        n = self.engine.best_frames
        if len(self._best) < n or score > self._best[-1][0]:
            self._best.append((score, index, frame.copy(), face, a))
            self._best.sort(key=lambda item: -item[0])
            del self._best[n:]

    def finish(self, portrait: PortraitEnrolment) -> FaceSessionResult:
        """Close the session: passive liveness and match on the best frames; build the evidence."""
        challenge = self.challenge.result()
        planarity = self.planarity.result()
        passive = None
        match = None
        live = None
        best_quality = None
        best_index = None
        if self._best:
            _, best_index, best_frame, best_face, best_analysis = self._best[0]
            best_quality = best_analysis.quality.to_dict()
            try:
                if self._passive:
                    passive = self.engine.liveness.score_features([f for _, f in self._passive])
                else:  # no frame passed the quality gate: score the best frames there are
                    passive = self.engine.liveness.score([(f, fc) for _, _, f, fc, _ in self._best])
            except NoFaceError:
                passive = None
            live = self.engine.embedder.embed(best_frame, best_face.landmarks)
            if portrait.embedding is not None:
                match = portrait.embedding.cosine(live)
        quality_ok = bool(self._best) and self._best[0][4].quality.passed
        failures = () if not self._best else tuple(m.name for m in self._best[0][4].quality.failed)
        evidence = FaceEvidence(
            face_found=bool(self._best),
            max_faces_seen=self._max_faces,
            quality_passed=quality_ok if self._best else None,
            quality_failures=failures,
            challenge_passed=challenge.passed,
            challenge_failure=challenge.reason.value if challenge.reason else None,
            planar_motion=planarity.planar,
            passive_score=passive.score if passive else None,
            passive_threshold=passive.threshold if passive else None,
            passive_calibrated=bool(passive and passive.method == "fusion"),
            match_score=match,
            portrait_quality_passed=portrait.quality.passed if portrait.quality else False,
            flash_passed=self.flash.passed if self.flash is not None else None,
        )
        return FaceSessionResult(evidence, challenge, planarity, passive, match, best_quality, self._frames,
                                 best_index, challenge.audit_frames, live, self.flash)

    def best_frame(self) -> np.ndarray | None:
        """The best frame kept (for the encrypted evidence store)."""
        return self._best[0][2] if self._best else None


STAND_IN = "FACE_NOT_THE_PORTRAITS"  # the flash's reason when the face that answered the colours is someone else


def same_face(engine: Any, flash_result: Any, face_frame: Any, portrait_embedding: Any, threshold: float) -> Any:
    """The flash's result, failed with ``STAND_IN`` when the face in the middle of the colours does not match
    the document's portrait (cosine under ``threshold``: the policy's review threshold, below which faces are
    judged different). The colours prove a live face was lit by this screen, the steps that the customer moved:
    without this check, a live stand-in could answer the colours while a puppet of the victim did the steps.
    Nothing to compare (no portrait embedding, no face frame, a flash that failed anyway) leaves it unchanged.
    Used by the kiosk (``kiosk.workflow.face_step.watch_flash``) and the remote stream alike."""
    import dataclasses

    from inference.detect import primary_face

    if flash_result is None or not flash_result.passed or face_frame is None or portrait_embedding is None:
        return flash_result
    face = primary_face(engine.detector.detect(face_frame), face_frame.shape)
    if face is None:
        return dataclasses.replace(flash_result, passed=False, reason=STAND_IN)
    live = engine.embedder.embed(face_frame, face.landmarks)
    if portrait_embedding.cosine(live) < threshold:
        return dataclasses.replace(flash_result, passed=False, reason=STAND_IN)
    return flash_result
