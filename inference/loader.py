"""Load a manifest model from the verified cache into a warmed-up runner."""
from __future__ import annotations

from models.store import ModelStore

from inference.config import RuntimeConfig
from inference.runtime import OrtRunner, create_runner


def load_runner(model_id: str, config: RuntimeConfig | None = None, provider: str | None = None,
                store: ModelStore | None = None) -> OrtRunner:
    """Verify ``model_id`` in the model cache (sha256) and load it; raises ``ModelError`` with the fix."""
    store = store or ModelStore()
    entry = store.manifest.get(model_id)
    return create_runner(store.model_path(model_id), model_id, config, provider,
                         warmup_shapes={entry.input["name"]: entry.input["shape"]})
