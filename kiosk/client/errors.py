"""The API's error envelope (``{"error": {"code", "message", "request_id"}}``) as typed exceptions."""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answer: HTTP ``status``, the stable ``code``, the ``message`` for a person, the ``request_id``
    (quote it when asking the operator), and any extra fields of the envelope in ``details``."""

    def __init__(self, status: int, code: str, message: str, request_id: str | None,
                 details: dict[str, Any] | None = None, retry_after: float | None = None) -> None:
        super().__init__(f"{status} {code}: {message} (request {request_id})")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.details = details or {}
        self.retry_after = retry_after


class BadRequest(ApiError):
    """400: the request is wrong (a field, an encoding, an image)."""


class Unauthorized(ApiError):
    """401: no valid API key."""


class Forbidden(ApiError):
    """403: the key lacks a scope, or the challenge is another key's."""


class NotFound(ApiError):
    """404: no such record for this key."""


class Conflict(ApiError):
    """409: the record's state forbids it (challenge used, duplicate, integrity)."""


class DuplicateIdentity(Conflict):
    """409 ``duplicate_identity``: the face is already enrolled; ``identity_id`` and ``score`` name the entry."""

    @property
    def identity_id(self) -> str | None:
        """The caller's own entry the face matched."""
        value = self.details.get("identity_id")
        return str(value) if value is not None else None

    @property
    def score(self) -> float | None:
        """Its cosine."""
        value = self.details.get("score")
        return float(value) if value is not None else None


class Gone(ApiError):
    """410: the challenge expired."""


class PayloadTooLarge(ApiError):
    """413: over a limit (body, image, frames)."""


class Unprocessable(ApiError):
    """422: well-formed but unusable."""


class NoFace(Unprocessable):
    """422 ``no_face``: no face in an image."""


class RateLimited(ApiError):
    """429: still over the rate limit after the retries; ``retry_after`` says how long to wait."""


class Unavailable(ApiError):
    """503: busy or unavailable after the retries; ``retry_after`` says how long to wait."""


_BY_CODE: dict[str, type[ApiError]] = {"duplicate_identity": DuplicateIdentity, "no_face": NoFace}
_BY_STATUS: dict[int, type[ApiError]] = {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound,
                                         408: BadRequest, 409: Conflict, 410: Gone, 413: PayloadTooLarge,
                                         415: BadRequest, 422: Unprocessable, 429: RateLimited, 503: Unavailable}


def error_from(status: int, body: Any, header_request_id: str | None, retry_after: float | None) -> ApiError:
    """The typed exception of an error answer (an answer without the envelope, e.g. from a proxy, still
    becomes an ``ApiError`` with code ``http_<status>``)."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        err = {"code": f"http_{status}", "message": "the answer carried no error envelope"}
    code = str(err.get("code", f"http_{status}"))
    extra = {k: v for k, v in err.items() if k not in ("code", "message", "request_id")}
    cls = _BY_CODE.get(code) or _BY_STATUS.get(status, ApiError)
    return cls(status, code, str(err.get("message", "")), err.get("request_id") or header_request_id, extra,
               retry_after)
