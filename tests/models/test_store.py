"""A missing, truncated or tampered model gives a clear error naming the model and the fix."""
from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest

from kiosk.cli import main
from models.bundle import export_bundle, import_bundle
from models.errors import BundleError, IntegrityError, ModelMissingError
from models.store import ModelStore


def _copy_cache(src: ModelStore, dst: Path) -> ModelStore:
    shutil.copytree(src.root, dst)
    return ModelStore(dst)


def test_missing_model_names_model_and_fix(tmp_path: Path) -> None:
    empty = ModelStore(tmp_path)
    with pytest.raises(ModelMissingError, match=r"'sface'.*kiosk models pull"):
        empty.model_path("sface")


def test_truncated_converted_model_is_caught(store: ModelStore, tmp_path: Path) -> None:
    s = _copy_cache(store, tmp_path / "c")
    p = s.onnx_path(s.manifest.get("yunet"))
    p.write_bytes(p.read_bytes()[:1000])
    with pytest.raises(IntegrityError, match=r"'yunet'.*kiosk models pull --force yunet"):
        s.model_path("yunet")


def test_tampered_original_is_caught(store: ModelStore, tmp_path: Path) -> None:
    s = _copy_cache(store, tmp_path / "c")
    p = s.original_path(s.manifest.get("iris"))
    data = bytearray(p.read_bytes())
    data[5000] ^= 0xFF
    p.write_bytes(bytes(data))
    assert s.status(s.manifest.get("iris")).state == "damaged"
    with pytest.raises(IntegrityError, match="iris"):
        s.model_path("iris")


def test_cli_verify_reports_damage_and_exits_1(store: ModelStore, tmp_path: Path, capsys) -> None:
    s = _copy_cache(store, tmp_path / "c")
    s.onnx_path(s.manifest.get("blazeface")).unlink()
    assert main(["models", "--models-dir", str(s.root), "verify"]) == 1
    out = capsys.readouterr().out
    assert "MISSING  blazeface" in out and "ok       yunet" in out


def test_cli_model_error_is_a_message_not_a_traceback(tmp_path: Path, capsys) -> None:
    assert main(["models", "--models-dir", str(tmp_path), "export", str(tmp_path / "b.tar")]) != 0
    assert "kiosk:" in capsys.readouterr().err


def test_bundle_round_trip_and_tamper(store: ModelStore, tmp_path: Path) -> None:
    bundle = tmp_path / "models.tar"
    export_bundle(store, bundle)
    fresh = ModelStore(tmp_path / "offline")
    import_bundle(fresh, bundle)
    assert all(fresh.status(e).state == "ready" for e in fresh.manifest.entries)

    # Same bundle with one byte of SFace changed: refused, and nothing installed.
    bad = tmp_path / "bad.tar"
    with tarfile.open(bundle) as src, tarfile.open(bad, "w") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read()
            if m.name.endswith("sface_2021dec_int8bq.onnx"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            import io
            dst.addfile(m, io.BytesIO(data))
    other = ModelStore(tmp_path / "other")
    with pytest.raises(BundleError, match="sface"):
        import_bundle(other, bad)
    assert not any(p.is_file() for p in (tmp_path / "other").rglob("*"))
