"""``kiosk export``: signed JSON lines without personal data, outbox, tamper detection."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from storage import open_storage
from storage.errors import ExportError
from storage.export import public_key_b64, read_signed_export

from storage_helpers import SURNAME


@pytest.fixture
def exported(store, make_record, clock, tmp_path):  # type: ignore[no-untyped-def]
    for i in range(3):
        store.decisions.record_session(make_record("review" if i == 1 else "accept", doc=f"EXP{i}XX"))
        clock.advance(days=1)
    pub = public_key_b64(store.keys)
    store.close()
    out = tmp_path / "out" / "decisions.jsonl"
    return store.data_dir, out, pub


def test_export_cli_writes_signed_lines(exported, capsys) -> None:  # type: ignore[no-untyped-def]
    data_dir, out, pub = exported
    assert main(["export", "--since", "2026-03-02", "--out", str(out), "--data-dir", str(data_dir)]) == 0
    assert "exported 2 decisions" in capsys.readouterr().out
    records = list(read_signed_export(out, public_key=pub))
    assert [r["outcome"] for r in records] == ["review", "accept"]
    raw = out.read_text()
    assert SURNAME not in raw and "EXP1XX" not in raw and "1971" not in raw
    assert all(len(r["document_key"]) == 64 for r in records)
    st = open_storage(data_dir)
    try:
        assert st.audit.events()[-1].kind == "export" and st.audit.events()[-1].details["count"] == 2
    finally:
        st.close()
    # The outbox remembers: --only-new exports nothing the second time.
    out2 = out.with_name("again.jsonl")
    assert main(["export", "--since", "2026-01-01", "--only-new", "--out", str(out2), "--data-dir", str(data_dir)]) == 0
    assert len(list(read_signed_export(out2, public_key=pub))) == 1  # only the first-day one was not yet exported


@pytest.mark.parametrize("tamper", ["edit", "drop", "truncate", "wrong_key"])
def test_tampered_export_is_refused(exported, tamper) -> None:  # type: ignore[no-untyped-def]
    data_dir, out, pub = exported
    assert main(["export", "--since", "2026-01-01", "--out", str(out), "--data-dir", str(data_dir)]) == 0
    lines = out.read_bytes().splitlines(keepends=True)
    if tamper == "edit":
        rec = json.loads(lines[1])
        rec["outcome"] = "reject"
        lines[1] = json.dumps(rec).encode() + b"\n"
    elif tamper == "drop":
        del lines[2]
    elif tamper == "truncate":
        lines = lines[:-1]
    out.write_bytes(b"".join(lines))
    key = pub
    if tamper == "wrong_key":
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
        import base64

        key = base64.b64encode(Ed25519PrivateKey.generate().public_key()
                               .public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    with pytest.raises(ExportError):
        list(read_signed_export(out, public_key=key))


def test_bad_since_is_bad_input(exported, capsys) -> None:  # type: ignore[no-untyped-def]
    data_dir, out, _ = exported
    assert main(["export", "--since", "last tuesday", "--out", str(out), "--data-dir", str(data_dir)]) == 2
    assert "--since" in capsys.readouterr().err


def test_export_reader_fuzz_only_typed_errors(tmp_path: Path) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    f = tmp_path / "x.jsonl"

    @settings(max_examples=150, deadline=None)
    @given(st.binary(max_size=300))
    def run(raw: bytes) -> None:
        f.write_bytes(raw)
        try:
            list(read_signed_export(f))
        except ExportError:
            pass

    run()
