"""``kiosk evidence export``: the sealed part opens only at the back office and only in its own file; a session
without a chip record, or a store whose chain is broken, exports nothing."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from hardware.emrtd.certs import load_certificate
from hardware.emrtd.password import AccessKey
from hardware.emrtd.trust import TrustStore
from hardware.emrtd.virtual.passport import make_virtual_passport
from kiosk.cli import main
from kiosk.evidence_export import build_evidence
from kiosk.evidence_open import open_sealed_parts
from kiosk.workflow.chip_step import read_chip, record_document_check
from storage import open_storage
from storage.backoffice_keys import BackofficeKeyring, generate_key_pair
from storage.sealed_evidence import record_backoffice_key
from storage.sealing import DamagedBlobError

KEY = AccessKey.from_mrz("L898902C3", "740812", "120415")
PASS = "back office passphrase"


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory):  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("export")
    public, _, _ = generate_key_pair(base / "bo", PASS, log2_n=14)
    passport = make_virtual_passport(KEY)
    trust = TrustStore()
    trust.add_certificate(load_certificate(passport.csca_certificate))
    sids = []
    for _ in range(2):
        result = read_chip(passport.chip, KEY, trust)
        sids.append(record_document_check(base / "data", result, KEY, dt.datetime.now(dt.timezone.utc),
                                          trust)["session_id"])
    st = open_storage(base / "data")
    record_backoffice_key(st, public, "t")
    st.close()
    return base, sids


def test_the_identity_is_sealed_to_the_back_office_and_bound_to_its_session(kiosk) -> None:  # type: ignore[no-untyped-def]
    base, (a, b) = kiosk
    st = open_storage(base / "data")
    try:
        doc_a, doc_b = build_evidence(st, a, "t"), build_evidence(st, b, "t")
        exported = [e for e in st.audit.events(limit=10_000) if e.kind == "case_exported"]
    finally:
        st.close()
    assert {e.session_id for e in exported} == {a, b}
    assert "SPECIMEN" not in json.dumps(doc_a)  # the names only sealed
    keys = BackofficeKeyring(base / "bo", PASS)
    assert open_sealed_parts(doc_a, keys)["identity"]["surname"] == "SPECIMEN"
    moved = {**doc_b, "sealed": doc_a["sealed"]}  # a's sealed identity put into b's file
    with pytest.raises(DamagedBlobError):
        open_sealed_parts(moved, keys)


def test_a_session_without_a_chip_record_exports_nothing(kiosk, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    base, _ = kiosk
    code = main(["evidence", "export", "0" * 32, "--out", str(tmp_path / "e.json"), "--data-dir", str(base / "data")])
    assert code != 0 and not (tmp_path / "e.json").exists()
    assert "not found" in capsys.readouterr().err


def test_a_broken_chain_exports_nothing(kiosk, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    base, (a, _) = kiosk
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(base / "data", copy)
    with sqlite3.connect(copy / "kiosk.db") as db:  # an insider edits an audit event behind storage's back
        db.execute("UPDATE audit_events SET actor = 'forged' WHERE seq = 1")
    code = main(["evidence", "export", a, "--out", str(tmp_path / "e.json"), "--data-dir", str(copy)])
    assert code != 0 and not (tmp_path / "e.json").exists()
    assert "audit" in capsys.readouterr().err
