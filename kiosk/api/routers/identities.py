"""The face bank (scope ``facebank``): ``POST /v1/identities`` (enrol), ``GET /v1/identities?list=`` (a page of a
list), ``GET /v1/identities/{id}``, ``POST /v1/identities/{id}/verify`` (1:1), ``DELETE /v1/identities/{id}``,
``POST /v1/identify`` (1:N).

A list belongs to the key that enrols into it: each key sees only its own lists (``kiosk.facebank``)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from starlette.requests import Request

from kiosk.api.body import openapi_body, parse_body
from kiosk.api.contract import BODY, KEYED, SCOPED, errors
from kiosk.api.responses import Comparison, Enrolled, Identification, IdentityOut, IdentityPage, Withdrawn
from kiosk.api.routers._common import api_key, image, service
from kiosk.api.schemas import LIST_PATTERN, IdentifyRequest, IdentityRequest, IdentityVerifyRequest

router = APIRouter(prefix="/v1", tags=["facebank"])


@router.post("/identities", status_code=201, summary="Enrol a face in a named face bank / watch list",
             openapi_extra=openapi_body(IdentityRequest), response_model=Enrolled,
             responses=errors(*KEYED, *SCOPED, *BODY, 409, 422))
async def enrol(request: Request) -> dict[str, Any]:
    """Into this key's own list of that name. Refused with 409 ``duplicate_identity`` (naming the key's own entry)
    when the face is already in that list above the 1:N threshold; other keys' lists are not searched."""
    svc = service(request)
    body = await parse_body(request, IdentityRequest)
    face = await image(svc, body.image, "image")
    return await svc.enrol(api_key(request), body.list, face, body.label, body.keep_image)


@router.get("/identities", summary="One page of one of this key's lists (labels included)",
            response_model=IdentityPage, responses=errors(*KEYED, *SCOPED, 400, 404))
async def list_identities(request: Request,
                          list: str = Query(max_length=40, pattern=LIST_PATTERN, description="the list's name"),  # noqa: A002
                          offset: int = Query(0, ge=0, description="identities to skip (oldest enrolment first)"),
                          limit: int = Query(50, ge=1, le=100, description="identities to return (each label read is one audited decryption)")
                          ) -> dict[str, Any]:
    """Identities oldest first with their labels (each label read is audited); 404 ``list_not_found`` when this
    key has no identity in a list of that name."""
    return await service(request).identities(api_key(request), list, offset, limit)


@router.get("/identities/{identity_id}", summary="One enrolled identity (label, list, enrolment time)",
            response_model=IdentityOut, responses=errors(*KEYED, *SCOPED, 400, 404))
async def get_identity(identity_id: str, request: Request) -> dict[str, Any]:
    """One of this key's identities (any one with the ``admin`` scope); another key's answers 404, as an unknown id."""
    return await service(request).identity(api_key(request), identity_id)


@router.post("/identities/{identity_id}/verify", summary="1:1: is this face the enrolled identity?",
             openapi_extra=openapi_body(IdentityVerifyRequest), response_model=Comparison,
             responses=errors(*KEYED, *SCOPED, *BODY, 404, 409, 422))
async def verify_identity(identity_id: str, request: Request) -> dict[str, Any]:
    """The best cosine of the face against the identity's templates, banded by the 1:1 thresholds exactly as
    ``/v1/compare`` is (``threshold_kind`` "1:1"). Only this key's own identities."""
    svc = service(request)
    body = await parse_body(request, IdentityVerifyRequest)
    return await svc.verify_identity(api_key(request), identity_id, await image(svc, body.image, "image"))


@router.post("/identify", summary="1:N search of a face in a named list (top-k with scores and labels)",
             openapi_extra=openapi_body(IdentifyRequest), response_model=Identification,
             responses=errors(*KEYED, *SCOPED, *BODY, 404, 422))
async def identify(request: Request) -> dict[str, Any]:
    """The ``top_k`` most similar identities of this key's own list, best first, each with its label and
    ``is_match`` at the 1:N threshold (``threshold_kind`` "1:N", stricter than 1:1: see ``/v1/info``). An unknown
    list is 404 ``list_not_found``."""
    svc = service(request)
    body = await parse_body(request, IdentifyRequest)
    return await svc.identify(api_key(request), body.list, await image(svc, body.image, "image"), body.top_k)


@router.delete("/identities/{identity_id}", summary="Withdraw an enrolled identity (audited erasure)",
               response_model=Withdrawn, responses=errors(*KEYED, *SCOPED, 400, 404))
async def withdraw(identity_id: str, request: Request) -> dict[str, Any]:
    """Deletes one of this key's identities (any, with the ``admin`` scope): its templates, images and record;
    the audit trail keeps the fact of the deletion. Another key's identity answers 404, as an unknown id."""
    return await service(request).withdraw(api_key(request), identity_id)
