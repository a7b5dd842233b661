from __future__ import annotations

from pathlib import Path

import pytest

from models.errors import ManifestError
from models.manifest import load_manifest


def test_manifest_declares_the_eight_models_and_two_assets() -> None:
    m = load_manifest()
    assert [e.id for e in m.models] == ["yunet", "sface", "face_mesh", "iris", "blazeface", "antispoof", "mobilefacenet",
                                        "ppocr_rec"]
    assert {a.id for a in m.assets} == {"astronaut", "t1"}
    for e in m.models:
        assert e.licence and e.parity and e.input["shape"]
        # Only a model that is ONNX already skips conversion, and then it pins its own bytes.
        assert e.convert or (e.onnx is not None and (e.onnx.sha256, e.onnx.size) == (e.sha256, e.size)), e.id


def test_manifest_names_no_registry_host() -> None:
    from models.manifest import MANIFEST_PATH

    assert "://" not in MANIFEST_PATH.read_text()


@pytest.mark.parametrize("mutation, message", [
    (lambda s: s.replace('schema = 1', 'schema = 9'), "schema"),
    (lambda s: s.replace('"fold-dequantize"]', '"magic"]', 1), "unknown conversion"),
    (lambda s: s.replace('id = "sface"', 'id = "yunet"'), "duplicate"),
    (lambda s: s.replace('sha256 = "49f0', 'sha256 = "', 1), "64 hex"),
    (lambda s: s.replace('onnx = { sha256 = "e305', 'onnx = { sha256 = "zz05', 1), "64 hex"),
    (lambda s: s.replace('size = 122489', 'size = 0', 1), "positive"),
    (lambda s: "\n".join(ln for ln in s.splitlines() if not ln.startswith('onnx = { sha256 = "e305')),
     "must pin its converted file"),
])
def test_malformed_manifest_is_a_typed_error(tmp_path: Path, mutation, message: str) -> None:
    from models.manifest import MANIFEST_PATH

    bad = tmp_path / "m.toml"
    bad.write_text(mutation(MANIFEST_PATH.read_text()))
    with pytest.raises(ManifestError, match=message):
        load_manifest(bad)
