"""`kiosk run` and `kiosk review` on a real X display: Xvfb with Qt's xcb platform plugin, as a desktop has.

Every other UI test runs on the offscreen plugin, which loads almost nothing from the system; this one starts the
commands a user types, as separate processes, and checks that their window appears on a 1280x800 screen, fits it,
carries a title, and stays up.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SCREEN = (1280, 800)
# Upper bounds for a stuck start on a loaded CI machine, not speed targets: the window normally shows in seconds.
APPEAR_WITHIN_S = 180.0
STAYS_UP_S = 3.0
WINDOW_LINE = re.compile(r'^\s+0x[0-9a-f]+ "(?P<title>[^"]*)": \(.*\)\s+(?P<w>\d+)x(?P<h>\d+)\+-?\d+\+-?\d+', re.M)


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A fresh Xvfb display at 1280x800 (the display number is chosen by Xvfb), stopped afterwards."""
    for tool in ("Xvfb", "xwininfo"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: installer/setup.sh installs it (xvfb, x11-utils)")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.kill()
        pytest.fail("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def _top_windows(display: str) -> list[tuple[str, int, int]]:
    out = subprocess.run(["xwininfo", "-root", "-children"], env={**os.environ, "DISPLAY": display},
                         capture_output=True, text=True, timeout=30).stdout
    return [(m["title"], int(m["w"]), int(m["h"])) for m in WINDOW_LINE.finditer(out)]


def _run_until_window(display: str, args: list[str], title: str, tmp_path: Path) -> tuple[str, int, int]:
    """Start ``kiosk ARGS`` on ``display`` with the xcb plugin; return its window once it is shown, after
    checking it stays up; the process is stopped afterwards."""
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "KIOSK_HOME": str(tmp_path / "home")}
    log = tmp_path / "stderr.txt"
    with log.open("wb") as err:
        process = subprocess.Popen([sys.executable, "-m", "kiosk", *args], env=env, stdout=subprocess.DEVNULL,
                                   stderr=err, start_new_session=True)
    try:
        deadline = time.monotonic() + APPEAR_WITHIN_S
        found = None
        while found is None:
            assert process.poll() is None, (f"kiosk {' '.join(args)} exited with {process.returncode} before "
                                            f"showing a window:\n{log.read_text(errors='replace')[-3000:]}")
            assert time.monotonic() < deadline, f"no window titled {title!r}: {_top_windows(display)}"
            found = next((w for w in _top_windows(display) if title in w[0]), None)
            time.sleep(0.2)
        time.sleep(STAYS_UP_S)
        assert process.poll() is None, f"the window closed: {log.read_text(errors='replace')[-3000:]}"
        return found
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def test_kiosk_run_shows_its_window_on_xcb(display: str, tmp_path: Path) -> None:
    title, width, height = _run_until_window(display, ["run", "--data-dir", str(tmp_path / "kiosk")],
                                             "Identity check", tmp_path)
    assert "idkiosk" in title
    assert (width, height) <= SCREEN and width <= SCREEN[0] and height <= SCREEN[1]


def test_kiosk_review_shows_the_login_on_xcb_within_the_screen(display: str, tmp_path: Path) -> None:
    title, width, height = _run_until_window(display, ["review", "--data-dir", str(tmp_path / "store")],
                                             "Operator review", tmp_path)
    assert "idkiosk" in title
    assert width <= SCREEN[0] and height <= SCREEN[1], f"the console asks {width}x{height} on a 1280x800 screen"
