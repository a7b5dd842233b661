"""Parsing a request body (JSON or multipart/form-data) into one of the request models, with the API's
error codes: 415 for another content type, 400 ``invalid_json`` and 400 ``invalid_field`` (wrong type,
missing or unknown field). Also the OpenAPI description of such a body."""
from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile
from starlette.requests import Request

from kiosk.api.errors import ApiError, bad_input

M = TypeVar("M", bound=BaseModel)
_LIST_FIELDS = ("frames", "images")


def openapi_body(model: type[BaseModel], required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` documenting ``model`` as the JSON body and the same fields as multipart
    (``kiosk.api.contract.request_body``)."""
    from kiosk.api.contract import request_body

    return request_body(model, required)


def _timestamps(text: str) -> list[Any]:
    text = text.strip()
    try:
        values = loads_json(text) if text.startswith("[") else [v for v in text.split(",") if v.strip()]
    except ApiError:
        raise bad_input("invalid_field", "timestamps: a JSON list or comma-separated numbers") from None
    if not isinstance(values, list):
        raise bad_input("invalid_field", "timestamps: a JSON list or comma-separated numbers")
    return values


async def _form(request: Request, max_parts: int) -> dict[str, Any]:
    try:
        form = await request.form(max_files=max_parts, max_fields=max_parts)
    except ApiError:
        raise
    except Exception as exc:  # python-multipart / Starlette parse errors
        raise bad_input("invalid_multipart", f"the multipart body cannot be parsed: {exc}") from exc
    data: dict[str, Any] = {}
    for name, value in form.multi_items():
        item = await value.read() if isinstance(value, UploadFile) else value
        if name in _LIST_FIELDS:
            data.setdefault(name, []).append(item)
        else:
            data[name] = item
    if "frames" in data:
        times = _timestamps(str(data.pop("timestamps", "")))
        if len(times) != len(data["frames"]):
            raise bad_input("invalid_field", f"{len(data['frames'])} frames but {len(times)} timestamps")
        data["frames"] = [{"image": img, "t": t} for img, t in zip(data["frames"], times)]
    return data


async def parse_body(request: Request, model: type[M], max_parts: int = 1000) -> M:
    """``model`` from the request's JSON or multipart body."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        data: Any = await _form(request, max_parts)
    elif ctype in ("application/json", ""):
        data = loads_json(await request.body() or b"null")
        if not isinstance(data, dict):
            raise bad_input("invalid_json", f"the body must be a JSON object with the fields of {model.__name__}")
    else:
        raise ApiError(415, "unsupported_media_type", "send application/json or multipart/form-data")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise bad_input("invalid_field", describe(exc)) from None


def loads_json(raw: bytes | str) -> Any:
    """Parse JSON text; 400 ``invalid_json`` when it is not JSON or nests deeper than the parser's recursion limit.

    ``json.loads`` recurses once per level: ``[[[[...`` 100,000 deep raises ``RecursionError``, which is bad
    input, not a server fault. No request body of this API nests more than four levels.
    """
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad_input("invalid_json", "the body is not valid JSON") from None
    except RecursionError:
        raise bad_input("invalid_json", "the JSON nests too deeply (arrays or objects inside each other); "
                        "the request bodies of this API nest at most a few levels") from None


def describe(exc: ValidationError) -> str:
    """Validation errors as ``field: problem`` text (never echoing the values sent)."""
    parts = []
    for err in exc.errors(include_url=False, include_input=False)[:5]:
        where = ".".join(str(p) for p in err["loc"] if not isinstance(p, str) or p not in ("str", "bytes"))
        text = f"{where or 'body'}: {err['msg']}"
        if text not in parts and not any(p.startswith(f"{where or 'body'}:") for p in parts):
            parts.append(text)
    return "; ".join(parts)
