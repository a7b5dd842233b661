"""``KioskClient``: one method per endpoint of the integration API, multipart uploads, typed errors,
``Retry-After`` honoured for 429 and 503."""
from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from kiosk.client.errors import ApiError, error_from
from kiosk.client.images import ImageInput, image_bytes

Json = dict[str, Any]
Files = list[tuple[str, tuple[str, bytes, str]]]


class KioskClient:
    """A client of ``kiosk serve``. ``max_retries`` times, a 429 or 503 is retried after its ``Retry-After``
    (at most ``max_wait_s`` each); then it is raised (``RateLimited`` / ``Unavailable``). ``bgr=True`` reads
    numpy images in OpenCV's channel order."""

    def __init__(self, base_url: str, api_key: str, timeout: float = 120.0, max_retries: int = 3,
                 max_wait_s: float = 30.0, bgr: bool = False, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        # TCP_NODELAY: httpx writes a request's head and body separately; without it every POST waits for
        # the server's delayed ACK (about 40 ms).
        transport = transport or httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        self._http = httpx.Client(base_url=base_url, headers={"X-API-Key": api_key}, timeout=timeout,
                                  transport=transport)
        self.max_retries = max_retries
        self.max_wait_s = max_wait_s
        self.bgr = bgr
        self._sleep = sleep

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> KioskClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Json:
        for attempt in range(self.max_retries + 1):
            r = self._http.request(method, path, **kwargs)
            if r.is_success:
                out: Json = r.json()
                return out
            retry_after = _retry_after(r)
            if r.status_code in (429, 503) and retry_after is not None and attempt < self.max_retries \
                    and retry_after <= self.max_wait_s:
                self._sleep(retry_after)
                continue
            raise _error(r, retry_after)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _image(self, image: ImageInput, what: str) -> tuple[str, tuple[str, bytes, str]]:
        return what, image_bytes(image, what, self.bgr)

    def _post_parts(self, path: str, files: Files, data: dict[str, str] | None = None) -> Json:
        return self._call("POST", path, files=files, data=data or {})

    # ------------------------------------------------------------------ service
    def health(self) -> Json:
        """``GET /health``: ``{"status": "ok", "workers", "pending"}``."""
        return self._call("GET", "/health")

    def info(self) -> Json:
        """``GET /v1/info``: models, policy, liveness model, the 1:1 and 1:N thresholds."""
        return self._call("GET", "/v1/info")

    # ------------------------------------------------------------------ 1:1
    def quality(self, image: ImageInput) -> Json:
        """``POST /v1/quality``: the quality report and customer hints."""
        return self._post_parts("/v1/quality", [self._image(image, "image")])

    def compare(self, reference: ImageInput | None, probe: ImageInput, dg2: bytes | None = None) -> Json:
        """``POST /v1/compare``: ``reference`` image (or ``dg2`` bytes, with ``reference=None``) against ``probe``;
        ``score``, ``band`` (match / borderline / mismatch), ``thresholds``."""
        if (reference is None) == (dg2 is None):
            raise ValueError("give exactly one of reference (an image) and dg2 (DG2 bytes)")
        files = [self._image(probe, "image2")]
        files.append(("dg2", ("dg2.bin", dg2, "application/octet-stream")) if dg2 is not None
                     else self._image(reference, "image1"))
        return self._post_parts("/v1/compare", files)

    def liveness(self, *images: ImageInput) -> Json:
        """``POST /v1/liveness``: passive score of one selfie (or a few of one capture); never decision grade."""
        return self._post_parts("/v1/liveness", [self._image(i, "images") for i in images])

    # ------------------------------------------------------------------ challenges
    def new_challenge(self, ttl_s: float | None = None, language: str | None = None) -> Json:
        """``POST /v1/challenges``: steps with prompt texts (``language`` en or de), time limits, a nonce."""
        headers = {"Accept-Language": language} if language else {}
        return self._call("POST", "/v1/challenges", json={"ttl_s": ttl_s} if ttl_s is not None else None,
                          headers=headers)

    def _recording(self, frames: Sequence[tuple[ImageInput, float]] | None, clip: bytes | None) -> tuple[Files, dict[str, str]]:
        if (not frames) == (clip is None):
            raise ValueError("give either frames [(image, seconds), ...] or one clip")
        if clip is not None:
            return [("clip", ("clip", clip, "application/octet-stream"))], {}
        assert frames is not None
        files = [self._image(img, "frames") for img, _ in frames]
        return files, {"timestamps": json.dumps([float(t) for _, t in frames])}

    def upload_frames(self, challenge: Json, frames: Sequence[tuple[ImageInput, float]] | None = None,
                      clip: bytes | None = None) -> Json:
        """``POST /v1/challenges/{id}/frames``: the liveness result of the recording (consumes the challenge)."""
        files, data = self._recording(frames, clip)
        return self._post_parts(f"/v1/challenges/{challenge['challenge_id']}/frames", files,
                                {**data, "nonce": challenge["nonce"]})

    def verify(self, challenge: Json, portrait: ImageInput | None = None, dg2: bytes | None = None,
               frames: Sequence[tuple[ImageInput, float]] | None = None, clip: bytes | None = None,
               sod: bytes | None = None, dg1: bytes | None = None) -> Json:
        """``POST /v1/verify``: portrait (image, or ``dg2`` with optional ``sod``/``dg1``) + the challenge's
        recording -> ``decision``, ``reasons``, ``session_id``."""
        if (portrait is None) == (dg2 is None):
            raise ValueError("give exactly one of portrait (an image) and dg2 (DG2 bytes)")
        files, data = self._recording(frames, clip)
        if dg2 is not None:
            files.append(("dg2", ("dg2.bin", dg2, "application/octet-stream")))
        else:
            files.append(self._image(portrait, "portrait"))
        for name, blob in (("sod", sod), ("dg1", dg1)):
            if blob is not None:
                files.append((name, (f"{name}.bin", blob, "application/octet-stream")))
        return self._post_parts("/v1/verify", files, {**data, "challenge_id": challenge["challenge_id"],
                                                      "nonce": challenge["nonce"]})

    # ------------------------------------------------------------------ face bank
    def enrol(self, list_name: str, image: ImageInput, label: str | None = None, keep_image: bool = False) -> Json:
        """``POST /v1/identities``: ``{"identity_id", "list"}``; ``DuplicateIdentity`` when already enrolled."""
        data = {"list": list_name, "keep_image": "true" if keep_image else "false"}
        if label is not None:
            data["label"] = label
        return self._post_parts("/v1/identities", [self._image(image, "image")], data)

    def identities(self, list_name: str, offset: int = 0, limit: int = 50) -> Json:
        """``GET /v1/identities``: one page of a list with labels (``total``, ``identities``)."""
        return self._call("GET", "/v1/identities", params={"list": list_name, "offset": offset, "limit": limit})

    def identity(self, identity_id: str) -> Json:
        """``GET /v1/identities/{id}``."""
        return self._call("GET", f"/v1/identities/{identity_id}")

    def verify_identity(self, identity_id: str, image: ImageInput) -> Json:
        """``POST /v1/identities/{id}/verify``: 1:1 against the enrolled identity, answered as ``compare``."""
        return self._post_parts(f"/v1/identities/{identity_id}/verify", [self._image(image, "image")])

    def identify(self, list_name: str, image: ImageInput, top_k: int = 5) -> Json:
        """``POST /v1/identify``: the ``top_k`` best identities of the list with labels, ``is_match`` at 1:N."""
        return self._post_parts("/v1/identify", [self._image(image, "image")],
                                {"list": list_name, "top_k": str(top_k)})

    def withdraw(self, identity_id: str) -> Json:
        """``DELETE /v1/identities/{id}``: an audited erasure."""
        return self._call("DELETE", f"/v1/identities/{identity_id}")

    # ------------------------------------------------------------------ sessions
    def session(self, session_id: str, images: bool = False) -> Json:
        """``GET /v1/sessions/{id}``: decision, reasons, review state; the images with ``images=True``."""
        return self._call("GET", f"/v1/sessions/{session_id}", params={"images": "true" if images else "false"})


def _retry_after(r: httpx.Response) -> float | None:
    value = r.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:  # an HTTP date: not sent by this server; treated as "no advice"
        return None


def _error(r: httpx.Response, retry_after: float | None) -> ApiError:
    try:
        body = r.json()
    except ValueError:
        body = None
    return error_from(r.status_code, body, r.headers.get("x-request-id"), retry_after)
