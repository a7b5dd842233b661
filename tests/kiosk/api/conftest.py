"""One real integration-API server for all API tests: ``python -m kiosk serve`` in a subprocess on 127.0.0.1,
an ephemeral port, a temporary data folder; it gets SIGINT at the end (and a parent-death signal, so it
also stops if the test process dies). Keys are made per test through storage, as ``kiosk apikey`` does.
"""
from __future__ import annotations

import contextlib
import ctypes
import io
import json
import os
import signal
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from storage import open_storage

ROOT = Path(__file__).resolve().parents[3]
SERVER_TOML = """[api]
port = 0
workers = 2
queue = 4
max_body_bytes = 16777216
max_frames = 400
challenge_length = 2
"""


def _die_with_parent() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG


@dataclass
class Server:
    """The running server: its URL and data folder."""

    url: str
    data_dir: Path
    proc: subprocess.Popen[bytes]

    def key(self, *scopes: str, name: str = "test") -> str:
        """A fresh API key (a fresh rate-limit budget) with ``scopes``."""
        st = open_storage(self.data_dir)
        try:
            return st.api_keys.create(name, scopes or ("all",), "test:fixture")[1]
        finally:
            st.close()

    def storage(self):  # type: ignore[no-untyped-def]
        """Open the server's storage from the test process (close it after use)."""
        return open_storage(self.data_dir)

    def counts(self) -> tuple[int, int]:
        """(sessions, blob files): what a refused request must leave unchanged."""
        st = self.storage()
        try:
            sessions = len(st.decisions.list_sessions(limit=100000))
        finally:
            st.close()
        blobs = sum(1 for p in (self.data_dir / "blobs").rglob("*") if p.is_file())
        return sessions, blobs


@contextlib.contextmanager
def run_server(base: Path, toml: str) -> Iterator[Server]:
    """``kiosk serve`` with ``toml`` as its configuration file and ``base/data`` as its data folder."""
    (base / "api.toml").write_text(toml, encoding="utf-8")
    data = base / "data"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--data-dir", str(data), "--config",
                             str(base / "api.toml")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=ROOT, preexec_fn=_die_with_parent)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the server listens (or dies)
        if not line:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            pytest.fail(f"kiosk serve did not start: {err[-2000:]}")
        yield Server(json.loads(line)["listening"], data, proc)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Start ``kiosk serve`` and wait for its listening line."""
    with run_server(tmp_path_factory.mktemp("api"), SERVER_TOML) as srv:
        yield srv


@pytest.fixture(scope="session")
def client(server: Server) -> Iterator[object]:
    """An httpx client on the server (no key set: tests pass their own)."""
    import httpx

    with httpx.Client(base_url=server.url, timeout=120) as c:
        yield c


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    """The astronaut (one face, public domain), BGR."""
    from inference.image import read_image
    from models.store import ModelStore

    return read_image(ModelStore().asset_path("astronaut"))


@pytest.fixture(scope="session")
def engine():  # type: ignore[no-untyped-def]
    """A face engine in the test process (to build the synthetic subject and crop faces)."""
    from kiosk.face_session import FaceEngine

    return FaceEngine.load()


@pytest.fixture(scope="session")
def other_face(engine) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Another person: the first face of the insightface group photo, cropped with a margin, BGR."""
    from inference.image import read_image
    from models.store import ModelStore

    t1 = read_image(ModelStore().asset_path("t1"))
    x, y, w, h = (int(v) for v in engine.detector.detect(t1)[0].box)
    return np.ascontiguousarray(t1[max(0, y - h // 2): y + 3 * h // 2, max(0, x - w // 2): x + 3 * w // 2])


def jpeg(bgr: np.ndarray, quality: int = 90) -> bytes:
    """BGR -> JPEG bytes."""
    import cv2

    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return bytes(buf.tobytes())


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height, with one tiny IDAT (a few hundred bytes, never decodable
    as a whole picture): what a decompression bomb looks like from outside."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 4096)) + \
        chunk(b"IEND", b"")


def dg2_of(bgr: np.ndarray) -> bytes:
    """DG2 bytes as the virtual passport writes them (ISO/IEC 19794-5 record around a JPEG)."""
    from hardware.emrtd.lds import encode_dg2, jpeg_for_dg2

    rgb = np.ascontiguousarray(bgr[:, :, ::-1])
    image, w, h = jpeg_for_dg2(rgb)
    return encode_dg2(image, w, h)


@pytest.fixture(scope="session")
def actors(photo: np.ndarray, engine) -> Callable[..., list[tuple[bytes, float]]]:  # type: ignore[no-untyped-def]
    """``render(steps, attack=False)``: JPEG frames with timestamps of the synthetic subject following
    ``steps`` (or a printed photo of it moved the same way)."""
    from inference.print_attack import PrintAttack
    from inference.synthetic import SyntheticSubject
    subject = SyntheticSubject.from_image(photo, engine.detector, engine.pipeline.mesh)
    card = PrintAttack(photo)

    def render(steps: list[object], attack: bool = False, fps: float = 20.0) -> list[tuple[bytes, float]]:
        actor = card if attack else subject
        # 20 frames/s by default: two thirds of the upload and the work of 30, still several frames for every
        # held pose and blink.
        return [(jpeg(f.image), f.t) for f in actor.play(subject.follow(steps), fps=fps)]

    return render


def multipart_frames(frames: list[tuple[bytes, float]], **fields: str) -> dict[str, object]:
    """httpx keyword arguments for a multipart frames upload."""
    files = [("frames", (f"f{i:04d}.jpg", io.BytesIO(b), "image/jpeg")) for i, (b, _) in enumerate(frames)]
    data = {"timestamps": json.dumps([t for _, t in frames]), **fields}
    return {"files": files, "data": data}
