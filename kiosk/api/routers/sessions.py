"""``GET /v1/sessions/{id}`` (scope ``sessions``; images need ``images`` too; a session the key did not make
needs ``admin``)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from starlette.requests import Request

from kiosk.api.errors import ApiError
from kiosk.api.gate import has_scope
from kiosk.api.contract import KEYED, SCOPED, errors
from kiosk.api.responses import SessionOut
from kiosk.api.routers._common import api_key, service

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])


@router.get("/{session_id}", summary="A recorded session's decision and reasons", response_model=SessionOut,
            response_model_exclude_unset=True, responses=errors(*KEYED, *SCOPED, 400, 404, 409))
async def get_session(session_id: str, request: Request,
                      images: bool = Query(False, description="include the images (needs the 'images' scope)")
                      ) -> dict[str, Any]:
    """Decision, reasons, review state and image list; with ``images=true`` the images too (audited).

    Only a session this key recorded; another key's, or the kiosk's own, needs the ``admin`` scope (otherwise
    404, as for an unknown id)."""
    key = api_key(request)
    if images and not has_scope(key.scopes, "images"):
        raise ApiError(403, "scope_denied", "this API key lacks the 'images' scope")
    return await service(request).session(key, session_id, images)
