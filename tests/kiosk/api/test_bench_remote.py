"""``kiosk bench remote`` (issue 21 item 6): registered, and refuses nonsense before it starts a server. The
bench itself (minutes, a server subprocess, up to 16 clients) is never run here; its figures are in
docs/benchmarks/api.md."""
from __future__ import annotations

import argparse

import pytest


def test_the_remote_bench_is_a_kiosk_bench_command() -> None:
    from kiosk.commands.bench_cmd import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["bench", "remote", "--level-s", "30", "--clients", "1", "4", "--path", "stream"])
    assert args.level_s == 30 and args.clients == [1, 4] and args.path == ["stream"] and callable(args.func)


@pytest.mark.parametrize("kw", [{"level_s": 0}, {"clients": (0,)}, {"clients": ()}, {"paths": ("browser",)}])
def test_the_remote_bench_refuses_bad_arguments_before_starting(kw) -> None:  # type: ignore[no-untyped-def]
    from kiosk.api.remote.bench import bench_remote

    with pytest.raises(ValueError):
        bench_remote(**kw)
