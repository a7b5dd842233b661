"""``POST /v1/challenges`` and ``POST /v1/challenges/{id}/frames`` (scope ``liveness``)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Header, Response
from starlette.requests import Request

from kiosk.api.body import openapi_body, parse_body
from kiosk.api.prompts import COORDINATES, language, prompt
from kiosk.api.contract import BODY, KEYED, SCOPED, errors
from kiosk.api.responses import Liveness, NewChallenge
from kiosk.api.routers._common import api_key, service, upload
from kiosk.api.schemas import ChallengeRequest, FramesRequest

router = APIRouter(prefix="/v1/challenges", tags=["liveness"])


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat()


@router.post("", summary="Issue a random active challenge", openapi_extra=openapi_body(ChallengeRequest, required=False),
             response_model=NewChallenge, responses=errors(*KEYED, *SCOPED, *BODY))
async def new_challenge(request: Request, response: Response,
                        accept_language: str | None = Header(None, description="en or de (the kiosk's languages) "
                                                             "for the steps' prompt texts; default en")
                        ) -> dict[str, Any]:
    """Random steps, each with the kiosk's prompt text (in the ``Accept-Language`` asked for, en or de), its time
    limit and, for ``nose_to_target``, a target in normalised camera-image coordinates (x right, y down, not
    mirrored: draw it at 1 - x over a mirrored preview; ``coordinates`` says so too); a nonce, an expiry."""
    svc = service(request)
    body = await request.body()
    ttl = (await parse_body(request, ChallengeRequest)).ttl_s if body.strip() else None
    ch = svc.new_challenge(api_key(request), ttl)
    lang = language(accept_language)
    response.headers["Content-Language"] = lang
    limit = svc.challenges.config.step_timeout_s
    return {"challenge_id": ch.challenge_id, "nonce": ch.nonce,
            "steps": [{**s.to_dict(), "prompt": prompt(s.action, lang), "time_limit_s": limit} for s in ch.steps],
            "language": lang, "coordinates": COORDINATES,
            "issued_at": _iso(ch.issued_at), "expires_at": _iso(ch.expires_at),
            "ttl_s": round(ch.expires_at - ch.issued_at, 3), "frame_size_hint": [640, 480],
            "max_frames": svc.config.max_frames}


@router.post("/{challenge_id}/frames", summary="Upload a challenge's frames; get the liveness result",
             openapi_extra=openapi_body(FramesRequest), response_model=Liveness,
             responses=errors(*KEYED, *SCOPED, *BODY, 404, 409, 410))
async def frames(challenge_id: str, request: Request) -> dict[str, Any]:
    """Single use: the first upload consumes the challenge, whatever its outcome."""
    svc = service(request)
    body = await parse_body(request, FramesRequest, svc.config.max_frames + 8)
    return await svc.liveness(api_key(request), challenge_id, body.nonce, upload(body))
