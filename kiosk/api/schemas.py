"""Request bodies. In JSON, images and DG2 are text (base64; DG2 also hex); in multipart/form-data the same
fields are form fields, images as file parts (frames: repeated ``frames`` parts plus a ``timestamps`` field)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

# In JSON a blob is base64 text; the schema says so (a multipart body, built from the same model by
# ``kiosk.api.contract``, shows it as a binary file part, which ``x-blob`` marks).
Blob = Annotated[str | bytes, Field(description="base64 text in JSON (a data: URL is accepted); a file part in "
                                                "multipart/form-data"),
                 WithJsonSchema({"type": "string", "x-blob": True,
                                 "description": "base64 text in JSON (a data: URL is accepted); a file part in "
                                                "multipart/form-data"})]
Encoding = Literal["base64", "hex"]
MAX_LIVENESS_IMAGES = 8
LIST_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"  # kiosk.facebank.check_list_name


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QualityRequest(_Body):
    """One live image to assess."""

    image: Blob


class CompareRequest(_Body):
    """A reference (``image1``, or ``dg2`` bytes) and a probe image (``image2``)."""

    image1: Blob | None = Field(None, description="reference image (or give dg2)")
    dg2: Blob | None = Field(None, description="DG2 data group as read from the chip (reference portrait)")
    dg2_encoding: Encoding = Field("base64", description="how dg2 is written in JSON")
    image2: Blob = Field(description="probe image, e.g. a selfie")


class ChallengeRequest(_Body):
    """Optional settings of a new challenge (the body may be empty)."""

    ttl_s: float | None = Field(None, gt=0, description="seconds it stays usable (at most the server's limit)")


class FrameIn(_Body):
    """One frame of a challenge recording."""

    image: Blob
    t: float = Field(description="capture time in seconds (strictly increasing)")


class FramesRequest(_Body):
    """A challenge's recording: JPEG/PNG frames with timestamps, or one video clip."""

    nonce: str = Field(max_length=64, description="the nonce the challenge was issued with")
    frames: list[FrameIn] | None = None
    clip: Blob | None = Field(None, description="a video file (MP4, AVI, ...) instead of frames")


class VerifyRequest(FramesRequest):
    """A portrait (image or DG2) and the frames of a challenge issued to this key."""

    challenge_id: str = Field(max_length=64)
    portrait: Blob | None = Field(None, description="document portrait image (or give dg2)")
    dg2: Blob | None = None
    dg2_encoding: Encoding = "base64"
    sod: Blob | None = Field(None, description="EF.SOD, for passive authentication of dg2 (and dg1); same encoding "
                                               "as dg2")
    dg1: Blob | None = Field(None, description="DG1, checked against the SOD when given")


class IdentityRequest(_Body):
    """A face to enrol in a named list."""

    list: str = Field(max_length=40, pattern=LIST_PATTERN,
                      description="face-bank / watch-list name (lower-case letters, digits, _ -)")
    image: Blob
    label: str | None = Field(None, max_length=64, description="your reference for the person (stored encrypted)")
    keep_image: bool = Field(False, description="also keep the image (encrypted) as evidence")


class IdentifyRequest(_Body):
    """A face to search for in a named list."""

    list: str = Field(max_length=40, pattern=LIST_PATTERN, description="the list's name")
    image: Blob
    top_k: int = Field(5, ge=1, description="how many identities to return, best first")


class LivenessRequest(_Body):
    """One selfie (or a few images of the same capture) to score for passive liveness."""

    images: list[Blob] = Field(min_length=1, max_length=MAX_LIVENESS_IMAGES,
                               description="JPEG/PNG images of one capture, best first (multipart: repeated "
                                           "'images' parts)")


class IdentityVerifyRequest(_Body):
    """A face to compare 1:1 with one enrolled identity."""

    image: Blob


REQUEST_MODELS: tuple[type[BaseModel], ...] = (ChallengeRequest, QualityRequest, CompareRequest, FramesRequest, VerifyRequest,
                                               IdentityRequest, IdentifyRequest, IdentityVerifyRequest,
                                               LivenessRequest)
