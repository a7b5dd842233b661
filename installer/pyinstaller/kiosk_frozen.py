"""Entry point of the PyInstaller one-folder build: the ``kiosk`` command, with the models inside the folder."""
from __future__ import annotations

import os
import sys
from pathlib import Path

if getattr(sys, "frozen", False):
    # The build carries a verified model cache; an explicit KIOSK_MODELS_DIR still wins.
    os.environ.setdefault("KIOSK_MODELS_DIR", str(Path(sys._MEIPASS) / "models"))  # type: ignore[attr-defined]

from kiosk.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
