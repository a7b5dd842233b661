"""``POST /v1/verify`` (scope ``verify``): portrait + a challenge's frames -> a recorded decision."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request

from kiosk.api.body import openapi_body, parse_body
from kiosk.api.routers._common import api_key, reference, service, upload
from kiosk.api.schemas import VerifyRequest

router = APIRouter(prefix="/v1", tags=["verify"])


@router.post("/verify", summary="Decide a remote session: portrait (image or DG2) + challenge frames",
             openapi_extra=openapi_body(VerifyRequest))
async def verify(request: Request) -> dict[str, Any]:
    """ACCEPT / REVIEW / REJECT with reason codes, recorded like a kiosk session (``session_id``)."""
    svc = service(request)
    body = await parse_body(request, VerifyRequest, svc.config.max_frames + 8)
    portrait, kind = await reference(svc, body.portrait, body.dg2, body.dg2_encoding, "portrait")
    return await svc.verify(api_key(request), body.challenge_id, body.nonce, upload(body), portrait, kind)
