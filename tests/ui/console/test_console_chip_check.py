"""Issue 25: the case view re-checks a session's chip evidence on the worker, in the words of
``kiosk evidence verify``; a record of another session put in its place fails."""
from __future__ import annotations

import datetime as dt
import shutil
from typing import Any

from hardware.emrtd.certs import load_certificate
from hardware.emrtd.password import AccessKey
from hardware.emrtd.trust import TrustStore
from hardware.emrtd.virtual.passport import make_virtual_passport
from kiosk.console import Console
from kiosk.workflow.chip_step import read_chip, record_document_check

from console_ui_helpers import PASSWORD, login

KEY = AccessKey.from_mrz("L898902C3", "740812", "120415")


def _chip_session(store: Any) -> tuple[str, TrustStore]:
    passport = make_virtual_passport(KEY)
    trust = TrustStore()
    trust.add_certificate(load_certificate(passport.csca_certificate))
    result = read_chip(passport.chip, KEY, trust)
    out = record_document_check(store.data_dir, result, KEY, dt.datetime.now(dt.timezone.utc), trust)
    return out["session_id"], trust


def test_the_case_view_checks_the_chip_evidence_in_the_cli_words(qtbot, window, store) -> None:
    sid, trust = _chip_session(store)
    window.console.trust = trust
    login(qtbot, window, "olga")
    window.open_case(sid)
    case = window.case
    qtbot.waitUntil(lambda: window.stack.currentWidget() is case and case.case is not None, timeout=10000)
    assert case.chip_check.isVisibleTo(case)
    case.chip_check.click()
    qtbot.waitUntil(lambda: "chip evidence:" in case.message.text(), timeout=30000)
    assert case.message.text().startswith("chip evidence: every part verified")
    assert case.message.property("role") == "good"
    text = case.message.toolTip()  # every verdict, as the CLI prints them
    assert "PASS  kiosk signature: valid" in text and "PASS  kiosk key: the file is signed by the given kiosk key" in text
    assert "PASS  EF.SOD: signature valid, chain to a trusted CSCA valid" in text


def test_a_record_swapped_in_from_another_session_is_refused(qtbot, store) -> None:
    a, trust = _chip_session(store)
    b, _ = _chip_session(store)
    console = Console(store)
    console.trust = trust
    console.login("olga", PASSWORD)
    ida = store.decisions.load_session(a, "t").chip_record.image_id
    idb = store.decisions.load_session(b, "t").chip_record.image_id
    pa, pb = store.blobs.path_for(ida), store.blobs.path_for(idb)
    shutil.copyfile(pb, pa)  # session b's record (a valid chip record of its own) in session a's place
    import pytest
    from storage.errors import StorageError

    with pytest.raises(StorageError):
        console.check_chip_evidence(a)
    assert console.check_chip_evidence(b).ok
    assert not store.verify().ok
