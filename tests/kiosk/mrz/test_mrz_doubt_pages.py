"""The O/0 doubt on rendered pages read by the real model: read right where the evidence settles it, refused
where it survives every frame. (On a clean render the glyph heights already settle it, so main reads the first
page too: the probes that fail on main are the evidence-level tests in test_mrz_doubt.py.)"""
from __future__ import annotations

import numpy as np
import pytest

from hardware.emrtd.mrz import build_td1
from inference.errors import InferenceError
from kiosk.mrz.render import Degradation, degrade, render_page
from kiosk.mrz.repair import MrzAmbiguousError
from kiosk.mrz.scan import MrzScanner
from models.errors import ModelError

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def scanner() -> MrzScanner:
    try:
        return MrzScanner.load()
    except ModelError as exc:
        pytest.fail(f"MRZ model not usable: {exc}")


def frames(number: str, state: str, n: int) -> list[np.ndarray]:
    """``n`` camera frames of a TD1 card whose number is ``number``, issued by ``state``."""
    m = build_td1(document_number=number, birth_date="640812", expiry_date="201031", issuing_state=state,
                  nationality=state, primary_identifier="MUSTERMANN", secondary_identifier="ERIKA",
                  document_code="ID")
    rng = np.random.default_rng(3)
    page = render_page(m.lines, "TD1", rng)
    return [degrade(page, Degradation(scale=0.6, blur_sigma=1.0, rotate_deg=2 * k - 3), rng) for k in range(n)]


def feed(scanner: MrzScanner, images: list[np.ndarray]) -> list[object]:
    scanner.reset()
    out: list[object] = []
    for k, image in enumerate(images):
        try:
            read = scanner.feed(image, 0.3 * k)
            out.append(read.document_number if read is not None else None)
        except InferenceError as exc:
            out.append(type(exc).__name__)
    return out


def test_the_german_specimen_number_with_its_00_doubt_is_read_right(scanner: MrzScanner) -> None:
    out = feed(scanner, frames("T22000129", "D", 3))  # "T22OO0129" passes every check digit too
    numbers = {o for o in out if o is not None and o.startswith("T22")}
    assert numbers == {"T22000129"}, out


def test_a_page_whose_doubt_survives_every_frame_is_refused(scanner: MrzScanner) -> None:
    # Letters O printed where the recogniser reads zeros: the read "T22000129" passes its check digits, the glyphs
    # say O. Evidence may doubt a read, never replace it: every frame is refused, nothing wrong is accepted.
    out = feed(scanner, frames("T22OO0129", "UTO", 3))
    assert not any(o is not None and o.startswith("T22") for o in out), out
    assert MrzAmbiguousError.__name__ in out


@pytest.mark.parametrize("fmt", ["MRV-A", "MRV-B"])
def test_a_visa_page_by_camera_is_read_as_a_visa_and_refused_at_the_kiosk(scanner: MrzScanner, fmt: str) -> None:
    """Line 2 of a visa fails the passport's composite digit; the reader then reads line 1, whose V code says visa:
    the kiosk's scanner names the cause (a visa) instead of "unreadable", and a clerk's scanner reads it exactly."""
    from hardware.emrtd.mrz import build_mrv
    from kiosk.mrz.scan import VisaNotAcceptedError

    m = build_mrv(fmt=fmt, document_number="AB1234567", birth_date="740812", expiry_date="300131",
                  issuing_state="UTO", nationality="UTO", primary_identifier="ERIKSSON", secondary_identifier="ANNA")
    rng = np.random.default_rng(5)
    page = render_page(m.lines, {"MRV-A": "TD3", "MRV-B": "TD2"}[fmt], rng)  # the passport page the visa is on
    images = [degrade(page, Degradation(scale=0.6, blur_sigma=0.8, rotate_deg=2 * k - 1), rng) for k in range(2)]
    assert feed(scanner, images)[-1] == VisaNotAcceptedError.__name__
    clerk = MrzScanner(scanner.reader, accept_visas=True)
    reads = [clerk.feed(image, 0.3 * k) for k, image in enumerate(images)]
    assert reads[-1] is not None and reads[-1].is_visa and reads[-1].document_number == "AB1234567"
