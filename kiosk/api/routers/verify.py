"""``POST /v1/verify`` (scope ``verify``): portrait + a challenge's frames -> a recorded decision."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request

from kiosk.api.body import openapi_body, parse_body
from kiosk.api.errors import bad_input
from kiosk.api.images import raw_bytes
from kiosk.api.contract import BODY, KEYED, SCOPED, errors
from kiosk.api.responses import Verification
from kiosk.api.routers._common import api_key, reference, service, upload
from kiosk.api.schemas import VerifyRequest

router = APIRouter(prefix="/v1", tags=["verify"])


@router.post("/verify", summary="Decide a remote session: portrait (image or DG2) + challenge frames",
             openapi_extra=openapi_body(VerifyRequest), response_model=Verification,
             responses=errors(*KEYED, *SCOPED, *BODY, 404, 409, 410, 422))
async def verify(request: Request) -> dict[str, Any]:
    """ACCEPT / REVIEW / REJECT with reason codes, recorded like a kiosk session (``session_id``)."""
    svc = service(request)
    body = await parse_body(request, VerifyRequest, svc.config.max_frames + 8)
    portrait, kind = await reference(svc, body.portrait, body.dg2, body.dg2_encoding, "portrait")
    chip_files = None
    if body.sod is not None:
        if body.dg2 is None:
            raise bad_input("invalid_field", "sod: passive authentication needs the portrait as 'dg2' (the file the "
                            "SOD hashes), not as an image")
        chip_files = (raw_bytes(body.sod, "sod", body.dg2_encoding), raw_bytes(body.dg2, "dg2", body.dg2_encoding),
                      raw_bytes(body.dg1, "dg1", body.dg2_encoding) if body.dg1 is not None else None)
    elif body.dg1 is not None:
        raise bad_input("invalid_field", "dg1 is only checked together with sod")
    return await svc.verify(api_key(request), body.challenge_id, body.nonce, upload(body), portrait, kind, chip_files)
