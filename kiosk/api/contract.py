"""The OpenAPI contract beyond what FastAPI derives: every error status an endpoint can answer (the one
envelope, with its codes and an example), request bodies in both encodings with their real fields
(multipart parts as ``format: binary``, ``frames`` repeated), and no 422 ``HTTPValidationError`` (the
server answers a validation error with 400 ``invalid_field``)."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from kiosk.api.responses import ErrorEnvelope

# status -> (what it means, the codes it carries). The gate and the pool can answer some of these on any path.
_STATUS: dict[int, tuple[str, tuple[str, ...]]] = {
    400: ("bad input", ("invalid_json", "invalid_field", "invalid_encoding", "invalid_multipart",
                        "bad_content_length", "body_not_allowed", "empty_image", "not_an_image", "corrupt_image",
                        "bad_dg2", "dg2_image_corrupt", "bad_chip_files", "trust_store_unusable", "frames_missing",
                        "bad_timestamp", "non_monotonic_timestamps", "bad_clip")),
    401: ("no valid API key", ("missing_api_key", "invalid_api_key", "key_revoked", "key_integrity")),
    403: ("the key may not do this", ("scope_denied", "challenge_foreign")),
    404: ("no such record for this key (another key's is answered the same)",
          ("not_found", "challenge_not_found", "session_not_found", "identity_not_found", "list_not_found")),
    408: ("the body did not arrive in time", ("body_timeout",)),
    409: ("conflict with the record's state", ("challenge_used", "challenge_mismatch", "duplicate_identity",
                                               "identity_without_template", "integrity_failed")),
    410: ("the challenge expired", ("challenge_expired",)),
    413: ("over a limit", ("body_too_large", "image_too_large", "too_many_frames")),
    415: ("neither JSON nor multipart/form-data", ("unsupported_media_type",)),
    422: ("well-formed but unusable", ("no_face",)),
    429: ("rate limit (honour Retry-After)", ("rate_limited",)),
    503: ("busy or unavailable (honour Retry-After)", ("busy", "timeout", "storage_unavailable", "shutting_down")),
}
_RETRY = {"Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}}}

KEYED = (401, 429, 503)  # any path behind the gate
BODY = (400, 408, 413, 415)  # any request with a body
SCOPED = (403,)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status with the error envelope, its codes and an example."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in sorted(set(statuses)):
        what, codes = _STATUS[status]
        entry: dict[str, Any] = {
            "model": ErrorEnvelope, "description": f"{what}: " + ", ".join(f"`{c}`" for c in codes),
            "content": {"application/json": {"example": {"error": {
                "code": codes[0], "message": f"({what})", "request_id": "3f2a9c0d5e6b4a1f"}}}}}
        if status in (429, 503):
            entry["headers"] = _RETRY
        out[status] = entry
    return out


def _is_blob(prop: dict[str, Any]) -> bool:
    return bool(prop.get("x-blob")) or any(p.get("x-blob") for p in prop.get("anyOf", ()))


def _strip(node: Any) -> None:
    """Remove the ``x-blob`` markers (they only guide the multipart schemas)."""
    if isinstance(node, dict):
        node.pop("x-blob", None)
        for v in node.values():
            _strip(v)
    elif isinstance(node, list):
        for v in node:
            _strip(v)


def _multipart(schema: dict[str, Any], comps: dict[str, Any]) -> dict[str, Any]:
    """A request model's JSON schema as a multipart/form-data schema: text blobs become binary parts,
    ``frames`` becomes repeated binary parts with a ``timestamps`` field."""
    props: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        if _is_blob(prop):
            text = prop.get("description") or next((p.get("description") for p in prop.get("anyOf", ())
                                                    if p.get("description")), "")
            props[name] = {"type": "string", "format": "binary", "description": text}
        elif prop.get("type") == "array" and _is_blob(prop.get("items", {})):
            props[name] = {"type": "array", "items": {"type": "string", "format": "binary"},
                           "description": prop.get("description", "")}
            for key in ("minItems", "maxItems"):
                if key in prop:
                    props[name][key] = prop[key]
        elif name == "frames":
            props["frames"] = {"type": "array", "items": {"type": "string", "format": "binary"},
                               "description": "the frames, one JPEG/PNG file part each, in order"}
            props["timestamps"] = {"type": "string", "description": "the frames' capture times in seconds: a JSON "
                                   "list or comma-separated numbers, one per frame", "example": "[0, 0.05, 0.1]"}
        else:
            props[name] = {k: v for k, v in prop.items() if k != "x-blob"}
    required = [r for r in schema.get("required", []) if r in props]
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def request_body(model: type[BaseModel], required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` for a route whose body is ``model`` (JSON, or the same fields as multipart); the
    multipart schema is filled in by :func:`finish` once the components exist."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    # Declared optional even when the server needs it (``required``): a required body with two media types is the
    # shape for which openapi-python-client 0.29 writes ``body: A | B | Unset = UNSET`` without importing ``Unset``
    # (its issue #1451), so a generated client would not import. An absent body is answered 400 ``invalid_json``
    # (declared on every such route), which is what the description says.
    description = (f"One {model.__name__}, as JSON or as multipart/form-data fields. "
                   + ("Required: without a body the answer is 400 `invalid_json`." if required
                      else "May be left out (all fields have defaults)."))
    return {"requestBody": {"required": False, "description": description, "content": {
        "application/json": {"schema": ref},
        "multipart/form-data": {"schema": {"x-multipart-of": model.__name__}}}}}


def finish(doc: dict[str, Any]) -> dict[str, Any]:
    """Make the document say what the server does: multipart schemas from their models, 400 (not 422
    ``HTTPValidationError``) for validation errors, no security on the public paths."""
    comps = doc.setdefault("components", {}).setdefault("schemas", {})
    for path, ops in doc.get("paths", {}).items():
        for op in ops.values():
            content = op.get("requestBody", {}).get("content", {})
            mp = content.get("multipart/form-data", {}).get("schema", {})
            if "x-multipart-of" in mp:
                content["multipart/form-data"]["schema"] = _multipart(comps[mp["x-multipart-of"]], comps)
            responses = op.get("responses", {})
            auto = responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if auto.get("$ref", "").endswith("/HTTPValidationError"):
                del responses["422"]
                if "400" not in responses:
                    entry = errors(400)[400]
                    responses["400"] = {"description": entry["description"], "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ErrorEnvelope"},
                        "example": entry["content"]["application/json"]["example"]}}}
            if path in ("/health", "/openapi.json"):
                op["security"] = []
    for name in ("HTTPValidationError", "ValidationError"):
        comps.pop(name, None)
    _strip(comps)  # the JSON side: a blob is base64 text
    return doc
