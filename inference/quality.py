"""Face image quality gate after ISO/IEC 29794-5 (face image quality) and its reference implementation OFIQ.

Every measure is computed on the face that the detector and the 468-point mesh located, and returns a
value, its threshold, pass/fail and a hint a customer understands. The measures follow the quality
components of ISO/IEC 29794-5 that a capture station can act on: sharpness (variance of the Laplacian
and a Tenengrad gradient energy, on the face box resampled to a fixed size so they do not depend on
distance), exposure (mean luminance, under- and over-exposed share of face pixels), contrast (luminance
standard deviation) and dynamic range (histogram entropy in bits), illumination uniformity (left/right
halves), face size (inter-eye distance), head pose (yaw/pitch/roll), eyes open, mouth closed, eye and
lower-face occlusion, one face only and resolution. OFIQ uses segmentation networks for occlusion; we
have no such weights, so occlusion uses image cues measured on mesh regions (see
``inference.quality_cues``). They were checked on painted occlusions (dark eye ellipses, uniform mask
polygons), not on real sunglasses or masks: no such images are available here. Capture guidance
(centring in the on-screen oval) is a kiosk measure, not an ISO one; it is skipped for DG2 portraits, as
are measures that need colour when the portrait is greyscale.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from inference.detect import Face
from inference.image import check_bgr
from inference.landmarks import FaceLandmarks
from inference.pose import HeadPose, eye_aspect_ratio, head_pose, mouth_aspect_ratio
from inference.quality_cues import (
    EYE_CONTOURS, LEFT_SIDE, LOWER_FACE, RIGHT_SIDE, UPPER_SKIN, Patches, entropy, eye_visibility, face_crop,
    is_grey, lower_face_chroma, lower_face_texture, polygon_values, sharpness,
)

log = logging.getLogger(__name__)

Context = Literal["live", "portrait"]

# Hints, by priority: the first failed one is what the screen shows. Count first (nothing else matters
# without exactly one face), then distance (a face too close or too far also lowers the mesh's presence
# score, and "move back" is the useful hint then), presence and position, occlusion, light, then pose and
# face state, sharpness last (motion blur usually ends once the customer stops adjusting).
HINTS = {
    "no_face": "Look at the camera",
    "one_face": "Only one person in front of the camera, please",
    "resolution": "Camera image too small: please ask staff for help",
    "face_size_small": "Move closer",
    "face_size_large": "Move back a little",
    "face_presence": "Look at the camera",
    "centring": "Centre your face in the oval",
    "eye_occlusion": "Take off sunglasses or anything covering your eyes",
    "lower_face_occlusion": "Take off your mask or anything covering your face",
    "brightness_low": "More light, please",
    "brightness_high": "Too bright: avoid strong light on your face",
    "underexposure": "More light, please",
    "overexposure": "Too bright: avoid strong light on your face",
    "uniformity": "Light your face evenly: avoid light from one side",
    "contrast": "Find better lighting",
    "dynamic_range": "Find better lighting",
    "yaw": "Look straight at the camera",
    "pitch": "Keep your head level and look straight at the camera",
    "roll": "Keep your head straight",
    "eyes_open": "Open your eyes",
    "mouth_closed": "Close your mouth",
    "sharpness": "Hold still",
}
_PRIORITY = {k: i for i, k in enumerate(HINTS)}


class QualityConfig(BaseModel):
    """Quality-gate thresholds. Defaults are for a 640x480 kiosk camera at arm's length; recalibrate a site's
    camera with ``kiosk calibrate quality`` (it suggests thresholds from good captures)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_frame_height: int = Field(
        default=480, ge=64, title="Minimum frame height",
        description="Frames below this height (pixels) are refused as too coarse.")
    min_face_score: float = Field(
        default=0.5, ge=0, le=1, title="Face presence",
        description="Minimum face-mesh presence score (sigmoid of the mesh's face flag).")
    min_inter_eye: float = Field(
        default=50.0, ge=0, title="Minimum inter-eye distance",
        description="Pixels between the eye centres. ISO/IEC 19794-5 asks 60 for portraits (90 preferred); 50 at "
                    "640x480 lets a 112-pixel alignment crop be made without enlarging the eye region much.")
    max_face_width: float = Field(
        default=0.7, gt=0, le=1, title="Maximum face width",
        description="Face box width over frame width; above it the face is too close (cut off, distorted).")
    oval_centre: tuple[float, float] = Field(
        default=(0.5, 0.46), title="Guide oval centre",
        description="Centre of the on-screen oval, as fractions of frame width and height.")
    oval_radii: tuple[float, float] = Field(
        default=(0.22, 0.36), title="Guide oval radii",
        description="Horizontal and vertical semi-axes of the oval, as fractions of frame width and height.")
    max_centre_offset: float = Field(
        default=0.5, gt=0, title="Maximum centring offset",
        description="Face centre's distance from the oval centre in oval radii (0 = centred, 1 = on the oval's edge).")
    min_laplacian: float = Field(
        default=300.0, ge=0, title="Minimum Laplacian variance",
        description="Variance of the Laplacian of the face box resampled to 128x128 grey; lower is blurred. "
                    "Measured: NUAA live frames p5 1497, LFW p5 308; the same NUAA frames blurred (Gaussian "
                    "sigma 2) median 289, sigma 3 p95 329.")
    min_tenengrad: float = Field(
        default=120.0, ge=0, title="Minimum Tenengrad",
        description="Mean squared Sobel gradient magnitude (Sobel gain removed) on the same 128x128 crop. Measured: "
                    "NUAA live p5 246, LFW p5 165; blurred sigma 3 median 127, sigma 4 (astronaut) 67.")
    brightness: tuple[float, float] = Field(
        default=(45.0, 210.0), title="Face brightness range",
        description="Allowed mean luminance (0-255) of the face region. NUAA live p5 is 52 (a dim lab), LFW p95 167; "
                    "the NUAA frames at a quarter of their light reach at most 39.")
    max_underexposed: float = Field(
        default=0.3, ge=0, le=1, title="Maximum under-exposed share",
        description="Share of face pixels at luminance <= 25.")
    max_overexposed: float = Field(
        default=0.1, ge=0, le=1, title="Maximum over-exposed share",
        description="Share of face pixels at luminance >= 245.")
    min_contrast: float = Field(
        default=14.0, ge=0, title="Minimum contrast",
        description="Standard deviation of face luminance (0-255). NUAA live p5 19.8; at a quarter light p95 11.")
    min_dynamic_range: float = Field(
        default=5.5, ge=0, le=8, title="Minimum dynamic range",
        description="Entropy of the face's 256-bin luminance histogram, in bits (OFIQ's dynamic range measure).")
    min_uniformity: float = Field(
        default=0.5, ge=0, le=1, title="Minimum illumination uniformity",
        description="Darker face side's mean luminance over the brighter side's (NUAA live p5 0.64, LFW p5 0.58).")
    max_yaw: float = Field(
        default=20.0, ge=0, le=90, title="Maximum |yaw|",
        description="Degrees of left/right head turn.")
    max_pitch: float = Field(
        default=20.0, ge=0, le=90, title="Maximum |pitch|",
        description="Degrees of up/down head tilt.")
    max_roll: float = Field(
        default=15.0, ge=0, le=90, title="Maximum |roll|",
        description="Degrees of in-plane head tilt.")
    min_eye_aspect: float = Field(
        default=0.18, ge=0, title="Minimum eye aspect ratio",
        description="Smaller of the two eyes' lid gap over eye width; open eyes are near 0.25-0.35.")
    max_mouth_aspect: float = Field(
        default=0.25, ge=0, title="Maximum mouth aspect ratio",
        description="Inner-lip gap over mouth width; a closed mouth is near 0.")
    min_eye_visibility: float = Field(
        default=0.1, ge=0, title="Minimum eye visibility",
        description="Smaller eye's luminance spread (90th minus 10th percentile) inside the eye contour over the "
                    "skin's mean: sclera, iris and lashes give a wide spread, dark glasses a narrow one. Measured: "
                    "NUAA live p5 0.196, blurred sigma 3 p5 0.129; eyes painted dark 0.0.")
    max_lower_face_chroma: float = Field(
        default=14.0, ge=0, title="Maximum lower-face colour distance",
        description="Distance in YCrCb chroma (Cr, Cb units) between the lower face and the forehead/cheek-bone "
                    "skin; a mask or scarf changes the colour of the lower face. Measured on 120 NUAA+LFW faces: "
                    "bare p95 10.5; a light-blue surgical-mask polygon p5 20.5; white, grey or black polygons only "
                    "median 16-18 (p5 7), so neutral-coloured masks are caught about two times in three by colour "
                    "alone; with the texture measure (min_lower_face_texture) 96-99% of uniform mask polygons of "
                    "any colour fail on another 120 NUAA+LFW faces, and 2 of those 120 bare faces.")

    min_lower_face_texture: float = Field(
        default=0.1, ge=0, title="Minimum lower-face texture",
        description="Luminance standard deviation of the mouth region (nose base to below the lower lip) over that "
                    "of the whole face box. Lips, mouth line and nostril shadows give texture; a mask hides them "
                    "under one uniform surface. Measured on 100 NUAA+LFW faces: bare p1 0.16, p5 0.19; uniform "
                    "mask polygons (light blue, white, grey, black, with noise) median 0.04-0.06.")

    def limits(self) -> dict[str, tuple[float | None, float | None]]:
        """(low, high) bounds of each measure name; None where a side is open."""
        return {
            "resolution": (self.min_frame_height, None), "face_presence": (self.min_face_score, None),
            "face_size": (self.min_inter_eye, None), "face_width": (None, self.max_face_width),
            "centring": (None, self.max_centre_offset), "sharpness_laplacian": (self.min_laplacian, None),
            "sharpness_tenengrad": (self.min_tenengrad, None), "brightness": self.brightness,
            "underexposure": (None, self.max_underexposed), "overexposure": (None, self.max_overexposed),
            "contrast": (self.min_contrast, None), "dynamic_range": (self.min_dynamic_range, None),
            "uniformity": (self.min_uniformity, None), "yaw": (None, self.max_yaw), "pitch": (None, self.max_pitch),
            "roll": (None, self.max_roll), "eyes_open": (self.min_eye_aspect, None),
            "mouth_closed": (None, self.max_mouth_aspect), "eye_occlusion": (self.min_eye_visibility, None),
            "lower_face_occlusion": (None, self.max_lower_face_chroma),
            "lower_face_texture": (self.min_lower_face_texture, None), "one_face": (None, 1),
        }


# Which config field each measure's bound comes from (``kiosk calibrate quality`` writes these).
CONFIG_FIELDS: dict[str, str] = {
    "face_presence": "min_face_score", "face_size": "min_inter_eye", "face_width": "max_face_width",
    "centring": "max_centre_offset", "sharpness_laplacian": "min_laplacian", "sharpness_tenengrad": "min_tenengrad",
    "brightness": "brightness", "underexposure": "max_underexposed", "overexposure": "max_overexposed",
    "contrast": "min_contrast", "dynamic_range": "min_dynamic_range", "uniformity": "min_uniformity",
    "yaw": "max_yaw", "pitch": "max_pitch", "roll": "max_roll", "eyes_open": "min_eye_aspect",
    "mouth_closed": "max_mouth_aspect", "eye_occlusion": "min_eye_visibility",
    "lower_face_occlusion": "max_lower_face_chroma", "lower_face_texture": "min_lower_face_texture",
}


@dataclass(frozen=True)
class Measure:
    """One quality measure: its value, its bounds (None = open side), pass/fail and the hint if it failed."""

    name: str
    value: float
    low: float | None
    high: float | None
    passed: bool
    hint: str | None

    @property
    def margin(self) -> float:
        """Signed distance to the nearest bound relative to the bound (>0 inside, <0 outside)."""
        if not np.isfinite(self.value):
            return -1.0  # not measurable (e.g. the region fell outside the image): as bad as it gets
        margins = []
        if self.low is not None:
            margins.append((self.value - self.low) / max(abs(self.low), 1e-6))
        if self.high is not None:
            margins.append((self.high - self.value) / max(abs(self.high), 1e-6))
        return min(margins) if margins else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        value = round(float(self.value), 4) if np.isfinite(self.value) else None  # JSON has no NaN
        return {"name": self.name, "value": value, "low": self.low, "high": self.high,
                "passed": self.passed, "hint": self.hint}


@dataclass(frozen=True)
class QualityReport:
    """All measures of one image; ``hints`` are the failed measures' hints, most important first."""

    measures: tuple[Measure, ...]
    context: Context = "live"
    skipped: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        """True when every measure passed."""
        return all(m.passed for m in self.measures)

    @property
    def failed(self) -> tuple[Measure, ...]:
        """Failed measures in hint priority order."""
        bad = [m for m in self.measures if not m.passed]
        return tuple(sorted(bad, key=lambda m: _PRIORITY.get(_hint_key(m), len(_PRIORITY))))

    @property
    def hints(self) -> tuple[str, ...]:
        """Distinct hints of the failed measures, most important first."""
        out: list[str] = []
        for m in self.failed:
            if m.hint and m.hint not in out:
                out.append(m.hint)
        return tuple(out)

    @property
    def score(self) -> float:
        """Overall score in [0, 1]: half the share of passed measures, half the mean soft margin.

        The soft part (each measure's relative margin squashed into [0, 1]) ranks frames that all pass,
        e.g. to pick the sharpest, best-lit frame for matching.
        """
        if not self.measures:
            return 0.0
        share = sum(m.passed for m in self.measures) / len(self.measures)
        soft = float(np.mean([np.clip(0.5 + m.margin, 0.0, 1.0) for m in self.measures]))
        return 0.5 * share + 0.5 * soft

    def get(self, name: str) -> Measure | None:
        """The measure called ``name``, if computed."""
        return next((m for m in self.measures if m.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"context": self.context, "passed": self.passed, "score": round(self.score, 4),
                "hints": list(self.hints), "measures": [m.to_dict() for m in self.measures],
                "skipped": list(self.skipped)}


def _hint_key(m: Measure) -> str:
    if m.name in ("face_size", "face_width"):
        return "face_size_small" if m.name == "face_size" else "face_size_large"
    if m.name == "brightness":
        return "brightness_low" if m.low is not None and m.value < m.low else "brightness_high"
    if m.name in ("sharpness_laplacian", "sharpness_tenengrad"):
        return "sharpness"
    if m.name == "lower_face_texture":
        return "lower_face_occlusion"
    return m.name


def _measure(name: str, value: float, bounds: tuple[float | None, float | None]) -> Measure:
    low, high = bounds
    ok = bool(np.isfinite(value)) and (low is None or value >= low) and (high is None or value <= high)
    m = Measure(name, float(value), None if low is None else float(low), None if high is None else float(high),
                ok, None)
    return m if ok else Measure(m.name, m.value, m.low, m.high, False, HINTS[_hint_key(m)])


def assess(image: np.ndarray, face: Face, landmarks: FaceLandmarks, config: QualityConfig, *, faces_count: int = 1,
           pose: HeadPose | None = None, context: Context = "live") -> QualityReport:
    """Every quality measure for one face in a BGR image (``context="portrait"`` for a DG2 portrait)."""
    import cv2

    image = check_bgr(image)
    lim = config.limits()
    h, w = image.shape[:2]
    pose = pose or head_pose(landmarks.points, (w, h))
    # Work on the face's region only (colour conversions of the whole frame cost more than all measures).
    bx, by, bw, bh = face.box
    xy = landmarks.points[:, :2]
    x0 = int(max(0, np.floor(min(bx, float(xy[:, 0].min()))) - 2))
    y0 = int(max(0, np.floor(min(by, float(xy[:, 1].min()))) - 2))
    x1 = int(min(w, np.ceil(max(bx + bw, float(xy[:, 0].max()))) + 3))
    y1 = int(min(h, np.ceil(max(by + bh, float(xy[:, 1].max()))) + 3))
    if x1 - x0 < 4 or y1 - y0 < 4:
        x0, y0, x1, y1 = 0, 0, w, h
    roi = image[y0:y1, x0:x1]
    pts = landmarks.points[:, :2] - np.array([x0, y0], np.float32)
    grey = cv2.cvtColor(roi, cv2.COLOR_BGR2GRAY)
    measures: list[Measure] = []
    skipped: list[str] = []

    def add(name: str, value: float) -> None:
        measures.append(_measure(name, value, lim[name]))

    add("one_face", float(faces_count))
    if context == "live":
        add("resolution", float(h))
    else:
        skipped += ["resolution", "centring", "face_width"]  # a portrait is cropped to the face by definition
    add("face_presence", landmarks.face_score)
    add("face_size", face.inter_eye_distance)
    if context == "live":
        add("face_width", face.box[2] / w)
        (ocx, ocy), (orx, ory) = config.oval_centre, config.oval_radii
        fx, fy = face.box[0] + face.box[2] / 2, face.box[1] + face.box[3] / 2
        add("centring", float(np.hypot((fx / w - ocx) / orx, (fy / h - ocy) / ory)))

    # Face region: the convex hull of the mesh (the face itself, not hair or background).
    hull = cv2.convexHull(pts.astype(np.float32)).reshape(-1, 2)
    face_pixels = polygon_values(grey, hull)
    crop = face_crop(grey, (bx - x0, by - y0, bw, bh))
    lap, ten = sharpness(crop)
    add("sharpness_laplacian", lap)
    add("sharpness_tenengrad", ten)
    if face_pixels.size:
        add("brightness", float(face_pixels.mean()))
        add("underexposure", float(np.mean(face_pixels <= 25)))
        add("overexposure", float(np.mean(face_pixels >= 245)))
        add("contrast", float(face_pixels.std()))
        add("dynamic_range", entropy(face_pixels))
    radius = max(1, int(round(face.inter_eye_distance * 0.06)))
    patches = Patches(grey, pts, radius)
    left, right = float(patches.mean(LEFT_SIDE)), float(patches.mean(RIGHT_SIDE))
    add("uniformity", min(left, right) / max(left, right, 1.0))
    add("yaw", abs(pose.yaw))
    add("pitch", abs(pose.pitch))
    add("roll", abs(pose.roll))
    add("eyes_open", min(eye_aspect_ratio(pts)))
    add("mouth_closed", mouth_aspect_ratio(pts))
    skin = float(patches.mean(UPPER_SKIN))
    add("eye_occlusion", eye_visibility(grey, pts, skin))
    add("lower_face_texture", lower_face_texture(grey, pts, (bx - x0, by - y0, bw, bh)))
    if is_grey(roi):
        skipped.append("lower_face_occlusion")  # the cue is colour; a greyscale portrait has none
    else:
        ycrcb = Patches(cv2.cvtColor(roi, cv2.COLOR_BGR2YCrCb), pts, radius)
        add("lower_face_occlusion", lower_face_chroma(ycrcb))
    return QualityReport(tuple(measures), context, tuple(skipped))


def no_face_report(faces_count: int) -> QualityReport:
    """The report of a frame without a usable face: it fails presence ("look at the camera")."""
    presence = Measure("face_presence", 0.0, None, None, False, HINTS["no_face"])
    if faces_count > 1:
        return QualityReport((_measure("one_face", float(faces_count), (None, 1)), presence))
    return QualityReport((presence,))


def count_faces(faces: Sequence[Face], min_relative_area: float = 0.25) -> int:
    """Faces at least ``min_relative_area`` of the largest one's area (smaller ones are far in the background).

    Why: YuNet also fires on small background faces (posters, people far behind); in NUAA's live frames a
    third of the images had such detections at 6-19% of the subject's area. A second person close enough to
    matter at a kiosk is of comparable size.
    """
    if not faces:
        return 0
    biggest = max(f.area for f in faces)
    return sum(1 for f in faces if f.area >= min_relative_area * biggest)


def portrait_quality(image: np.ndarray, detector: Any, mesh: Any, config: QualityConfig | None = None) -> QualityReport:
    """Quality report of a DG2 portrait (small, often greyscale or from JPEG 2000).

    ``detector`` is an ``inference.detect.FaceDetector`` and ``mesh`` an ``inference.landmarks.FaceMesh``.
    Centring in the kiosk's oval, the frame-size and face-width checks are skipped (a portrait is cropped to
    the face by its issuer), and so is the colour-based mask cue for greyscale portraits.
    """
    from inference.detect import primary_face

    image = check_bgr(image)
    config = config or QualityConfig()
    faces = detector.detect(image)
    face = primary_face(faces, image.shape)
    if face is None:
        return QualityReport(no_face_report(0).measures, "portrait")
    landmarks = mesh.landmarks(image, face, with_iris=False)
    return assess(image, face, landmarks, config, faces_count=count_faces(faces), context="portrait")


# Measures whose value depends on how the camera frames the customer, not only on the face: they can be
# calibrated only from captures of the kiosk's own camera.
FRAME_RELATIVE = ("centring", "face_width")


def suggest_thresholds(values: Mapping[str, Sequence[float]], percentile: float = 5.0,
                       min_samples: int = 10) -> dict[str, float | tuple[float, float]]:
    """Thresholds from the measure values of *good* captures: the ``percentile`` for "higher is better"
    measures, ``100 - percentile`` for "lower is better" ones, both for ranges (brightness).

    So with the default, about 5% of a site's good captures would be refused by each measure alone: the
    operator trades that against how bad an image may get. Measures with fewer than ``min_samples`` finite
    values are left out, and so are saturated ones (the central 90% of values all equal, e.g. a face-presence
    score of 1.0 everywhere: a percentile of a constant says nothing about where bad images start). Results
    are clamped to what ``QualityConfig`` accepts.
    """
    if not 0.0 <= percentile < 50.0:
        raise ValueError("percentile must be at least 0 and below 50")
    limits = QualityConfig().limits()
    fields = QualityConfig.model_fields
    out: dict[str, float | tuple[float, float]] = {}
    for name, field_name in CONFIG_FIELDS.items():
        v = np.asarray([x for x in values.get(name, ()) if np.isfinite(x)], np.float64)
        if v.size < min_samples:
            continue
        if float(np.percentile(v, 95) - np.percentile(v, 5)) <= 1e-6:
            continue
        low, high = limits[name]
        lo_val, hi_val = float(np.percentile(v, percentile)), float(np.percentile(v, 100.0 - percentile))
        # Rounded outwards (lower bounds down, upper bounds up) so that rounding never refuses a good capture.
        lo_val, hi_val = float(np.floor(lo_val * 1e4) / 1e4), float(np.ceil(hi_val * 1e4) / 1e4)
        if low is not None and high is not None:
            out[field_name] = (lo_val, hi_val)
            continue
        value = lo_val if low is not None else hi_val
        meta = {type(m).__name__: m for m in fields[field_name].metadata}
        for attr, fn in (("ge", max), ("gt", max), ("le", min)):
            bound = getattr(meta.get(attr.capitalize()), attr, None)
            if bound is not None:
                value = fn(value, float(bound))
        out[field_name] = value
    return out
