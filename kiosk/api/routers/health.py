"""``GET /health`` (no key) and ``GET /v1/info`` (any valid key)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request

from kiosk.api.contract import KEYED, errors
from kiosk.api.responses import Health, Info
from kiosk.api.routers._common import service

router = APIRouter(tags=["service"])


@router.get("/health", summary="Liveness of the service itself (no API key needed)", response_model=Health,
            responses=errors(429))
async def health(request: Request) -> dict[str, Any]:
    """``ok`` and the model workers' load."""
    svc = service(request)
    return {"status": "ok", "workers": svc.pool.workers, "pending": svc.pool.pending}


@router.get("/v1/info", summary="Model ids, versions and sha256; policy version; 1:1 and 1:N thresholds",
            response_model=Info, responses=errors(*KEYED))
async def info(request: Request) -> dict[str, Any]:
    """What decides: the models (source package, version, sha256), the policy version and thresholds."""
    return service(request).info
