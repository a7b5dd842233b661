"""Helpers shared by the routers: the service and the caller's key, portraits from image or DG2."""
from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from kiosk.api.errors import bad_input
from kiosk.api.images import DecodedImage, decode_dg2, decode_image, raw_bytes
from kiosk.api.live import FramesUpload
from kiosk.api.schemas import FramesRequest
from kiosk.api.service import ApiService


def service(request: Request) -> ApiService:
    """The application's service."""
    svc: ApiService = request.app.state.service
    return svc


def api_key(request: Request) -> Any:
    """The caller's authenticated key (set by the gate)."""
    return request.state.api_key


async def image(svc: ApiService, value: str | bytes, what: str) -> DecodedImage:
    """Decode an image field within the limits (off the event loop: a large image takes a while)."""
    data = raw_bytes(value, what)
    return await run_in_threadpool(decode_image, data, what, svc.config.max_image_bytes, svc.config.max_image_pixels)


async def reference(svc: ApiService, img: str | bytes | None, dg2: str | bytes | None, encoding: str,
                    img_field: str) -> tuple[DecodedImage, str]:
    """The reference portrait: an image field or DG2 bytes (exactly one); returns it and its kind."""
    if (img is None) == (dg2 is None):
        raise bad_input("invalid_field", f"give exactly one of '{img_field}' (an image) and 'dg2' (DG2 bytes)")
    if dg2 is not None:
        data = raw_bytes(dg2, "dg2", encoding)
        return await run_in_threadpool(decode_dg2, data, svc.config.max_image_bytes,
                                       svc.config.max_image_pixels), "dg2"
    assert img is not None
    return await image(svc, img, img_field), "image"


def upload(body: FramesRequest) -> FramesUpload:
    """The frames (or clip) of a challenge body as bytes."""
    frames = tuple((raw_bytes(f.image, f"frame {i}"), float(f.t)) for i, f in enumerate(body.frames or ()))
    clip = raw_bytes(body.clip, "clip") if body.clip is not None else None
    return FramesUpload(frames, clip)
