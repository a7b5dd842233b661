"""The per-user model cache: where pulled files live, what was recorded at pull time, and their status.

Layout under the root (``KIOSK_MODELS_DIR`` or the per-user data directory):
``original/<file>`` as fetched (sha256 from the manifest), ``onnx/<id>.onnx`` as converted,
``assets/<file>`` test images, and ``pulled.json``, the pull record (parity figures, tool versions).
Every load re-checks size then sha256 against the manifest, which pins the originals and the converted
models alike, so a truncated or altered file is caught before use. The pull record is information only:
writing a new digest into it changes nothing.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from models.errors import IntegrityError, ModelMissingError
from models.fetch import verify_converted, verify_file
from models.manifest import Entry, Manifest, load_manifest


def default_models_dir() -> Path:
    """``KIOSK_MODELS_DIR`` if set, else ``<user data dir>/idkiosk/models``."""
    env = os.environ.get("KIOSK_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("idkiosk", appauthor=False)) / "models"


@dataclass(frozen=True)
class EntryStatus:
    """State of one entry in the cache: ``ready``, ``missing`` or ``damaged`` with a reason."""

    entry: Entry
    state: str
    detail: str
    size: int


class ModelStore:
    """Access to the model cache at ``root``."""

    def __init__(self, root: Path | None = None, manifest: Manifest | None = None) -> None:
        self.root = Path(root) if root is not None else default_models_dir()
        self.manifest = manifest or load_manifest()

    # -- paths -----------------------------------------------------------------------------------
    def original_path(self, entry: Entry) -> Path:
        """Where the fetched file of ``entry`` is kept."""
        return self.root / ("original" if entry.is_model else "assets") / entry.file

    def onnx_path(self, entry: Entry) -> Path:
        """Where the converted ONNX model of ``entry`` is kept."""
        return self.root / "onnx" / f"{entry.id}.onnx"

    @property
    def record_path(self) -> Path:
        """The pull record."""
        return self.root / "pulled.json"

    # -- record ----------------------------------------------------------------------------------
    def records(self) -> dict[str, Any]:
        """The pull record (empty when nothing was pulled or it is unreadable)."""
        try:
            data = json.loads(self.record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def write_record(self, entry_id: str, record: dict[str, Any]) -> None:
        """Store ``record`` for ``entry_id`` atomically."""
        data = self.records()
        data[entry_id] = record
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.record_path.with_suffix(".part")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.record_path)

    # -- checks ----------------------------------------------------------------------------------
    def _missing(self, entry: Entry) -> ModelMissingError:
        return ModelMissingError(
            f"{'model' if entry.is_model else 'asset'} '{entry.id}' ({entry.task}) is not in the model cache "
            f"at {self.root}: run 'kiosk models pull' (or 'kiosk models import BUNDLE' on an offline kiosk)"
        )

    def verify(self, entry: Entry) -> None:
        """Raise unless ``entry``'s original (and converted model) are present and intact."""
        original = self.original_path(entry)
        if not original.exists():
            raise self._missing(entry)
        verify_file(entry, original)
        if not entry.is_model:
            return
        converted = self.onnx_path(entry)
        if not converted.exists() and not converted.is_symlink():
            raise self._missing(entry)
        # Against the manifest's pin, never the pull record: the record sits in the same writable cache.
        verify_converted(entry, converted)

    def status(self, entry: Entry) -> EntryStatus:
        """The entry's state without raising."""
        path = self.onnx_path(entry) if entry.is_model else self.original_path(entry)
        size = path.stat().st_size if path.exists() else 0
        try:
            self.verify(entry)
        except ModelMissingError:
            return EntryStatus(entry, "missing", "not pulled", size)
        except IntegrityError as exc:
            return EntryStatus(entry, "damaged", str(exc), size)
        return EntryStatus(entry, "ready", "", size)

    def model_path(self, model_id: str) -> Path:
        """Verified path of the converted ONNX model ``model_id`` (raises with the fix when unusable)."""
        entry = self.manifest.get(model_id)
        self.verify(entry)
        return self.onnx_path(entry)

    def asset_path(self, asset_id: str) -> Path:
        """Verified path of the test asset ``asset_id``."""
        entry = self.manifest.get(asset_id)
        self.verify(entry)
        return self.original_path(entry)
