"""Helpers of the console window tests (importable by name; conftest modules are not)."""
from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

PASSWORD = "correct horse battery"
CONFIG = {"operators": {"scrypt_log2_n": 14}}


def jpeg(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray((rng.random((20, 15, 3)) * 255).astype(np.uint8)).resize((150, 200)).save(buf, "JPEG")
    return buf.getvalue()


def login(qtbot: Any, window: Any, user: str, password: str = PASSWORD) -> None:
    """Type a login and wait for the worker's answer."""
    window.login.user.setText(user)
    window.login.password.setText(password)
    window.login.submit.click()
    qtbot.waitUntil(lambda: window.worker.pending == 0 and window.login.submit.isEnabled()
                    or window.stack.currentWidget() is not window.login, timeout=10000)
