"""``POST /v1/identities``, ``DELETE /v1/identities/{id}``, ``POST /v1/identify`` (scope ``facebank``).

A list belongs to the key that enrols into it: each key sees only its own lists (``kiosk.facebank``)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request

from kiosk.api.body import openapi_body, parse_body
from kiosk.api.routers._common import api_key, image, service
from kiosk.api.schemas import IdentifyRequest, IdentityRequest

router = APIRouter(prefix="/v1", tags=["facebank"])


@router.post("/identities", status_code=201, summary="Enrol a face in a named face bank / watch list",
             openapi_extra=openapi_body(IdentityRequest))
async def enrol(request: Request) -> dict[str, Any]:
    """Into this key's own list of that name. Refused with 409 ``duplicate_identity`` (naming the key's own entry)
    when the face is already in that list above the 1:N threshold; other keys' lists are not searched."""
    svc = service(request)
    body = await parse_body(request, IdentityRequest)
    face = await image(svc, body.image, "image")
    return await svc.enrol(api_key(request), body.list, face, body.label, body.keep_image)


@router.post("/identify", summary="1:N search of a face in a named list (top-k with scores)",
             openapi_extra=openapi_body(IdentifyRequest))
async def identify(request: Request) -> dict[str, Any]:
    """The ``top_k`` most similar identities of this key's own list, best first, each with ``is_match`` at the 1:N
    threshold."""
    svc = service(request)
    body = await parse_body(request, IdentifyRequest)
    return await svc.identify(api_key(request), body.list, await image(svc, body.image, "image"), body.top_k)


@router.delete("/identities/{identity_id}", summary="Withdraw an enrolled identity (audited erasure)")
async def withdraw(identity_id: str, request: Request) -> dict[str, Any]:
    """Deletes one of this key's identities (any, with the ``admin`` scope): its templates, images and record;
    the audit trail keeps the fact of the deletion. Another key's identity answers 404, as an unknown id."""
    return await service(request).withdraw(api_key(request), identity_id)
