"""``POST /v1/liveness`` (issue 22 item 2: a passive score, never decision grade) and challenge guidance
(item 4: each step's prompt in en/de by Accept-Language, its time limit, the coordinate convention)."""
from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import numpy as np

from tests.kiosk.api.conftest import ROOT, jpeg
from tests.kiosk.api.test_api_gate import _error


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_single_image_liveness_is_a_score_never_a_decision(server, client, photo) -> None:  # type: ignore[no-untyped-def]
    h = {"X-API-Key": server.key("liveness")}
    r = client.post("/v1/liveness", headers=h, json={"images": [_b64(jpeg(photo))]})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["decision_grade"] is False and out["images"] == 1 and out["images_with_face"] == 1
    p = out["passive"]
    assert 0.0 <= p["score"] <= 1.0 and p["threshold"] > 0 and p["attack_suspected"] == (p["score"] >= p["threshold"])
    assert out["quality"]["measures"] and "never accepts" in out["note"]
    two = client.post("/v1/liveness", headers=h, files=[("images", ("a.jpg", jpeg(photo), "image/jpeg")),
                                                         ("images", ("b.jpg", jpeg(photo, 70), "image/jpeg"))])
    assert two.status_code == 200 and two.json()["images"] == 2, two.text
    blank = np.full((480, 640, 3), 128, np.uint8)
    _error(client.post("/v1/liveness", headers=h, json={"images": [_b64(jpeg(blank))]}), 422, "no_face")
    _error(client.post("/v1/liveness", headers=h, json={"images": []}), 400, "invalid_field")
    _error(client.post("/v1/liveness", headers={"X-API-Key": server.key("compare")},
                       json={"images": [_b64(jpeg(photo))]}), 403, "scope_denied")


def _kiosk_prompts() -> dict[str, dict[str, str]]:
    """The window's prompt texts (ui/screens/face.py) and their German translations (ui/i18n/kiosk_de.ts)."""
    src = (ROOT / "ui" / "screens" / "face.py").read_text(encoding="utf-8")
    body = src[src.index("def prompt_text"):src.index("def show_update")]
    en = dict(re.findall(r'"(\w+)": self\.tr\("([^"]+)"\)', body))
    de_of = {m.findtext("source"): m.findtext("translation")
             for m in ET.parse(ROOT / "ui" / "i18n" / "kiosk_de.ts").iter("message")}
    return {"en": en, "de": {a: de_of[t] for a, t in en.items()}}


def test_challenge_steps_carry_the_kiosks_prompts_time_limit_and_convention(server, client) -> None:  # type: ignore[no-untyped-def]
    from kiosk.api.prompts import PROMPTS

    kiosk = _kiosk_prompts()
    assert PROMPTS == kiosk  # the API shows exactly what the kiosk shows
    key = server.key("liveness")
    for header, lang in (("de-DE,de;q=0.9,en;q=0.5", "de"), ("fr-FR, en;q=0.8, de;q=0.7", "en"), (None, "en"),
                         ("en;q=0.2, de", "de")):
        h = {"X-API-Key": key, **({"Accept-Language": header} if header else {})}
        r = client.post("/v1/challenges", headers=h)
        assert r.status_code == 200, r.text
        ch = r.json()
        assert ch["language"] == lang and r.headers["content-language"] == lang
        for step in ch["steps"]:
            assert step["prompt"] == kiosk[lang][step["action"]] and step["time_limit_s"] == 5.0
        assert "1 - x" in ch["coordinates"]["mirrored_preview"]
        assert "larger x" in ch["coordinates"]["customer_left"]
