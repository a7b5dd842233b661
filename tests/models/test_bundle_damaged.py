"""Damaged or hostile bundles found by fuzzing (tests/fuzz): a ``BundleError``, never another exception,
and nothing installed. Uses a two-asset manifest, so no model cache is needed."""
from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from models.bundle import export_bundle, import_bundle
from models.errors import BundleError
from models.manifest import Entry, Manifest, Source
from models.store import ModelStore

FILES = {"a.bin": b"asset A\n" * 600, "b.bin": bytes(range(256)) * 8}


def _store(root: Path) -> ModelStore:
    assets = tuple(Entry(id=n.split(".")[0], task="test asset", file=n, sha256=hashlib.sha256(d).hexdigest(), size=len(d),
                         licence="CC0-1.0", source=Source("pypi", "none", "0", n), is_model=False)
                   for n, d in FILES.items())
    return ModelStore(root, Manifest((), assets))


@pytest.fixture()
def bundle(tmp_path: Path) -> bytes:
    src = _store(tmp_path / "src")
    (src.root / "assets").mkdir(parents=True)
    for name, data in FILES.items():
        (src.root / "assets" / name).write_bytes(data)
    export_bundle(src, tmp_path / "b.tar")
    return (tmp_path / "b.tar").read_bytes()


def _refused(tmp_path: Path, data: bytes, match: str) -> None:
    path = tmp_path / "in.tar"
    path.write_bytes(data)
    store = _store(tmp_path / "dst")
    with pytest.raises(BundleError, match=match):
        import_bundle(store, path)
    assert not any(p.is_file() for p in (tmp_path / "dst").rglob("*"))


def test_intact_bundle_installs(tmp_path: Path, bundle: bytes) -> None:
    path = tmp_path / "in.tar.gz"
    path.write_bytes(gzip.compress(bundle, mtime=0))
    store = _store(tmp_path / "dst")
    assert import_bundle(store, path) == ["a", "b"]
    assert all(store.status(e).state == "ready" for e in store.manifest.entries)


def test_truncated_gzip_bundle(tmp_path: Path, bundle: bytes) -> None:
    # Was EOFError ("Compressed file ended before the end-of-stream marker") out of tarfile.open.
    packed = gzip.compress(bundle, mtime=0)
    _refused(tmp_path, packed[: len(packed) // 2], "damaged|not a model bundle")


def test_gzip_bundle_with_bad_crc(tmp_path: Path, bundle: bytes) -> None:
    # Was gzip.BadGzipFile (an OSError) out of tar.extractfile: with no end-of-archive blocks, listing
    # the members reads the gzip stream to its end, where the CRC is checked.
    packed = bytearray(gzip.compress(bundle.rstrip(b"\0"), mtime=0))
    packed[-8] ^= 0xFF  # the CRC32 in the gzip trailer
    _refused(tmp_path, bytes(packed), "damaged")


def test_gzip_bundle_cut_inside_member_data(tmp_path: Path, bundle: bytes) -> None:
    # Was EOFError while copying a member: the index reads fine, the stream ends inside a file.
    cut = gzip.compress(bundle, mtime=0)
    body = gzip.decompress(cut)
    # Keep the index and the start of the first file, then end the compressed stream abruptly.
    partial = gzip.compress(body[: body.index(b"asset A") + 100], mtime=0)[:-8]
    _refused(tmp_path, partial, "damaged")


def test_member_is_a_link_to_nothing(tmp_path: Path, bundle: bytes) -> None:
    # Was KeyError ("linkname ... not found") from tarfile.extractfile on a dangling symlink member.
    buf = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(bundle)) as src, tarfile.open(fileobj=buf, mode="w") as dst:
        for m in src.getmembers():
            if m.name == "files/a.bin":
                link = tarfile.TarInfo(m.name)
                link.type, link.linkname = tarfile.SYMTYPE, "files/missing.bin"
                dst.addfile(link)
            else:
                dst.addfile(m, src.extractfile(m))
    _refused(tmp_path, buf.getvalue(), "is a link")  # refused on its tar header, before it is followed


def test_deeply_nested_index(tmp_path: Path) -> None:
    # Was RecursionError out of json.loads.
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        payload = b"[" * 100_000 + b"]" * 100_000
        info = tarfile.TarInfo("BUNDLE.json")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    _refused(tmp_path, buf.getvalue(), "not a model bundle")


def test_oversized_index_is_not_read_whole(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        payload = b'{"schema": 1, "pad": "' + b" " * (2 << 20) + b'"}'
        info = tarfile.TarInfo("BUNDLE.json")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    _refused(tmp_path, buf.getvalue(), "not a model bundle")
