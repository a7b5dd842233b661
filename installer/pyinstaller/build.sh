#!/usr/bin/env bash
# PyInstaller one-folder build of the kiosk, models included (kept out of the project's dependencies).
#   bash installer/pyinstaller/build.sh OUT_DIR [MODELS_DIR]
# Needs a Python with the project's dependencies and pyinstaller importable (a throwaway venv is best:
# pyinstaller is not a project dependency). MODELS_DIR: a verified cache (`kiosk models verify`),
# default $KIOSK_MODELS_DIR or ~/.local/share/idkiosk/models. The result is OUT_DIR/dist/kiosk/kiosk.
set -euo pipefail
out="$(realpath -m "${1:?usage: build.sh OUT_DIR [MODELS_DIR]}")"
models="${2:-${KIOSK_MODELS_DIR:-$HOME/.local/share/idkiosk/models}}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py="${PYTHON:-python}"
[ -d "$models/onnx" ] || { echo "no model cache at $models (run kiosk models pull first)" >&2; exit 1; }
mkdir -p "$out"
cd "$here"
# Only a cache that matches the manifest goes into the folder.
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" "$py" -m kiosk models --models-dir "$models" verify
# ui/ translations compiled before they are copied in (the frozen folder is read-only in use); PySide6's own
# lrelease, called through the Python that builds (the pyside6-lrelease script may live in another venv).
for ts in ui/i18n/kiosk_*.ts; do
    "$py" -c 'import sys; from PySide6.scripts.pyside_tool import lrelease; sys.argv[0] = "lrelease"; sys.exit(lrelease())' \
        -silent "$ts" -qm "${ts%.ts}.qm"
    [ -s "${ts%.ts}.qm" ] || { echo "translation ${ts%.ts}.qm was not made" >&2; exit 1; }
done
# onnxruntime's OpenVINO provider needs libopenvino.so.NNNN (its soname) beside it: that library finds
# the OpenVINO device plugins (CPU, GPU, NPU) in its own folder. PyInstaller would otherwise resolve the
# soname to a copy at the top of the bundle, where no plugin is, and the OpenVINO EP reports "Device CPU
# is not available" (every model then falls back to the CPU EP).
capi="$("$py" -c 'import onnxruntime, os; print(os.path.join(os.path.dirname(onnxruntime.__file__), "capi"))')"
beside=()
for lib in "$capi"/libopenvino*.so.[0-9][0-9][0-9][0-9]; do beside+=(--add-binary "$lib:onnxruntime/capi"); done
collect=()
for pkg in kiosk ui hardware inference storage models nfc smartcard; do collect+=(--collect-submodules "$pkg"); done
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" "$py" -m PyInstaller --noconfirm --onedir --name kiosk \
    --distpath "$out/dist" --workpath "$out/build" --specpath "$out" \
    --paths "$here" "${collect[@]}" "${beside[@]}" \
    --copy-metadata idkiosk \
    --collect-data models --collect-data ui --collect-data storage \
    --add-data "$here/storage/migrations:storage/migrations" \
    --add-data "$models:models" \
    installer/pyinstaller/kiosk_frozen.py
du -sh "$out/dist/kiosk"
