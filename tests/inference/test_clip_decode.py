"""The one clip decoder (issue 20, probes 1, 4 and 5): allow-listed containers and codecs demuxed from
memory with an explicit demuxer, and decoding that stops when the session has what it needs.

The ``run_frames`` tests stub the face session (a session that is done after 6 frames), so they exercise
only the decoding around it; imports are inside the tests so they also run against the code before the fix.
"""
from __future__ import annotations

import io
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PIL import Image


def mjpeg_avi(frames: list[bytes], size: tuple[int, int] = (64, 48), fmt: str = "avi") -> bytes:
    """An AVI (or other container) of Motion JPEG packets muxed as given (sizes may change mid-stream)."""
    import av
    from fractions import Fraction

    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as out:
        st = out.add_stream("mjpeg", rate=10)
        st.width, st.height, st.pix_fmt = size[0], size[1], "yuvj420p"
        for i, data in enumerate(frames):
            pkt = av.Packet(data)
            pkt.stream, pkt.pts, pkt.dts, pkt.time_base = st, i, i, Fraction(1, 10)
            out.mux(pkt)
    return buf.getvalue()


def jpeg(width: int = 64, height: int = 48, value: int = 100) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (value, value, value)).save(buf, format="JPEG")
    return buf.getvalue()


def encoded_clip(codec: str, fmt: str, n: int = 8) -> bytes:
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as out:
        st = out.add_stream(codec, rate=10)
        st.width, st.height = 64, 48
        st.pix_fmt = "yuv420p" if codec != "mjpeg" else "yuvj420p"
        for i in range(n):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 20 * i, np.uint8), format="rgb24")
            for p in st.encode(frame):
                out.mux(p)
        for p in st.encode():
            out.mux(p)
    return buf.getvalue()


class _Session:
    """A face session that is done after 6 frames and wants frames 0, 2 and 5 as audit frames."""

    seen: list[int] = []
    temp_listing: list[list[str]] = []

    def __init__(self, engine: Any, steps: Any, frame_size: Any) -> None:
        self.n = 0

    def push(self, frame: np.ndarray, t: float) -> None:
        self.n += 1
        _Session.seen.append(self.n)
        _Session.temp_listing.append(sorted(p.name for p in Path(tempfile.gettempdir()).iterdir()))

    @property
    def done(self) -> bool:
        return self.n >= 6

    def finish(self, portrait: Any) -> Any:
        return SimpleNamespace(evidence=None, audit_frames=[0, 2, 5])

    def best_frame(self) -> None:
        return None


@pytest.fixture()
def run(monkeypatch, tmp_path: Path):
    """``kiosk.api.live.run_frames`` with the stub session, temporary files redirected to ``tmp_path``."""
    import kiosk.api.live as live

    monkeypatch.setattr(live, "FaceSession", _Session)
    monkeypatch.setattr(live, "decide", lambda evidence, policy: "decided")
    monkeypatch.setattr(live, "Evidence", lambda **parts: None)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _Session.seen, _Session.temp_listing = [], []

    def go(clip: bytes, max_pixels: int = 4_000_000) -> Any:
        return live.run_frames(None, [], live.FramesUpload(clip=clip), None, None, 10**7, max_pixels)
    return go


# ---------------------------------------------------------------- probe 1: ffconcat and other demuxers

def test_ffconcat_clip_cannot_read_a_server_file(run, tmp_path: Path) -> None:
    from kiosk.api.errors import ApiError

    secret = tmp_path / "server-side.avi"  # a video on the server: its frames must never become evidence
    secret.write_bytes(mjpeg_avi([jpeg(value=v) for v in range(0, 200, 20)]))
    for clip in (f"ffconcat version 1.0\nfile {secret.name}\n".encode(),
                 f"ffconcat version 1.0\nfile {secret}\n".encode()):
        with pytest.raises(ApiError) as err:
            run(clip)
        assert err.value.code == "bad_clip" and "concat" in err.value.message
    assert _Session.seen == []


@pytest.mark.parametrize("text", [b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nserver-side.avi\n",
                                  b"file:/etc/hostname", b"<?xml version='1.0'?><MPD></MPD>"])
def test_playlists_and_urls_are_refused(text: bytes) -> None:
    from inference.clip_decode import open_clip
    from inference.errors import BadClipError

    with pytest.raises(BadClipError, match="MP4/QuickTime, Matroska/WebM or AVI"):
        open_clip(text, "the clip", max_pixels=10**6)


@pytest.mark.parametrize("codec,fmt,ok", [("mjpeg", "avi", True), ("mpeg4", "mp4", True), ("h264", "mp4", True),
                                          ("libvpx", "webm", True), ("mpeg2video", "avi", False),
                                          ("ffv1", "matroska", False)])
def test_codec_allow_list(codec: str, fmt: str, ok: bool) -> None:
    import av

    from inference.clip_decode import open_clip
    from inference.errors import BadClipError

    if codec not in av.codecs_available:
        pytest.skip(f"no {codec} encoder in this FFmpeg")
    data = encoded_clip(codec, fmt)
    if ok:
        frames = list(open_clip(data, "the clip", max_pixels=10**6))
        assert len(frames) == 8 and frames[0][0].shape == (48, 64, 3)
        assert [t for _, t in frames] == sorted(t for _, t in frames)
    else:
        with pytest.raises(BadClipError, match="is not accepted"):
            open_clip(data, "the clip", max_pixels=10**6)


# ---------------------------------------------------------------- probe 4: decoding stops

def test_decoding_stops_when_the_session_is_done(run, monkeypatch) -> None:
    import kiosk.verify

    decoded: list[int] = []
    real_fit = kiosk.verify.fit_frame
    monkeypatch.setattr(kiosk.verify, "fit_frame", lambda frame, *a: decoded.append(1) or real_fit(frame, *a))
    clip = mjpeg_avi([jpeg(value=i % 250) for i in range(600)])
    out = run(clip)
    assert _Session.seen == [1, 2, 3, 4, 5, 6]
    assert len(out.audit_frames) == 3  # frames 0, 2 and 5
    # 6 frames for the session, then 6 again for the audit frames (up to frame 5): not the 600.
    assert len(decoded) <= 12, len(decoded)


def test_max_frames_stops_reading_a_long_clip() -> None:
    from inference.clip_decode import open_clip

    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, n: int = -1) -> bytes:  # type: ignore[override]
            out = super().read(n)
            Counting.read_bytes += len(out)
            return out

    data = mjpeg_avi([jpeg(value=i % 250) for i in range(6000)])
    frames = list(open_clip(Counting(data), "the clip", max_pixels=10**6, max_frames=6))
    assert len(frames) == 6
    assert Counting.read_bytes < len(data) // 10  # a prefix was read, not the 6000 frames


def test_many_scan_motion_jpeg_frame_is_refused() -> None:
    import sys

    from inference.clip_decode import open_clip
    from inference.errors import BadClipError

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from jpeg_bombs import many_scan_jpeg

    bomb = many_scan_jpeg(5000, 64, 48)
    with pytest.raises(BadClipError, match="scans"):
        list(open_clip(mjpeg_avi([jpeg(), bomb]), "the clip", max_pixels=10**6))


# ---------------------------------------------------------------- probe 5: nothing on disk

def test_uploaded_clip_never_touches_disk(run, tmp_path: Path) -> None:
    clip = mjpeg_avi([jpeg(value=20 * i) for i in range(8)])
    run(clip)
    assert _Session.seen and all(listing == [] for listing in _Session.temp_listing), _Session.temp_listing
