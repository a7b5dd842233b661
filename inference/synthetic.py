"""Synthetic test subject and print-attack simulator (issue 4, item 9). Test tooling, not a person.

``SyntheticSubject`` animates ONE still face image so tests and the demo can play a subject that
follows an active challenge (DESIGN.md section 1, step 5): the 468-point face mesh is found once,
lifted to 3D with the mesh's own relative depth, rotated (yaw/pitch/roll), moved (closer, sideways) and
projected with the pinhole camera that ``inference.pose`` assumes (focal length = frame width); the
image is then warped piecewise-affinely over a Delaunay triangulation of the mesh plus two rings of
points around the head and the frame border, so the background stays put while the head moves. A blink
moves the upper-lid points onto the lower lid. Every frame gets a little sensor noise, as a camera
would: bit-identical frames are what a frozen or replayed feed looks like, not a live camera.

``PrintAttack`` is the same still image printed on a card and moved by pure homographies (a plane
tilted, turned, slid and brought closer, with optional paper grain and a glare spot): no 3D motion of
the face at all, which is what the motion-planarity test (``inference.planarity``) must catch.

Sign conventions are those of ``inference.pose``: yaw > 0 turns the nose towards the image's right
(the customer turning to THEIR left, see ``inference.challenge``), pitch > 0 tilts the face up, roll > 0
is clockwise in the image. Nothing here claims to be a real person: frames carry the intended state.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from inference.errors import BadImageError, InferenceError, NoFaceError

# Upper/lower eyelid contour pairs (MediaPipe mesh): image-left eye, then image-right eye.
UPPER_LIDS = (246, 161, 160, 159, 158, 157, 173, 466, 388, 387, 386, 385, 384, 398)
LOWER_LIDS = (7, 163, 144, 145, 153, 154, 155, 249, 390, 373, 374, 380, 381, 382)
# Face oval (MediaPipe FACEMESH_FACE_OVAL, in order around the face).
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
             152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
NOSE_TIP = 1


class ScriptError(InferenceError, ValueError):
    """A script names an action the synthetic subject cannot act out."""


@dataclass(frozen=True)
class SubjectState:
    """Where the synthetic head is: angles in degrees (``inference.pose`` signs), ``distance`` relative
    to the start (0.7 = 30% closer), ``shift`` of the head in frame pixels, ``blink`` 0 (open) to 1 (shut)."""

    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    distance: float = 1.0
    shift: tuple[float, float] = (0.0, 0.0)
    blink: float = 0.0

    def lerp(self, other: SubjectState, a: float) -> SubjectState:
        """The state a fraction ``a`` of the way from this one to ``other``."""
        def f(x: float, y: float) -> float:
            return x + (y - x) * a

        return SubjectState(f(self.yaw, other.yaw), f(self.pitch, other.pitch), f(self.roll, other.roll),
                            f(self.distance, other.distance),
                            (f(self.shift[0], other.shift[0]), f(self.shift[1], other.shift[1])),
                            f(self.blink, other.blink))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready copy."""
        return {"yaw": self.yaw, "pitch": self.pitch, "roll": self.roll, "distance": self.distance,
                "shift": list(self.shift), "blink": self.blink}


@dataclass(frozen=True)
class Keyframe:
    """Move smoothly (cosine ease) from the previous state to ``state`` over ``duration`` seconds."""

    duration: float
    state: SubjectState
    label: str = ""


@dataclass(frozen=True)
class SyntheticFrame:
    """One rendered frame: index, timestamp (s), 640x480-style BGR image, the intended state and label."""

    index: int
    t: float
    image: np.ndarray
    state: SubjectState
    label: str = ""


NEUTRAL = SubjectState()


def action_script(action: str, *, start: SubjectState = NEUTRAL, angle: float = 25.0, closer: float = 0.7,
                  nose_shift: tuple[float, float] = (0.0, 0.0), move_s: float = 0.5, hold_s: float = 0.5,
                  back_s: float = 0.5) -> list[Keyframe]:
    """Keyframes performing one challenge action (names as in ``inference.challenge``) and returning.

    ``turn_left`` is the customer's own left, i.e. the nose moves to the image's right (yaw > 0).
    ``nose_to_target`` shifts the head by ``nose_shift`` pixels (see ``SyntheticSubject.shift_to``).
    """
    goals = {
        "turn_left": replace(start, yaw=angle), "turn_right": replace(start, yaw=-angle),
        "look_up": replace(start, pitch=angle * 0.8), "look_down": replace(start, pitch=-angle * 0.8),
        "move_closer": replace(start, distance=closer),
        "nose_to_target": replace(start, shift=(start.shift[0] + nose_shift[0], start.shift[1] + nose_shift[1])),
    }
    if action == "blink":
        shut = replace(start, blink=1.0)
        return [Keyframe(0.1, shut, action), Keyframe(0.12, shut, action), Keyframe(0.12, start, action),
                Keyframe(hold_s, start, "rest")]
    if action not in goals:
        raise ScriptError(f"unknown action {action!r}; known: {sorted([*goals, 'blink'])}")
    goal = goals[action]
    return [Keyframe(move_s, goal, action), Keyframe(hold_s, goal, action), Keyframe(back_s, start, "rest")]


def _ease(a: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * min(max(a, 0.0), 1.0))


def state_at(script: Sequence[Keyframe], t: float, start: SubjectState = NEUTRAL) -> tuple[SubjectState, str]:
    """Interpolated state (and the label of the active keyframe) at time ``t`` seconds into ``script``."""
    prev, t0 = start, 0.0
    for kf in script:
        if t < t0 + kf.duration:
            a = (t - t0) / kf.duration if kf.duration > 0 else 1.0
            return prev.lerp(kf.state, _ease(a)), kf.label
        prev, t0 = kf.state, t0 + kf.duration
    return prev, "end"


def script_duration(script: Sequence[Keyframe]) -> float:
    """Total length of a script in seconds."""
    return float(sum(k.duration for k in script))


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Rotation in the camera frame (x right, y down, z away from the camera), pose.py's convention."""
    ry, rx, rz = np.radians([-yaw, pitch, roll])
    r_y = np.array([[math.cos(ry), 0, math.sin(ry)], [0, 1, 0], [-math.sin(ry), 0, math.cos(ry)]])
    r_x = np.array([[1, 0, 0], [0, math.cos(rx), -math.sin(rx)], [0, math.sin(rx), math.cos(rx)]])
    r_z = np.array([[math.cos(rz), -math.sin(rz), 0], [math.sin(rz), math.cos(rz), 0], [0, 0, 1]])
    rot: np.ndarray = r_z @ r_y @ r_x
    return rot


def _delaunay(points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(T, 3) vertex indices of the Delaunay triangles of ``points`` (assumed distinct)."""
    import cv2

    w, h = size
    sub = cv2.Subdiv2D((-2, -2, w + 4, h + 4))
    lookup: dict[tuple[float, float], int] = {}
    for i, (x, y) in enumerate(points):
        pt = (float(np.clip(x, -1, w + 1)), float(np.clip(y, -1, h + 1)))
        sub.insert(pt)
        lookup[(round(pt[0], 2), round(pt[1], 2))] = i
    tris = []
    for t in sub.getTriangleList():
        key = [(round(float(t[k]), 2), round(float(t[k + 1]), 2)) for k in (0, 2, 4)]
        if all(k in lookup for k in key):
            tris.append([lookup[k] for k in key])
    return np.array(tris, np.int32)


class PiecewiseAffineWarp:
    """Backward piecewise-affine warp over a fixed triangulation (triangle ids rasterised, then remap).

    Triangles are drawn far-to-near so folds (the far cheek behind the nose at large yaw) resolve like
    an opaque surface.
    """

    def __init__(self, src: np.ndarray, triangles: np.ndarray, size: tuple[int, int]) -> None:
        self.src = np.asarray(src, np.float64)
        self.tris = triangles
        self.size = size
        w, h = size
        self._xs, self._ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))

    def maps(self, dst: np.ndarray, depth: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(map_x, map_y) for ``cv2.remap`` taking the source image onto ``dst`` vertex positions."""
        import cv2

        w, h = self.size
        dst = np.asarray(dst, np.float64)
        s, d = self.src[self.tris], dst[self.tris]  # (T, 3, 2)
        # Affine dst->src per triangle: solve [x y 1] A = src for each triangle.
        ones = np.ones((len(self.tris), 3, 1))
        dh = np.concatenate([d, ones], axis=2)
        det = np.linalg.det(dh)
        # Cull triangles turned away from the camera (their winding flipped): the far cheek behind the
        # nose at large yaw. The head-outline ring keeps the pixels there covered.
        src_det = np.linalg.det(np.concatenate([s, ones], axis=2))
        ok = (np.abs(det) > 1e-6) & (np.sign(det) == np.sign(src_det))
        aff = np.zeros((len(self.tris), 3, 2))
        aff[ok] = np.linalg.solve(dh[ok], s[ok])
        order = np.argsort(-depth[self.tris].mean(axis=1)) if depth is not None else np.arange(len(self.tris))
        ids = np.full((h, w), -1, np.int32)
        pts = np.round(d * 16).astype(np.int32)
        for i in order:
            if ok[i]:
                cv2.fillConvexPoly(ids, pts[i], int(i), lineType=cv2.LINE_8, shift=4)
        covered = ids >= 0
        if not covered.all():
            # Holes left by culled triangles take the triangle of the nearest covered pixel (its affine map
            # extended), never the untouched source pixel, which would show the face where it was.
            _, labels = cv2.distanceTransformWithLabels(covered.astype(np.uint8) ^ 1, cv2.DIST_L2, 3,
                                                        labelType=cv2.DIST_LABEL_PIXEL)
            ys, xs = np.nonzero(covered)
            lut = np.zeros(labels.max() + 1, np.int32)
            lut[labels[ys, xs]] = ids[ys, xs]
            ids = np.where(covered, ids, lut[labels])
            covered = ids >= 0
        # Gather the six coefficients per pixel (float32 tables: far cheaper than one (h, w, 3, 2) gather).
        table = aff.reshape(len(self.tris), 6).astype(np.float32)
        idx = np.where(covered, ids, 0)
        c = [table[:, k][idx] for k in range(6)]  # a00 a01 a10 a11 a20 a21
        mx = np.where(covered, self._xs * c[0] + self._ys * c[2] + c[4], self._xs)
        my = np.where(covered, self._xs * c[1] + self._ys * c[3] + c[5], self._ys)
        return mx.astype(np.float32), my.astype(np.float32)


@dataclass
class _Rig:
    points: np.ndarray  # (N, 3) mesh in base-frame pixels, z relative depth (pixel scale)
    keep: np.ndarray  # indices of mesh points used as warp vertices (near-duplicates dropped)
    ring_inner: np.ndarray  # (R, 2) points along the oval, a halo just outside it, the head outline
    ring_outer: np.ndarray  # (R, 2) shoulders/background, moves a little
    border: np.ndarray  # (B, 2) fixed frame border
    pivot: np.ndarray  # (3,) rotation centre (neck), base-frame pixels
    warp: PiecewiseAffineWarp = field(repr=False)


class SyntheticSubject:
    """A still face made to move: ``render(state)`` one frame, ``play(script)`` a timed clip.

    Build with ``from_image(image, detector, mesh)`` (detect and mesh once) or directly from a base
    frame and its 468x3 mesh points. Frames are ``frame_size`` (default 640x480) BGR uint8.
    """

    def __init__(self, base: np.ndarray, points: np.ndarray, noise_sigma: float = 2.0, seed: int = 0) -> None:
        base = np.ascontiguousarray(base)
        if base.ndim != 3 or base.shape[2] != 3 or base.dtype != np.uint8:
            raise BadImageError("the base frame must be an HxWx3 uint8 BGR image")
        points = np.asarray(points, np.float64)
        if points.ndim != 2 or points.shape[0] < 468 or points.shape[1] != 3:
            raise BadImageError("mesh points must be an array of shape (468, 3)")
        self.base = base
        self.size = (base.shape[1], base.shape[0])
        self.focal = float(self.size[0])  # the camera inference.pose assumes
        self.noise_sigma = noise_sigma
        self._noise = _Noise(self.size, noise_sigma, np.random.default_rng(seed))
        self._rig = self._build_rig(points[:468])

    @classmethod
    def from_image(cls, image: np.ndarray, detector: object, mesh: object, frame_size: tuple[int, int] = (640, 480),
                   face_width_fraction: float = 0.28, noise_sigma: float = 2.0, seed: int = 0) -> SyntheticSubject:
        """Frame the largest face of ``image`` (face box ``face_width_fraction`` of the frame width, crop
        padded by edge replication when needed), then detect and mesh it once on that frame."""
        import cv2

        from inference.detect import primary_face

        faces = detector.detect(image)  # type: ignore[attr-defined]
        face = primary_face(faces, image.shape)
        if face is None:
            raise NoFaceError("no face found in the image given to the synthetic subject")
        w, h = frame_size
        x, y, bw, bh = face.box
        crop_w = bw / face_width_fraction
        crop_h = crop_w * h / w
        cx, cy = x + bw / 2, y + bh / 2 + 0.12 * crop_h
        m = np.array([[w / crop_w, 0, -(cx - crop_w / 2) * w / crop_w],
                      [0, h / crop_h, -(cy - crop_h / 2) * h / crop_h]], np.float64)
        base = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
        faces = detector.detect(base)  # type: ignore[attr-defined]
        face = primary_face(faces, base.shape)
        if face is None:
            raise NoFaceError("the face was lost after framing it for the synthetic subject")
        lm = mesh.landmarks(base, face, with_iris=False)  # type: ignore[attr-defined]
        return cls(base, lm.points, noise_sigma=noise_sigma, seed=seed)

    # -- rig -------------------------------------------------------------------------------------------------

    def _build_rig(self, pts: np.ndarray) -> _Rig:
        w, h = self.size
        xy = pts[:, :2]
        keep: list[int] = []
        for i in range(len(pts)):  # drop near-duplicates (closed lips): Delaunay needs distinct vertices
            if not keep or float(np.min(np.hypot(*(xy[keep] - xy[i]).T))) > 0.75:
                keep.append(i)
        centre = xy[list(FACE_OVAL)].mean(axis=0)
        half = (xy[list(FACE_OVAL)].max(axis=0) - xy[list(FACE_OVAL)].min(axis=0)) / 2
        ang = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        circle = np.stack([np.cos(ang), np.sin(ang)], axis=1)
        ring_outer = centre + circle * half * 2.4
        n = 8
        edge = np.linspace(0, 1, n, endpoint=False)
        border = np.concatenate([
            np.stack([edge * (w - 1), np.zeros(n)], 1), np.stack([np.full(n, w - 1), edge * (h - 1)], 1),
            np.stack([(1 - edge) * (w - 1), np.full(n, h - 1)], 1), np.stack([np.zeros(n), (1 - edge) * (h - 1)], 1)])
        face_width = float(np.linalg.norm(xy[234] - xy[454]))
        # The neck pivot sits about 0.75 face widths behind the nose tip (head ~ 20 cm deep, 14 cm wide).
        pivot = np.array([centre[0], centre[1] + 0.1 * face_width, pts[NOSE_TIP, 2] + 0.75 * face_width])
        # Around the face: points along the oval's edges (3D, interpolated from the oval, so the triangulation
        # follows the face outline), a halo 12% outside the oval that moves in 2D with its oval point (skin
        # edge, hairline), and the head outline (hair, ears) that moves in 2D with the projected pivot. Moving
        # the outer two in 3D folds them over the face at large yaw (saw teeth along the jaw).
        oval = pts[list(FACE_OVAL)]
        nxt = np.roll(oval, -1, axis=0)
        edges = np.concatenate([oval + (nxt - oval) * f for f in (0.25, 0.5, 0.75)])
        edges = edges[[float(np.min(np.hypot(*(xy - e[:2]).T))) > 1.0 for e in edges]]
        halo = centre + (oval[:, :2] - centre) * 1.12
        outline = centre + circle * half * 1.45
        ring_inner = np.concatenate([edges[:, :2], halo, outline])
        self._n_edges = len(edges)
        self._edges3d = edges
        # Rings must stay inside the frame and clear of the border points.
        ring_inner = np.clip(ring_inner, 4, [w - 5, h - 5])
        ring_outer = np.clip(ring_outer, 2, [w - 3, h - 3])
        verts = np.concatenate([xy[keep], ring_inner, ring_outer, border])
        tris = _delaunay(verts, self.size)
        return _Rig(pts, np.array(keep), ring_inner, ring_outer, border, pivot,
                    PiecewiseAffineWarp(verts, tris, self.size))

    @property
    def points(self) -> np.ndarray:
        """The neutral mesh points (468, 3) of the base frame."""
        return self._rig.points.copy()

    @property
    def nose(self) -> np.ndarray:
        """Neutral nose-tip position (x, y) in frame pixels."""
        return self._rig.points[NOSE_TIP, :2].copy()

    def shift_to(self, target_xy: tuple[float, float], start: SubjectState = NEUTRAL) -> tuple[float, float]:
        """The head shift that brings the nose tip onto ``target_xy`` (frame pixels) from ``start``."""
        shift = start.shift
        for _ in range(4):  # the nose is nearer the camera than the pivot, so it moves a little more: iterate
            now = self.project(replace(start, shift=shift))[NOSE_TIP]
            shift = (shift[0] + target_xy[0] - float(now[0]), shift[1] + target_xy[1] - float(now[1]))
        return shift

    def follow(self, steps: Sequence[object], start: SubjectState = NEUTRAL, **timing: float) -> list[Keyframe]:
        """Keyframes acting out challenge steps (objects with ``action`` and a normalised camera-image
        ``target``, as ``inference.challenge.ChallengeStep``) one after another, after a still ``lead_in_s``
        (default 0.6 s); the rest of ``timing`` goes to ``action_script`` (``angle``, ``closer``, ``move_s``,
        ``hold_s``, ``back_s``)."""
        w, h = self.size
        # A customer acts once the kiosk prompts, and it prompts only after a steady neutral baseline:
        # start with a still lead-in, so a quick first action (a blink) is not lost in the baseline.
        lead_in = timing.pop("lead_in_s", 0.6)
        script: list[Keyframe] = [Keyframe(lead_in, start, "rest")] if lead_in > 0 else []
        for step in steps:
            target = getattr(step, "target", None)
            shift = (0.0, 0.0)
            if target is not None:
                goal = self.shift_to((target[0] * w, target[1] * h), start)
                shift = (goal[0] - start.shift[0], goal[1] - start.shift[1])
            script += action_script(str(getattr(step, "action")), start=start, nose_shift=shift, **timing)
        return script

    def _mesh3d(self, state: SubjectState) -> np.ndarray:
        pts = self._rig.points.copy()
        if state.blink > 0:
            up, lo = list(UPPER_LIDS), list(LOWER_LIDS)
            pts[up] += (pts[lo] - pts[up]) * min(state.blink, 1.0)
        return pts

    def _close_lids(self, mx: np.ndarray, my: np.ndarray, mesh_xy: np.ndarray, blink: float) -> list[np.ndarray]:
        """Cover the eye opening with eyelid skin: pixels between the upper lid and its lowered position
        sample the skin just above the eye (the map is shifted up by the opening's height). Returns the
        lowered lid lines, where the caller draws the lashes."""
        import cv2

        h, w = mx.shape
        lines = []
        for k in (0, 7):
            up = mesh_xy[list(UPPER_LIDS[k:k + 7])]
            lo = mesh_xy[list(LOWER_LIDS[k:k + 7])]
            lid = up + (lo - up) * min(blink, 1.0)
            opening = float(np.max(lo[:, 1] - up[:, 1]))
            # Cover the upper lash line too (a band of ~15% of the eye width above the lid).
            band = 0.15 * float(np.linalg.norm(up[0] - up[-1]))
            up = up - np.array([0.0, band])
            d = max(2, int(round(opening + 2 * band)))
            x0, y0 = np.floor(np.minimum(up.min(axis=0), lo.min(axis=0))).astype(int) - 2
            x1, y1 = np.ceil(np.maximum(up.max(axis=0), lo.max(axis=0))).astype(int) + 3
            x0, y0, x1, y1 = max(x0, 0), max(y0, d), min(x1, w), min(y1, h)
            if x1 <= x0 or y1 <= y0:
                continue
            mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
            poly = np.concatenate([up, lid[::-1]]) - np.array([x0, y0])
            cv2.fillPoly(mask, [np.round(poly * 16).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=4)
            m = mask.astype(bool)
            mx[y0:y1, x0:x1][m] = mx[y0 - d:y1 - d, x0:x1][m]
            my[y0:y1, x0:x1][m] = my[y0 - d:y1 - d, x0:x1][m]
            lines.append(lid)
        return lines

    def _transform(self, pts3: np.ndarray, state: SubjectState, rotate: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Project base-frame 3D points (pixel units, z relative) after the state's motion: (xy, depth)."""
        w, h = self.size
        f = self.focal
        c = np.array([w / 2, h / 2, 0.0])
        # Camera coordinates in 'pixels at the reference depth': X, Y from the image, Z = f + z.
        cam = np.column_stack([pts3[:, 0] - c[0], pts3[:, 1] - c[1], f + pts3[:, 2]])
        scale = cam[:, 2:3] / f
        cam[:, :2] *= scale  # back-project through the pinhole
        piv = np.array([self._rig.pivot[0] - c[0], self._rig.pivot[1] - c[1], f + self._rig.pivot[2]])
        piv[:2] *= piv[2] / f
        if rotate:
            cam = (cam - piv) @ _rotation(state.yaw, state.pitch, state.roll).T + piv
        depth_now = piv[2] * state.distance
        cam = cam + np.array([0.0, 0.0, depth_now - piv[2]])
        # A head shift of (dx, dy) pixels at the pivot's depth.
        cam[:, :2] += np.array(state.shift) * depth_now / f
        xy = cam[:, :2] * f / cam[:, 2:3] + c[:2]
        return xy, cam[:, 2]

    def project(self, state: SubjectState) -> np.ndarray:
        """The intended mesh points (468, 2) in frame pixels for ``state`` (ground truth, not re-detected)."""
        return self._transform(self._mesh3d(state), state)[0]

    def render(self, state: SubjectState) -> np.ndarray:
        """One BGR frame of the subject in ``state`` (with sensor noise)."""
        import cv2

        rig = self._rig
        mesh_xy, mesh_z = self._transform(self._rig.points, state)
        piv_z = rig.pivot[2]
        ne, no = self._n_edges, len(FACE_OVAL)
        edges_xy, _ = self._transform(self._edges3d, state)
        oval_now = mesh_xy[list(FACE_OVAL)]
        oval_src = rig.points[list(FACE_OVAL), :2]
        pivot_now = self._transform(rig.pivot[None], state, rotate=False)[0][0]
        scale = float(np.std(oval_now - oval_now.mean(axis=0)) / np.std(oval_src - oval_src.mean(axis=0)))
        halo_xy = oval_now + (rig.ring_inner[ne:ne + no] - oval_src) * scale
        outline_xy = pivot_now + (rig.ring_inner[ne + no:] - rig.pivot[:2]) * scale
        ring_in_xy = np.concatenate([edges_xy, halo_xy, outline_xy])
        # The outer ring (shoulders, background near the head) follows the head's 2D motion by a third.
        ring_out_c = np.column_stack([rig.ring_outer, np.full(len(rig.ring_outer), piv_z)])
        ring_out_xy = rig.ring_outer + (self._transform(ring_out_c, state, rotate=False)[0] - rig.ring_outer) / 3
        w, h = self.size
        ring_in_xy = np.clip(ring_in_xy, 2, [w - 3, h - 3])
        dst = np.concatenate([mesh_xy[rig.keep], ring_in_xy, np.clip(ring_out_xy, 1, [w - 2, h - 2]), rig.border])
        # Triangles touching a ring or the border are drawn first, the face mesh over them, far to near.
        depth = np.concatenate([mesh_z[rig.keep], np.full(len(ring_in_xy) + len(rig.ring_outer) + len(rig.border), 1e9)])
        mx, my = rig.warp.maps(dst, depth)
        lids = self._close_lids(mx, my, mesh_xy, state.blink) if state.blink > 0.05 else []
        frame = cv2.remap(self.base, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        for lid in lids:  # the lash line along the closed lid
            pts = np.round(lid * 16).astype(np.int32).reshape(-1, 1, 2)
            cv2.polylines(frame, [pts], False, (45, 40, 40), thickness=2, lineType=cv2.LINE_AA, shift=4)
        return self._noise(frame)

    def play(self, script: Sequence[Keyframe], fps: float = 30.0, start: SubjectState = NEUTRAL,
             t0: float = 0.0, lead_in_s: float = 0.0) -> Iterator[SyntheticFrame]:
        """Render ``script`` at ``fps`` (timestamps from ``t0``), after ``lead_in_s`` seconds holding ``start``."""
        full = [Keyframe(lead_in_s, start, "rest")] + list(script) if lead_in_s > 0 else list(script)
        n = int(math.floor(script_duration(full) * fps)) + 1
        for i in range(n):
            t = i / fps
            state, label = state_at(full, t, start)
            yield SyntheticFrame(i, t0 + t, self.render(state), state, label)


class _Noise:
    """Camera-like sensor noise, fast: a few pre-drawn noise fields, each frame a random bank and offset
    (never the same pair twice in a row), added and subtracted with saturating uint8 arithmetic."""

    _PAD = 32

    def __init__(self, size: tuple[int, int], sigma: float, rng: np.random.Generator, banks: int = 4) -> None:
        w, h = size
        self.sigma = sigma
        self._rng = rng
        self._last = (-1, -1, -1)
        shape = (banks, h + self._PAD, w + self._PAD, 3)
        field_ = np.rint(rng.normal(0.0, sigma, shape)) if sigma > 0 else np.zeros(shape)
        self._pos = np.clip(field_, 0, 255).astype(np.uint8)
        self._neg = np.clip(-field_, 0, 255).astype(np.uint8)

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        import cv2

        if self.sigma <= 0:
            return frame
        h, w = frame.shape[:2]
        while True:
            pick = (int(self._rng.integers(len(self._pos))), int(self._rng.integers(self._PAD)),
                    int(self._rng.integers(self._PAD)))
            if pick != self._last:
                break
        self._last = pick
        b, dy, dx = pick
        out = cv2.add(frame, self._pos[b, dy:dy + h, dx:dx + w])
        return cv2.subtract(out, self._neg[b, dy:dy + h, dx:dx + w])


def write_video(frames: Iterable[SyntheticFrame], path: Path, fps: float = 30.0) -> int:
    """Write frames to a video file (MJPG in .avi, or mp4v in .mp4, as OpenCV's writer supports); returns the
    number of frames written. For headless runs (``kiosk verify --video``) and the demo."""
    import cv2

    path = Path(path)
    fourcc = cv2.VideoWriter.fourcc(*("MJPG" if path.suffix.lower() == ".avi" else "mp4v"))
    writer: Any = None
    n = 0
    try:
        for fr in frames:
            if writer is None:
                h, w = fr.image.shape[:2]
                writer = cv2.VideoWriter(str(path), fourcc, fps, (w, h))
                if not writer.isOpened():
                    raise ScriptError(f"cannot write video {path.name}: no encoder for {path.suffix or 'this format'}")
            writer.write(fr.image)
            n += 1
    finally:
        if writer is not None:
            writer.release()
    return n


def face_mask(points: np.ndarray, size: tuple[int, int], feather: float = 0.0) -> np.ndarray:
    """Float mask (h, w) in [0, 1] of the face oval of mesh ``points``; ``feather`` blurs its edge (pixels)."""
    import cv2

    w, h = size
    mask: np.ndarray = np.zeros((h, w), np.float32)
    poly = np.round(np.asarray(points)[list(FACE_OVAL), :2] * 16).astype(np.int32)
    cv2.fillPoly(mask, [poly], 1.0, lineType=cv2.LINE_AA, shift=4)
    if feather > 0:
        mask = cv2.GaussianBlur(mask, (0, 0), feather)
    return mask


def screen_light(image: np.ndarray, points: np.ndarray, rgb: tuple[float, float, float], strength: float = 0.12,
                 background: float = 0.2) -> np.ndarray:
    """Simulate a kiosk screen of colour ``rgb`` (0..1) lighting the face: skin reflects ``strength`` of it
    (multiplicatively, as reflected light does), the rest of the frame ``background`` times as much."""
    h, w = image.shape[:2]
    mask = face_mask(points, (w, h), feather=4.0)
    weight = background + (1.0 - background) * mask
    bgr = np.array([rgb[2], rgb[1], rgb[0]], np.float32)
    gain = 1.0 + strength * weight[..., None] * bgr[None, None, :]
    return np.clip(image.astype(np.float32) * gain, 0, 255).astype(np.uint8)
