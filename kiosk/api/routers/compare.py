"""``POST /v1/quality`` and ``POST /v1/compare`` (scope ``compare``)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request

from kiosk.api.body import openapi_body, parse_body
from kiosk.api.contract import BODY, KEYED, SCOPED, errors
from kiosk.api.responses import Comparison, Quality
from kiosk.api.routers._common import api_key, image, reference, service
from kiosk.api.schemas import CompareRequest, QualityRequest

router = APIRouter(prefix="/v1", tags=["compare"])


@router.post("/quality", summary="Quality report of one image, with customer hints",
             openapi_extra=openapi_body(QualityRequest), response_model=Quality,
             responses=errors(*KEYED, *SCOPED, *BODY))
async def quality(request: Request) -> dict[str, Any]:
    """The live quality gate's measures, pass/fail, and hints such as "Move closer"."""
    svc = service(request)
    body = await parse_body(request, QualityRequest)
    return await svc.quality(api_key(request), await image(svc, body.image, "image"))


@router.post("/compare", summary="1:1 match of two faces (or DG2 + a face)", openapi_extra=openapi_body(CompareRequest),
             response_model=Comparison, response_model_exclude_unset=True,
             responses=errors(*KEYED, *SCOPED, *BODY, 422))
async def compare(request: Request) -> dict[str, Any]:
    """Cosine score, the policy's thresholds, and the band: match, borderline or mismatch."""
    svc = service(request)
    body = await parse_body(request, CompareRequest)
    ref, kind = await reference(svc, body.image1, body.dg2, body.dg2_encoding, "image1")
    return await svc.compare(api_key(request), ref, await image(svc, body.image2, "image2"), kind)
