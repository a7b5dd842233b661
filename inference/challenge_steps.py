"""The challenge's vocabulary: actions, configuration, steps, and how sequences are drawn or parsed.

Sequences and nose targets are drawn with ``secrets``: no recording can know them in advance. The
engine that checks them frame by frame is ``inference.challenge``.
"""
from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from inference.errors import InferenceError

Action = Literal["turn_left", "turn_right", "look_up", "look_down", "blink", "nose_to_target", "move_closer"]
ALL_ACTIONS: tuple[Action, ...] = ("turn_left", "turn_right", "look_up", "look_down", "blink", "nose_to_target",
                                   "move_closer")


class ChallengeError(InferenceError, ValueError):
    """A challenge was specified wrongly (unknown action, malformed target)."""


class ChallengeConfig(BaseModel):
    """Thresholds and the action set of the active challenge. Angles in degrees, times in seconds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Replaying the 12 live clips (real people talking, blinking, turning a little) against 2400 random
    # challenges each: length 3 with 6 s per step passed 0.3-0.6% of them, length 4 with 5 s per step
    # 0-0.08%; the clips that got through were the two with the most head motion.
    length: int = Field(default=4, ge=1, le=10, description="Number of actions in a random challenge.")
    actions: tuple[Action, ...] = Field(default=ALL_ACTIONS, min_length=1, description="Actions a random challenge draws from.")
    allow_repeats: bool = Field(default=False, description="Whether one action may appear twice in a random challenge.")
    baseline_frames: int = Field(default=5, ge=1, le=60, description="Steady frames (pose spread within the neutral "
                                 "limits) with one face that set the customer's frontal pose and open-eye level "
                                 "before the first step is prompted.")
    # A deliberate turn is 25-45 degrees; jitter of the pose estimate and natural sway stays within ~5-8.
    yaw_enter: float = Field(default=18.0, gt=0, description="Yaw change (from the frontal baseline) that counts as turned.")
    yaw_exit: float = Field(default=10.0, gt=0, description="Yaw change below which a turn has ended (hysteresis).")
    pitch_enter: float = Field(default=12.0, gt=0, description="Pitch change that counts as looking up or down (people "
                               "nod less far than they turn).")
    pitch_exit: float = Field(default=6.0, gt=0, description="Pitch change below which a nod has ended.")
    neutral_yaw: float = Field(default=10.0, gt=0, description="A step starts only once |yaw change| is below this.")
    neutral_pitch: float = Field(default=8.0, gt=0, description="A step starts only once |pitch change| is below this.")
    # Open eyes' EAR from the iris model's contour is ~0.3-0.4, closed ~0.1 (measured on the synthetic subject).
    blink_enter: float = Field(default=0.55, gt=0, lt=1, description="Eyes count as closed when both openness ratios fall "
                               "below this fraction of the baseline.")
    blink_exit: float = Field(default=0.8, gt=0, le=1, description="Eyes count as reopened above this fraction of baseline.")
    blink_hold_frames: int = Field(default=1, ge=1, description="Frames the eyes must stay closed (a blink lasts 100-300 ms).")
    closer_enter: float = Field(default=1.25, gt=1, description="Face-size ratio to the step's start that counts as closer.")
    closer_exit: float = Field(default=1.15, gt=1, description="Face-size ratio below which 'closer' has ended.")
    target_centre: tuple[float, float] = Field(
        default=(0.5, 0.46), description="Where the guide oval puts the nose (fractions of frame width and height; "
                                         "the quality gate's oval centre): nose targets are drawn around it.")
    frame_aspect: float = Field(default=4 / 3, gt=0, description="Camera frame width over height (640x480: 4/3).")
    target_min_offset: float = Field(default=0.15, gt=0, lt=0.5, description="Nose targets lie at least this far from the "
                                     "frame centre (fraction of the frame width).")
    target_max_offset: float = Field(default=0.25, gt=0, lt=0.5, description="...and at most this far.")
    target_enter: float = Field(default=0.05, gt=0, description="Nose within this distance of the target (fraction of "
                                "the frame width) counts as on target.")
    target_exit: float = Field(default=0.08, gt=0, description="Nose beyond this distance has left the target.")
    target_hold_s: float = Field(default=0.4, ge=0, description="Time the nose must stay on the target: a head "
                                 "sweeping past it (as recordings do) does not count.")
    hold_frames: int = Field(default=3, ge=1, description="Consecutive frames an action must be held (all but blink).")
    step_timeout_s: float = Field(default=5.0, gt=0, description="Time allowed for one step, from its prompt.")
    max_missing_frames: int = Field(default=5, ge=0, description="Consecutive frames without a face tolerated (blur).")
    max_gap_s: float = Field(default=0.5, gt=0, description="Largest gap between consecutive timestamps.")
    # Face size here = twice the RMS radius of the rigid upper-face points (jaw excluded: speech does not
    # count as motion). Over the 12 live clips (real people, some shaking their heads) the fastest centre
    # motion was 14.3 sizes/s and the fastest size change 2.4/s; a spliced or switched feed jumps further.
    max_centre_speed: float = Field(default=25.0, gt=0, description="Face-centre speed limit in face sizes per second.")
    max_scale_speed: float = Field(default=5.0, gt=0, description="Face-size change limit, |ln(size ratio)| per second.")
    min_jump_dt: float = Field(default=1 / 30, gt=0, description="Shortest interval the speed limits are applied over.")
    freeze_frames: int = Field(default=3, ge=2, description="Consecutive identical landmark sets that mean a frozen feed.")
    freeze_epsilon_px: float = Field(default=0.01, ge=0, description="Largest landmark change still counted as identical.")
    reject_wrong_action: bool = Field(default=True, description="Fail when the customer clearly does another "
                                      "action than the one prompted (what a recording moving on its own does).")
    wrong_action_factor: float = Field(default=1.5, ge=1, description="A movement across the prompted one (a nod while "
                                       "a turn is asked, any turn or nod during a blink or 'closer') counts as wrong "
                                       "beyond this multiple of its enter threshold; the opposite direction beyond "
                                       "its enter threshold.")
    require_identity: bool = Field(default=True, description="Require embeddings at the start and the end.")
    # SFace's published same-person cosine threshold is 0.363 (OpenCV Zoo); seconds apart, in the same light,
    # the same person scores far above it.
    identity_threshold: float = Field(default=0.363, ge=-1, le=1, description="Minimum cosine between start and end.")


@dataclass(frozen=True)
class ChallengeStep:
    """One prompted action; ``target`` (normalised camera-image x, y) only for ``nose_to_target``."""

    action: Action
    target: tuple[float, float] | None = None

    def display_target(self, mirrored: bool = True) -> tuple[float, float] | None:
        """Where to draw the target in a preview that is mirrored (or not), normalised coordinates."""
        if self.target is None:
            return None
        return (1.0 - self.target[0], self.target[1]) if mirrored else self.target

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return {"action": self.action, "target": list(self.target) if self.target else None}

    def __str__(self) -> str:
        return self.action + (f"@{self.target[0]:.3f}:{self.target[1]:.3f}" if self.target else "")


def draw_steps(config: ChallengeConfig) -> tuple[ChallengeStep, ...]:
    """A random challenge: ``config.length`` actions from ``config.actions`` (``secrets``), with targets."""
    pool = list(config.actions)
    steps: list[ChallengeStep] = []
    for _ in range(config.length):
        choices = pool if config.allow_repeats else [a for a in pool if a not in {s.action for s in steps}] or pool
        # Never the same action twice in a row: it would let one held pose satisfy two steps.
        if steps and len(choices) > 1:
            choices = [a for a in choices if a != steps[-1].action]
        action = choices[secrets.randbelow(len(choices))]
        steps.append(ChallengeStep(action, random_target(config) if action == "nose_to_target" else None))
    return tuple(steps)


def random_target(config: ChallengeConfig) -> tuple[float, float]:
    """A target point (normalised x, y) drawn with ``secrets`` on a ring around the guided nose position.

    The ring's radius is in fractions of the frame width, the unit the engine measures nose distance in,
    so every target lies between ``target_min_offset`` and ``target_max_offset`` of travel from a nose
    centred in the guide oval (a target straight above is as far as one to the side).
    """
    rnd = secrets.SystemRandom()
    angle = rnd.uniform(0, 2 * math.pi)
    r = rnd.uniform(config.target_min_offset, config.target_max_offset)
    cx, cy = config.target_centre
    x = cx + r * math.cos(angle)
    y = cy + r * math.sin(angle) * config.frame_aspect  # width units -> fractions of the height
    return (min(max(x, 0.05), 0.95), min(max(y, 0.05), 0.95))


def parse_step(text: str, config: ChallengeConfig | None = None) -> ChallengeStep:
    """One step from text: an action name, and for ``nose_to_target`` optionally ``@x:y`` (normalised
    camera-image coordinates, e.g. ``nose_to_target@0.70:0.40``; without it a random target is drawn)."""
    name, _, where = text.strip().partition("@")
    if name not in ALL_ACTIONS:
        raise ChallengeError(f"unknown challenge action {name!r}; known: {', '.join(ALL_ACTIONS)}")
    if name != "nose_to_target":
        if where:
            raise ChallengeError(f"only nose_to_target takes a target, not {name!r}")
        return ChallengeStep(name)
    if not where:
        return ChallengeStep("nose_to_target", random_target(config or ChallengeConfig()))
    try:
        x, y = (float(v) for v in where.split(":"))
    except ValueError:
        raise ChallengeError(f"target {where!r} is not 'x:y' with numbers between 0 and 1") from None
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        raise ChallengeError(f"target {where!r} lies outside the frame (x and y must be in [0, 1])")
    return ChallengeStep("nose_to_target", (x, y))


def parse_steps(text: str, config: ChallengeConfig | None = None) -> list[ChallengeStep]:
    """Comma-separated steps, e.g. ``"turn_left,blink,nose_to_target@0.7:0.4"`` (see ``parse_step``)."""
    steps = [parse_step(part, config) for part in text.split(",") if part.strip()]
    if not steps:
        raise ChallengeError("no challenge actions given")
    return steps
