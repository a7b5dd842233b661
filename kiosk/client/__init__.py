"""A Python client of the integration API (``kiosk serve``): typed methods for every endpoint, the error
envelope raised as typed exceptions, ``Retry-After`` honoured, images from paths, bytes or numpy arrays.

It talks HTTP only and imports nothing of the server (an import-linter contract keeps it so), so an
integrator can copy this folder, or install the project, and need only httpx (and Pillow for numpy arrays).

    from kiosk.client import KioskClient
    with KioskClient("http://127.0.0.1:8321", api_key) as api:
        print(api.compare("passport.jpg", "selfie.jpg")["band"])
"""
from kiosk.client.client import KioskClient
from kiosk.client.errors import (
    ApiError, BadRequest, Conflict, DuplicateIdentity, Forbidden, Gone, NoFace, NotFound, PayloadTooLarge,
    RateLimited, Unauthorized, Unavailable, Unprocessable,
)

__all__ = ["ApiError", "BadRequest", "Conflict", "DuplicateIdentity", "Forbidden", "Gone", "KioskClient", "NoFace",
           "NotFound", "PayloadTooLarge", "RateLimited", "Unauthorized", "Unavailable", "Unprocessable"]
