"""A throw-away PostgreSQL server on 127.0.0.1 for the storage and fleet tests.

Needs the Debian ``postgresql`` server binaries (``initdb``, ``postgres``) and the ``psycopg``
driver; :func:`start_or_skip` skips with a reason otherwise. The server runs from a temporary folder,
listens on 127.0.0.1 only (no Unix socket outside that folder), gets SIGINT at the end and a
parent-death signal so it also stops if the test process dies. As root it runs as the ``postgres``
user. :meth:`PgServer.stop` and :meth:`PgServer.start` stop and restart it on the same port and data
(the fleet tests cut the central server in the middle of a sync).
"""
from __future__ import annotations

import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pytest


def _pg_bin() -> Path | None:
    for cand in [os.environ.get("PG_BIN"), shutil.which("initdb") and str(Path(shutil.which("initdb")).resolve().parent),
                 *sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)]:
        if cand and (Path(cand) / "initdb").exists() and (Path(cand) / "postgres").exists():
            return Path(cand)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG: fast shutdown if the test process dies


class PgServer:
    """One PostgreSQL cluster in a temporary folder; ``url`` names its ``postgres`` database."""

    def __init__(self, bin_dir: Path, user_kw: dict[str, Any], root: Path) -> None:
        self.bin_dir, self.user_kw, self.root = bin_dir, user_kw, root
        self.data = root / "data"
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        subprocess.run([str(bin_dir / "initdb"), "-D", str(self.data), "-U", "kiosk", "--auth=trust", "-E", "UTF8",
                        "--no-sync"], check=True, capture_output=True, cwd=root, **user_kw)
        self.url = f"postgresql+psycopg://kiosk@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start (or restart) the server and wait until it accepts connections."""
        import psycopg

        self.proc = subprocess.Popen(
            [str(self.bin_dir / "postgres"), "-D", str(self.data), "-h", "127.0.0.1", "-p", str(self.port),
             "-k", str(self.root), "-c", "fsync=on", "-c", "synchronous_commit=on"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.root, preexec_fn=_die_with_parent,
            **self.user_kw)
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(f"host=127.0.0.1 port={self.port} user=kiosk dbname=postgres", connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("PostgreSQL did not start")
                time.sleep(0.1)

    def stop(self) -> None:
        """Fast shutdown (SIGINT): open transactions are aborted, committed ones are kept."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def new_database(self) -> str:
        """A fresh, empty database on this server; returns its SQLAlchemy URL."""
        import psycopg

        name = "t" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url.rsplit("/", 1)[0] + "/" + name

    def close(self) -> None:
        """Stop the server and remove its folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def start_or_skip() -> PgServer:
    """A started server, or ``pytest.skip`` naming what is missing."""
    pytest.importorskip("psycopg", reason="the psycopg driver is not installed (pip install 'psycopg[binary]')")
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not found (Debian package 'postgresql')")
    user_kw: dict[str, Any] = {}
    root = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
    if os.geteuid() == 0:  # postgres refuses to run as root
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        user_kw = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
    server = PgServer(bin_dir, user_kw, root)
    try:
        server.start()
    except BaseException:
        server.close()
        raise
    return server
