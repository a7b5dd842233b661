"""What a remote client shows for each challenge step: the kiosk's own prompt texts (``ui/screens/face.py``
and its German translation ``ui/i18n/kiosk_de.ts``; a test keeps the two in step), picked by
``Accept-Language``, with the step's time limit and the coordinate convention of the targets.

The texts are copied here, not imported: the API is below the window in the layers (ui -> kiosk), and a
server must not load Qt to answer a challenge.
"""
from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "de")
PROMPTS: dict[str, dict[str, str]] = {
    "en": {
        "turn_left": "Turn your head to your left",
        "turn_right": "Turn your head to your right",
        "look_up": "Look up",
        "look_down": "Look down",
        "blink": "Blink",
        "nose_to_target": "Move your nose to the yellow dot",
        "move_closer": "Move closer to the camera",
    },
    "de": {
        "turn_left": "Drehen Sie den Kopf nach links",
        "turn_right": "Drehen Sie den Kopf nach rechts",
        "look_up": "Schauen Sie nach oben",
        "look_down": "Schauen Sie nach unten",
        "blink": "Blinzeln Sie",
        "nose_to_target": "Bewegen Sie die Nase zum gelben Punkt",
        "move_closer": "Kommen Sie näher an die Kamera",
    },
}
COORDINATES: dict[str, Any] = {
    "space": "normalised camera image: x from 0 (left edge) to 1 (right edge), y from 0 (top) to 1 (bottom), "
             "of the frames as the camera delivers them (not mirrored)",
    "mirrored_preview": "a selfie preview is usually mirrored: draw a target at (1 - x, y) there",
    "customer_left": "the customer's left is the camera image's right: turn_left moves the nose towards larger x",
}


def language(accept_language: str | None) -> str:
    """The first of the kiosk's languages in an ``Accept-Language`` header (quality values honoured), else
    English."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > 0:
            ranked.append((-q, i, primary))
    return min(ranked)[2] if ranked else "en"


def prompt(action: str, lang: str) -> str:
    """The prompt text of ``action`` in ``lang`` (the action code itself for an action without a text)."""
    return PROMPTS.get(lang, PROMPTS["en"]).get(action, action)
