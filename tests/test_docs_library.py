"""The library quick start (docs/integrators/library.md) runs as written: each Python block is executed with
the few names it says it needs, on files made here."""
from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "integrators" / "library.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)


@pytest.fixture(scope="module")
def face_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A portrait (the synthetic subject's photo the demo uses) and a 2 s clip of it, MPEG-4 in MP4."""
    from kiosk.workflow.demo import demo_photo

    folder = tmp_path_factory.mktemp("library")
    bgr = np.ascontiguousarray(demo_photo()[:, :, ::-1])
    portrait = folder / "portrait.jpg"
    cv2.imwrite(str(portrait), bgr)
    frame = cv2.resize(bgr, (640, 480))
    clip = folder / "selfie.mp4"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), 15.0, (640, 480))
    for i in range(30):
        writer.write(np.roll(frame, i % 3, axis=1))
    writer.release()
    return portrait, clip


def test_the_page_has_both_examples() -> None:
    assert len(_blocks()) == 2


def test_verify_a_portrait_against_a_recording(face_files: tuple[Path, Path], capsys) -> None:
    portrait, clip = face_files
    exec(compile(_blocks()[0], str(PAGE), "exec"), {"PORTRAIT": str(portrait), "SELFIE_CLIP": str(clip)})
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[0] in ("ACCEPT", "REVIEW", "REJECT")
    assert out[0].split()[0] != "ACCEPT"  # a recording cannot follow the random challenge
    assert "score" in out[1]


def test_read_and_verify_a_passport(capsys) -> None:
    exec(compile(_blocks()[1], str(PAGE), "exec"), {"MRZ": ("D23145890", "900101", "341231")})
    assert capsys.readouterr().out.split() == ["PACE", "True", "D23145890"]
