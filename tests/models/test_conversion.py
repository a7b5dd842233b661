"""Converted models agree with their originals (recorded at pull, and re-checked here)."""
from __future__ import annotations

import pytest

from models.parity import check_parity
from models.store import ModelStore


@pytest.mark.parametrize("model_id", ["yunet", "sface", "face_mesh", "iris", "blazeface", "antispoof", "mobilefacenet",
                                      "ppocr_rec"])
def test_converted_matches_original(store: ModelStore, model_id: str) -> None:
    e = store.manifest.get(model_id)
    result = check_parity(e, store.original_path(e), store.onnx_path(e), store.asset_path(e.parity.image))
    assert result.passed, result
    # The bound is meaningful: tight relative to the outputs' range.
    assert all(b < 2e-3 for b in result.bound.values())


def test_block_dequantize_folding_matches_spec() -> None:
    import numpy as np

    from models.convert import _dequantize

    q = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], np.int8)
    scale = np.array([[0.5, 2.0], [1.0, 0.25]], np.float32)
    zp = np.array([[1, 0], [0, 4]], np.int8)
    out = _dequantize(q, scale, zp, axis=1, block=2)
    assert out.tolist() == [[0.0, 0.5, 6.0, 8.0], [5.0, 6.0, 0.75, 1.0]]
