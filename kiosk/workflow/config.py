"""The kiosk's one configuration file (TOML): devices, languages, time limits, kiosk mode.

Every table is validated (unknown keys are refused, so a typo cannot silently fall back to a default).
``[storage]`` keeps its own model in ``storage.config``; this file holds what the workflow and the
window need. The reference with every key is in the README ("Kiosk configuration").
"""
from __future__ import annotations

import hashlib
import hmac
import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hardware.camera.config import CameraConfig
from hardware.nfc.config import ReaderConfig

from kiosk.errors import BadInputError
from kiosk.policy import PolicyConfig


class TimeoutsConfig(BaseModel):
    """Seconds each screen may last without progress before the kiosk resets to the attract screen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: float = Field(default=90.0, gt=0, description="Entering or scanning the document data.")
    chip: float = Field(default=60.0, gt=0, description="Laying the document on the reader and reading it.")
    face: float = Field(default=30.0, gt=0, description="Getting one steady face in the oval.")
    # 4 steps of at most 5 s each, plus the moves back to neutral in between.
    challenge: float = Field(default=40.0, gt=0, description="The whole active challenge.")
    processing: float = Field(default=30.0, gt=0, description="Deciding and recording (a stuck worker resets).")
    result: float = Field(default=15.0, gt=0, description="Showing the result.")
    staff: float = Field(default=30.0, gt=0, description="The 'please ask staff' screen.")


class DevicesConfig(BaseModel):
    """Which camera and reader to use. ``demo`` uses simulated devices (virtual passport, synthetic customer)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    simulated: bool = Field(default=True, description="Use simulated devices (virtual passport, synthetic "
                            "customer): the autoplay demo. False drives [devices.camera] and [devices.reader].")
    camera: CameraConfig = Field(default_factory=CameraConfig, description="The camera (device, format, "
                                 "health limits, injection allow-list): see the Devices section.")
    reader: ReaderConfig = Field(default_factory=ReaderConfig, description="The passport reader.")
    camera_stall_s: float = Field(default=3.0, gt=0, description="A camera that delivers no frame for this "
                                  "long is restarted (watchdog); after a second stall the kiosk asks for staff.")
    chip_attempts: int = Field(default=3, ge=1, le=10, description="Reads that fail (document lifted, "
                               "unreadable) before the kiosk asks for staff.")
    mirror_preview: bool = Field(default=True, description="Show the camera like a mirror (customers expect it).")
    scan_mrz: bool = Field(default=True, description="Read the MRZ of a photo page held up to the camera on the "
                           "document screen (model ppocr_rec); typing stays one tap away. False: typing only.")


class KioskModeConfig(BaseModel):
    """Kiosk (lock-down) mode: full screen, no close; leaving needs the operator PIN."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(default=False, description="Full screen, frameless, no close/Alt+F4/Escape.")
    pin_hash: str | None = Field(default=None, description="scrypt hash of the operator PIN "
                                 "('scrypt$salt_hex$hash_hex', made by `kiosk pin hash`). None: leaving kiosk mode "
                                 "is impossible from the screen.")
    pin_attempts: int = Field(default=5, ge=1, description="Wrong PINs before the PIN pad locks.")
    pin_lock_s: float = Field(default=300.0, gt=0, description="How long the PIN pad stays locked.")


class UiConfig(BaseModel):
    """What the customer sees."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    languages: tuple[Literal["en", "de"], ...] = Field(default=("en", "de"), min_length=1,
                                                      description="Languages offered by the language button.")
    language: Literal["en", "de"] = Field(default="en", description="Language of the attract screen.")
    theme: Literal["standard", "high_contrast"] = Field(default="standard", description="Colour theme.")
    assisted: bool = Field(default=False, description="Branch-office mode: a clerk starts each session and sees "
                           "the evidence summary the customer does not.")
    # On by default (issue 14): it is the one layer that sees a face shown on a screen, e.g. a puppet made from
    # any photo that follows the active challenge. A kiosk whose screen cannot light the customer's face (a
    # screen facing away, direct sunlight) turns it off and loses that defence (README, "The live puppet").
    screen_flash: bool = Field(default=True, description="Show the screen-flash colour challenge after the "
                               "active one, and decide on it (a failure sends the session to review).")
    # WCAG 2.2.1 (EN 301 549 5.1.3 / 11.2.2.1): a time limit the customer can extend at least tenfold.
    more_time_factor: float = Field(default=10.0, ge=10.0, le=100.0, description="'More time' multiplies every "
                                    "screen's time limit and each challenge step's by this (at least 10, WCAG "
                                    "2.2.1) for the rest of the session.")
    large_text: bool = Field(default=False, description="Start every session in large text (150%); the customer "
                             "can switch it on and off with the 'Aa' button either way.")


class LivenessTable(BaseModel):
    """Passive liveness: which fusion model scores the face (``kiosk.pad.site``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(default="site", min_length=1, description="\"site\": the model 'kiosk pad collect' installed "
                       "in <data dir>/pad/site_model.json (FaceAntiSpoofing alone until one is installed; once one is, "
                       "a missing, damaged or changed file stops the kiosk at start-up); \"none\": FaceAntiSpoofing "
                       "alone; or the path of a model from 'kiosk pad train' (it must load).")
    aggregate: Literal["median", "mean", "max"] = Field(default="median", description="How the frames' attack "
                                                        "scores combine (max: the worst frame decides).")


class KioskConfig(BaseModel):
    """The whole file (``[storage]`` is read by storage itself)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kiosk_id: str = Field(default="kiosk-1", min_length=1, max_length=64, description="Name of this kiosk in the log.")
    devices: DevicesConfig = Field(default_factory=DevicesConfig)
    timeouts: TimeoutsConfig = Field(default_factory=TimeoutsConfig)
    kiosk_mode: KioskModeConfig = Field(default_factory=KioskModeConfig)
    ui: UiConfig = Field(default_factory=UiConfig)
    liveness: LivenessTable = Field(default_factory=LivenessTable)
    storage: dict[str, object] = Field(default_factory=dict, description="See the Storage section.")
    api: dict[str, object] = Field(default_factory=dict, description="`kiosk serve` only (kiosk.api.config."
                                   "ApiConfig, validated there): see the Integration API section.")
    policy: PolicyConfig = Field(default_factory=PolicyConfig, description="The decision policy's thresholds and "
                                 "per-reason severities (kiosk.policy.PolicyConfig); the defaults are the measured ones.")


def load_config(path: Path | None) -> KioskConfig:
    """Read and validate the config file (None: the defaults); ``BadInputError`` names the bad key."""
    if path is None:
        return KioskConfig()
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except OSError as exc:
        raise BadInputError(f"cannot read config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError(f"config file {path} is not valid TOML: {exc}") from exc
    try:
        return KioskConfig.model_validate(doc)
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise BadInputError(f"config file {path}: {errors}") from exc


# scrypt as for operator passwords (N=2^15, r=8, p=1): a PIN is short, so the work factor is what slows a
# guesser who copied the config; the on-screen pad adds its own attempt limit.
def hash_pin(pin: str) -> str:
    """A salted scrypt hash of ``pin`` for ``kiosk_mode.pin_hash``."""
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise BadInputError("the operator PIN must be 4 to 12 digits")
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**15, r=8, p=1, maxmem=64 * 2**20, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_pin(pin: str, pin_hash: str | None) -> bool:
    """Whether ``pin`` matches ``pin_hash`` (constant-time; False for a missing or malformed hash)."""
    try:
        scheme, salt_hex, digest_hex = (pin_hash or "").split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt_hex), n=2**15, r=8, p=1,
                                maxmem=64 * 2**20, dklen=32)
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)
