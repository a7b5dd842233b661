"""``create_app``: the FastAPI application around an ``ApiService`` (routers, the gate, error mapping).

No interactive docs page is served (it would load scripts from the internet); the OpenAPI document is
at ``/openapi.json`` and committed as ``docs/openapi.json``.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from kiosk.api.contract import finish
from kiosk.api.errors import ApiError, error_body
from kiosk.api.gate import Gate
from kiosk.api.remote.limits import StreamBounds, StreamLimits
from kiosk.api.routers import capture, challenges, compare, health, identities, liveness, remote, sessions, verify
from kiosk.api.schemas import REQUEST_MODELS

log = logging.getLogger(__name__)

API_VERSION = "1.0.0"
_STATUS_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 415: "unsupported_media_type"}


def _rid(request: Request) -> str:
    return str(getattr(request.state, "request_id", "-"))


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, _rid(request), exc.extra), exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()[:5]]
        return JSONResponse(error_body("invalid_field", "; ".join(parts), _rid(request)), 400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail), _rid(request)), exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        # A bug, not bad input: logged with its type only (the message might quote data), answered as 500.
        log.error("unhandled %s in %s %s (request %s)", type(exc).__name__, request.method, request.url.path,
                  _rid(request))
        return JSONResponse(error_body("internal_error", "internal error; the request id is in the log",
                                       _rid(request)), 500)



def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    comps = doc.setdefault("components", {}).setdefault("schemas", {})
    for model in (*REQUEST_MODELS, remote.RemoteSessionRequest):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        comps.update(schema.pop("$defs", {}))
        comps[model.__name__] = schema
    doc["components"]["securitySchemes"] = {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
    doc["security"] = [{"ApiKey": []}]
    app.openapi_schema = finish(doc)
    return doc


def create_app(service: Any) -> FastAPI:
    """The application for ``service`` (an ``ApiService``; ``None`` only to render the OpenAPI document)."""
    app = FastAPI(title="idkiosk integration API", version=API_VERSION, docs_url=None, redoc_url=None,
                  description="Offline identity verification: quality, 1:1 compare (images or DG2), remote active "
                              "challenge, verification recorded with evidence, face banks (1:N). Every response "
                              "carries X-Request-ID; errors are {error: {code, message, request_id}}.")
    app.state.service = service
    for module in (health, compare, challenges, liveness, verify, identities, sessions, remote, capture):
        app.include_router(module.router)
    _install_errors(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    if service is not None:
        cfg = service.config
        app.state.remote_limits = StreamLimits(StreamBounds.of(cfg))  # the WebSocket's bounds (no gate there)
        app.add_middleware(Gate, authenticate=service.storage.api_keys.authenticate,
                           rate_per_minute=cfg.rate_per_minute, max_body_bytes=cfg.max_body_bytes,
                           body_timeout_s=cfg.body_timeout_s)
    return app
