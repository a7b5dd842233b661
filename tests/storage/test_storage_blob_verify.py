"""``kiosk audit verify`` authenticates every evidence blob against its image row (probe 2 of issue 20):
two sessions' blob files swapped, a flipped byte, an emptied or a deleted file are each named with the
session and the image, instead of passing until someone opens the evidence at review."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.cli import main


@pytest.fixture
def two_sessions(store, make_record):  # type: ignore[no-untyped-def]
    """A closed store with two sessions of two images each; returns (data dir, blob store, [(session, image ids)])."""
    recorded = [store.decisions.record_session(make_record("reject", doc=f"D{i}XX", seed=10 * i)) for i in range(2)]
    blobs = store.blobs
    store.close()
    return store.data_dir, blobs, [(r.session_id, r.image_ids) for r in recorded]


def _verify(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["audit", "verify", "--data-dir", str(data_dir)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_intact_blobs_verify(two_sessions, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out = _verify(two_sessions[0], capsys)
    assert code == 0, out


@pytest.mark.parametrize("damage", ["swapped", "flipped", "emptied", "deleted"])
def test_damaged_blob_is_named(two_sessions, capsys, damage) -> None:  # type: ignore[no-untyped-def]
    data_dir, blobs, sessions = two_sessions
    (s1, (a1, _b1)), (s2, (a2, _b2)) = sessions
    target = blobs.path_for(a1)
    if damage == "swapped":  # the two sessions' DG2 portraits trade places
        tmp = target.with_suffix(".x")
        shutil.move(target, tmp)
        shutil.move(blobs.path_for(a2), target)
        shutil.move(tmp, blobs.path_for(a2))
    elif damage == "flipped":
        raw = bytearray(target.read_bytes())
        raw[len(raw) // 2] ^= 0x01
        target.write_bytes(bytes(raw))
    elif damage == "emptied":
        target.write_bytes(b"")
    else:
        target.unlink()
    code, out = _verify(data_dir, capsys)
    assert code == 1, out
    first = min(a1, a2) if damage == "swapped" else a1
    assert f"table images, id {first}, field blob" in out, out
    owner = s1 if first == a1 else s2
    assert f"session {owner}" in out and "dg2 image" in out, out
    expected = {"swapped": "fails authentication", "flipped": "fails authentication",
                "emptied": "not an idkiosk blob", "deleted": "is missing"}[damage]
    assert expected in out, out
