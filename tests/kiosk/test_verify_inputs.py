"""`kiosk verify` checks its inputs and its report path before loading models or recording anything:
an oversized portrait or video is refused from its header, a report path that is a folder or cannot be
written is refused up front, and a report failing after recording says so instead of crashing."""
from __future__ import annotations

import errno
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from inference.image import InputLimits
from kiosk.cli import main
from kiosk.errors import BadInputError
from kiosk.verify import video_frames
from models.store import ModelStore
from storage import open_storage


def png_1bit(width: int, height: int) -> bytes:
    """A valid black PNG of ``width`` x ``height`` (1 bit a pixel: 49 KB at 20000x20000)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = bytes(1 + (width + 7) // 8)
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """A short 320x240 clip with no face: a session on it is decided (REJECT) and recorded in seconds."""
    p = tmp_path_factory.mktemp("clip") / "noise.avi"
    w = cv2.VideoWriter(str(p), cv2.VideoWriter_fourcc(*"MJPG"), 30, (320, 240))
    rng = np.random.default_rng(0)
    for _ in range(20):
        w.write(rng.integers(0, 255, (240, 320, 3), np.uint8))
    w.release()
    return p


@pytest.fixture
def no_engine(monkeypatch):
    """Fail the test if the models are loaded: refusals must come before that."""
    from kiosk.face_session import FaceEngine

    monkeypatch.setattr(FaceEngine, "load", classmethod(lambda cls, *a, **k: pytest.fail("models were loaded")))


def _sessions(data: Path) -> int:
    if not (data / "kiosk.db").exists():
        return 0
    st = open_storage(data)
    try:
        return len(st.decisions.list_sessions())
    finally:
        st.close()


def test_video_frame_size_is_checked_before_any_frame_is_read(clip: Path) -> None:
    with pytest.raises(BadInputError, match=r"320x240 pixels, over the limit of 10,000"):
        video_frames(clip, InputLimits(frame_max_pixels=100 * 100))  # raised by the call, not on iteration
    with pytest.raises(BadInputError, match="bytes, over the limit of 1,000 bytes"):
        video_frames(clip, InputLimits(video_max_bytes=1000))
    assert len(list(video_frames(clip))) == 20


def test_huge_portrait_is_refused_before_models_load_and_nothing_is_stored(clip: Path, tmp_path: Path,
                                                                           no_engine, capsys) -> None:
    portrait = tmp_path / "portrait.png"
    portrait.write_bytes(png_1bit(20000, 20000))
    data, report = tmp_path / "kiosk", tmp_path / "out" / "verify.json"
    assert main(["verify", "--portrait", str(portrait), "--video", str(clip), "--json", str(report),
                 "--data-dir", str(data)]) == 2
    assert "portrait" in capsys.readouterr().err
    assert not data.exists() and not report.exists()
    assert not list(report.parent.iterdir())  # no half-written report left behind


@pytest.mark.parametrize("where", ["folder", "under-a-file"])
def test_report_path_is_checked_before_anything_runs(clip: Path, tmp_path: Path, where: str, no_engine,
                                                     capsys) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    report = tmp_path if where == "folder" else blocker / "verify.json"
    data = tmp_path / "kiosk"
    portrait = ModelStore().asset_path("astronaut")
    assert main(["verify", "--portrait", str(portrait), "--video", str(clip), "--json", str(report),
                 "--data-dir", str(data)]) == 2
    assert ("is a folder" if where == "folder" else "cannot write the report") in capsys.readouterr().err
    assert _sessions(data) == 0


def test_report_failing_after_recording_names_the_session_and_counts_it_once(clip: Path, tmp_path: Path,
                                                                             monkeypatch, capsys) -> None:
    import kiosk.verify

    def disk_full(self, report) -> None:
        self.discard()
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(kiosk.verify.ReportFile, "write", disk_full)
    data, report = tmp_path / "kiosk", tmp_path / "verify.json"
    portrait = ModelStore().asset_path("astronaut")
    assert main(["verify", "--portrait", str(portrait), "--video", str(clip), "--json", str(report),
                 "--challenge", "blink", "--data-dir", str(data)]) == 1
    err = capsys.readouterr().err
    assert "recorded as" in err and "do not run it again" in err and "No space left" in err
    assert _sessions(data) == 1
    assert not report.exists() and not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part"))

    monkeypatch.undo()
    assert main(["verify", "--portrait", str(portrait), "--video", str(clip), "--json", str(report),
                 "--challenge", "blink", "--data-dir", str(data)]) == 0
    assert json.loads(report.read_text())["decision"] == "REJECT"
    assert _sessions(data) == 2

