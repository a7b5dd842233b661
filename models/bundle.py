"""Offline bundles for air-gapped kiosks.

A bundle is a tar file holding the fetched originals and test assets plus ``BUNDLE.json`` (file names
and sha256). Converted models are not shipped: the importing kiosk verifies every original against
the manifest in its own code (so a bundle cannot smuggle in other weights), then converts and checks
parity locally, which needs no network.
"""
from __future__ import annotations

import io
import json
import lzma
import os
import tarfile
import zlib
from pathlib import Path
from typing import IO

from models.errors import BundleError, IntegrityError
from models.fetch import verify_file
from models.pull import convert_entry
from models.store import ModelStore

_INDEX = "BUNDLE.json"
_MAX_INDEX = 1 << 20
# What reading a damaged archive raises: tarfile's own errors, and those of the decompressors under it
# (gzip: BadGzipFile/OSError, EOFError, zlib.error; bz2: OSError, EOFError; xz: LZMAError).
_DAMAGED = (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError)


def _damaged(bundle: Path, exc: BaseException) -> BundleError:
    return BundleError(f"bundle {bundle.name} is damaged and cannot be read ({exc}); nothing was installed; "
                       "copy or export it again")


def _read(src: IO[bytes], bundle: Path, size: int) -> bytes:
    try:
        return src.read(size)
    except _DAMAGED as exc:
        raise _damaged(bundle, exc) from exc


def export_bundle(store: ModelStore, bundle: Path) -> int:
    """Write every (verified) original and asset into ``bundle``; returns the number of files."""
    entries = list(store.manifest.entries)
    for e in entries:
        verify_file(e, store.original_path(e))
    index = {"schema": 1, "files": {e.id: {"file": e.file, "sha256": e.sha256, "model": e.is_model} for e in entries}}
    tmp = bundle.with_name(bundle.name + ".part")
    with tarfile.open(tmp, "w") as tar:
        data = json.dumps(index, indent=2).encode()
        info = tarfile.TarInfo(_INDEX)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        for e in entries:
            tar.add(store.original_path(e), arcname=f"files/{e.file}")
    os.replace(tmp, bundle)
    return len(entries)


def import_bundle(store: ModelStore, bundle: Path) -> list[str]:
    """Verify ``bundle`` against the manifest, install its files, convert the models; returns ids."""
    try:
        tar = tarfile.open(bundle)
    except _DAMAGED as exc:
        raise BundleError(f"cannot open bundle {bundle}: {exc}") from exc
    with tar:
        try:
            index_member = tar.extractfile(_INDEX)
            if index_member is None:
                raise KeyError(_INDEX)
            text = index_member.read(_MAX_INDEX + 1)
            if len(text) > _MAX_INDEX:
                raise ValueError(f"{_INDEX} is larger than {_MAX_INDEX} bytes")
            index = json.loads(text)
        except _DAMAGED as exc:
            raise _damaged(bundle, exc) from exc
        except (KeyError, ValueError, RecursionError) as exc:
            raise BundleError(f"{bundle.name} is not a model bundle (no readable {_INDEX})") from exc
        if not isinstance(index, dict) or index.get("schema") != 1:
            raise BundleError(f"{bundle.name}: unsupported bundle format")
        try:
            members = {m.name: m for m in tar.getmembers()}
        except _DAMAGED as exc:
            raise _damaged(bundle, exc) from exc
        staged: list[tuple[Path, Path]] = []
        try:
            for entry in store.manifest.entries:
                member = members.get(f"files/{entry.file}")
                if member is None:
                    raise BundleError(f"bundle {bundle.name} lacks {entry.id} ({entry.file}); "
                                      "export it again from a complete cache")
                # Checked on the tar header, before anything is read or hashed: a link would make tarfile
                # follow it inside the archive, and an oversized member could fill the disk.
                if not member.isreg():
                    raise BundleError(f"bundle {bundle.name}: {member.name} ({entry.id}) is a "
                                      f"{'link' if member.issym() or member.islnk() else 'special file'}, "
                                      "not a regular file; nothing was installed")
                if member.size != entry.size:
                    raise BundleError(f"bundle {bundle.name}: {member.name} ({entry.id}) has {member.size} bytes, "
                                      f"the manifest says {entry.size}; nothing was installed")
                target = store.original_path(entry)
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(target.name + ".part")
                staged.append((tmp, target))
                try:
                    src = tar.extractfile(member)
                    if src is None:
                        raise BundleError(f"bundle member {member.name} is not a regular file")
                    with src, open(tmp, "wb") as dst:
                        while block := _read(src, bundle, 1 << 20):
                            dst.write(block)
                except (KeyError, *_DAMAGED) as exc:  # KeyError: a link to a member that is not there
                    raise _damaged(bundle, exc) from exc
                try:
                    verify_file(entry, tmp)
                except IntegrityError as exc:
                    raise BundleError(f"bundle {bundle.name}: {entry.id} does not match the manifest's sha256 "
                                      "(damaged or altered bundle); nothing was installed") from exc
        except BaseException:
            for tmp, _ in staged:
                tmp.unlink(missing_ok=True)
            raise
    # Every file verified: only now replace the cache's files.
    for tmp, target in staged:
        os.replace(tmp, target)
    for entry in store.manifest.models:
        convert_entry(store, entry)
    return [e.id for e in store.manifest.entries]
