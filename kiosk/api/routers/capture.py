"""The customer's capture page (``GET /capture#token=...``): static files shipped in the package
(``kiosk/api/static/capture``), public (no API key: the page holds only the single-use session token, in the
URL fragment, which the browser never sends). The page loads nothing from anywhere else: its
Content-Security-Policy allows only this server, and the tests check that no other request is made."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

from fastapi import APIRouter
from starlette.responses import Response

router = APIRouter(include_in_schema=False)
FILES = {"/capture": ("index.html", "text/html; charset=utf-8"),
         "/capture/capture.js": ("capture.js", "text/javascript; charset=utf-8"),
         "/capture/capture.css": ("capture.css", "text/css; charset=utf-8")}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
       "media-src 'self' blob: mediastream:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'")


@lru_cache(maxsize=None)
def _read(name: str) -> bytes:
    return resources.files("kiosk.api").joinpath("static", "capture", name).read_bytes()


def _serve(path: str) -> Response:
    name, media_type = FILES[path]
    return Response(_read(name), media_type=media_type, headers={
        "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(self), microphone=(), geolocation=()", "Cache-Control": "no-cache"})


@router.get("/capture")
async def page() -> Response:
    """The capture page."""
    return _serve("/capture")


@router.get("/capture/capture.js")
async def script() -> Response:
    """Its script."""
    return _serve("/capture/capture.js")


@router.get("/capture/capture.css")
async def style() -> Response:
    """Its style sheet."""
    return _serve("/capture/capture.css")
