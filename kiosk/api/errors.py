"""The API's one error shape, and where typed errors of the lower packages become 4xx answers.

Every error body is ``{"error": {"code", "message", "request_id"}}``; ``code`` is a stable machine-readable
word (listed in the README), ``message`` is written for a person and never holds personal data.
"""
from __future__ import annotations

from typing import Any

from fastapi import HTTPException


class ApiError(HTTPException):
    """An answer other than success: HTTP status, stable ``code``, message, optional headers.

    It subclasses ``HTTPException`` so FastAPI re-raises it unchanged from body parsing instead of
    turning it into a generic 400.
    """

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code
        self.message = message
        self.extra = extra or {}


def error_body(code: str, message: str, request_id: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON error document."""
    err: dict[str, Any] = {"code": code, "message": message, "request_id": request_id}
    if extra:
        err.update(extra)
    return {"error": err}


def bad_input(code: str, message: str) -> ApiError:
    """A 400 with ``code``."""
    return ApiError(400, code, message)


def unprocessable(code: str, message: str) -> ApiError:
    """A 422: the input was well-formed but cannot be used (no face in the image...)."""
    return ApiError(422, code, message)
