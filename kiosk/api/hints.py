"""Quality hints worded for a remote client.

The quality gate's hints (``inference.quality.HINTS``) are written for the kiosk's screen: "please ask
staff", "the oval". Through the API the reader is an integrator's app and its customer at home, so the
hints that speak of the kiosk are reworded here; the rest ("Move closer", "More light, please") already
suit any camera. The measure names stay as they are, so a client may also map them itself.
"""
from __future__ import annotations

from typing import Any

from inference.quality import HINTS

API_HINTS: dict[str, str] = {
    "resolution": "Image too small: send a frame at least 480 pixels high (the camera's full resolution)",
    "centring": "Centre your face in the picture",
}
_BY_TEXT = {HINTS[key]: text for key, text in API_HINTS.items()}


def api_hint(text: str | None) -> str | None:
    """The API's wording of one kiosk hint (unchanged when it suits any camera)."""
    return _BY_TEXT.get(text, text) if text is not None else None


def api_report(report: dict[str, Any]) -> dict[str, Any]:
    """A quality report (``QualityReport.to_dict()``) with its hints reworded for a remote client."""
    out = dict(report)
    out["hints"] = list(dict.fromkeys(api_hint(h) for h in report.get("hints", ())))
    out["measures"] = [{**m, "hint": api_hint(m.get("hint"))} for m in report.get("measures", ())]
    return out
