"""``POST /v1/liveness`` (scope ``liveness``): passive liveness of one selfie, or a few images of one capture.

Never a decision: the answer says ``decision_grade: false``. Only the challenge flow (``/v1/challenges``,
``/v1/verify``) can accept a person."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request

from kiosk.api.body import openapi_body, parse_body
from kiosk.api.contract import BODY, KEYED, SCOPED, errors
from kiosk.api.responses import SingleImageLiveness
from kiosk.api.routers._common import api_key, image, service
from kiosk.api.schemas import MAX_LIVENESS_IMAGES, LivenessRequest

router = APIRouter(prefix="/v1", tags=["liveness"])


@router.post("/liveness", summary="Passive liveness of one selfie (a score, never a decision)",
             openapi_extra=openapi_body(LivenessRequest), response_model=SingleImageLiveness,
             responses=errors(*KEYED, *SCOPED, *BODY, 422))
async def liveness(request: Request) -> dict[str, Any]:
    """The passive-liveness score and threshold of the face in the image(s), and the quality report. A single
    image is not enough to accept anyone: ``decision_grade`` is always false, and ``/v1/verify`` never accepts
    on a passive score alone."""
    svc = service(request)
    body = await parse_body(request, LivenessRequest, MAX_LIVENESS_IMAGES + 4)
    images = [await image(svc, b, f"images[{i}]") for i, b in enumerate(body.images)]
    return await svc.passive_liveness(api_key(request), images)
