"""Supply-chain integrity: converted models are pinned in the manifest, conversion reproduces the pins,
and bundles are checked on their tar headers before anything is read."""
from __future__ import annotations

import dataclasses
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest

from kiosk.cli import main
from models.bundle import import_bundle
from models.errors import BundleError, ConversionError, IntegrityError
from models.fetch import sha256_file
from models.manifest import Manifest, Pin, load_manifest
from models.pull import convert_entry, convert_file
from models.store import ModelStore


def _copy_entry(src: ModelStore, root: Path, model_id: str) -> ModelStore:
    """A cache at ``root`` holding just ``model_id`` (original, converted model and its pull record)."""
    dst = ModelStore(root)
    e = src.manifest.get(model_id)
    for a, b in ((src.original_path(e), dst.original_path(e)), (src.onnx_path(e), dst.onnx_path(e))):
        b.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(a, b)
    dst.write_record(model_id, src.records()[model_id])
    return dst


def test_altered_model_with_a_rewritten_pull_record_is_refused(store: ModelStore, tmp_path: Path, capsys) -> None:
    s = _copy_entry(store, tmp_path / "c", "yunet")
    e = s.manifest.get("yunet")
    p = s.onnx_path(e)
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0x01  # same size, one weight bit changed
    p.write_bytes(bytes(data))
    # The attacker also writes the altered file's digest into the pull record.
    records = s.records()
    records["yunet"]["onnx_sha256"] = sha256_file(p)
    s.record_path.write_text(json.dumps(records))

    assert s.status(e).state == "damaged"
    with pytest.raises(IntegrityError, match=r"'yunet'.*manifest pins.*kiosk models pull --force yunet"):
        s.model_path("yunet")
    # The run-time loader checks the pin before ONNX Runtime sees the file.
    from inference.loader import load_runner

    with pytest.raises(IntegrityError, match="kiosk models pull --force yunet"):
        load_runner("yunet", store=s)
    capsys.readouterr()
    assert main(["models", "--models-dir", str(s.root), "verify"]) == 1
    assert "DAMAGED  yunet" in capsys.readouterr().out


def test_conversion_reproduces_every_pinned_digest(store: ModelStore, tmp_path: Path) -> None:
    """Reconvert each original from the cache and compare to the manifest's pin (about 2 s in all)."""
    for e in store.manifest.models:
        out = tmp_path / f"{e.id}.onnx"
        convert_file(e, store.original_path(e), out)
        assert (sha256_file(out), out.stat().st_size) == (e.onnx.sha256, e.onnx.size), e.id


def test_conversion_that_misses_the_pin_installs_nothing(store: ModelStore, tmp_path: Path) -> None:
    s = _copy_entry(store, tmp_path / "c", "blazeface")
    e = s.manifest.get("blazeface")
    before = sha256_file(s.onnx_path(e))
    wrong = dataclasses.replace(e, onnx=Pin("0" * 64, e.onnx.size))
    with pytest.raises(ConversionError, match=r"'blazeface'.*did not reproduce.*nothing was installed"):
        convert_entry(s, wrong)
    assert sha256_file(s.onnx_path(e)) == before
    assert not list(s.onnx_path(e).parent.glob("*.part"))


def test_symlinked_cache_file_is_damaged_not_followed(store: ModelStore, tmp_path: Path) -> None:
    s = _copy_entry(store, tmp_path / "c", "iris")
    e = s.manifest.get("iris")
    real = tmp_path / "elsewhere.onnx"
    s.onnx_path(e).rename(real)
    s.onnx_path(e).symlink_to(real)
    with pytest.raises(IntegrityError, match="not a regular file"):
        s.model_path("iris")


def _small_manifest(entry_ids: tuple[str, ...]) -> Manifest:
    m = load_manifest()
    return Manifest(tuple(e for e in m.models if e.id in entry_ids), tuple(e for e in m.assets if e.id in entry_ids))


def _bundle(store: ModelStore, path: Path, *, replace: dict[str, tarfile.TarInfo | bytes]) -> None:
    """A bundle of the astronaut and t1 assets; ``replace`` swaps a member for a header or new bytes."""
    with tarfile.open(path, "w") as tar:
        index = json.dumps({"schema": 1, "files": {}}).encode()
        info = tarfile.TarInfo("BUNDLE.json")
        info.size = len(index)
        tar.addfile(info, io.BytesIO(index))
        for asset_id in ("astronaut", "t1"):
            e = store.manifest.get(asset_id)
            name = f"files/{e.file}"
            new = replace.get(asset_id)
            if isinstance(new, tarfile.TarInfo):
                new.name = name
                tar.addfile(new)
                continue
            data = new if isinstance(new, bytes) else store.original_path(e).read_bytes()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_bundle_member_that_is_a_symlink_is_a_typed_error(store: ModelStore, tmp_path: Path) -> None:
    link = tarfile.TarInfo()
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/hostname"
    bundle = tmp_path / "b.tar"
    _bundle(store, bundle, replace={"t1": link})
    target = ModelStore(tmp_path / "k", manifest=_small_manifest(("astronaut", "t1")))
    with pytest.raises(BundleError, match=r"t1\.jpg \(t1\) is a link.*nothing was installed"):
        import_bundle(target, bundle)
    assert not any(p.is_file() for p in (tmp_path / "k").rglob("*"))


def test_oversized_bundle_member_is_refused_before_hashing(store: ModelStore, tmp_path: Path, monkeypatch) -> None:
    e = store.manifest.get("astronaut")
    bundle = tmp_path / "b.tar"
    _bundle(store, bundle, replace={"astronaut": store.original_path(e).read_bytes() + bytes(4096)})
    hashed: list[Path] = []
    import models.fetch

    real = models.fetch.sha256_file
    monkeypatch.setattr(models.fetch, "sha256_file", lambda p: hashed.append(Path(p)) or real(p))
    target = ModelStore(tmp_path / "k", manifest=_small_manifest(("astronaut", "t1")))
    with pytest.raises(BundleError, match=rf"astronaut.*has {e.size + 4096} bytes, the manifest says {e.size}"):
        import_bundle(target, bundle)
    assert hashed == []
    assert not any(p.is_file() for p in (tmp_path / "k").rglob("*"))
