"""Issue 25: the central console offers the case view's chip-evidence check on a pushed session: the record
opened from its sealed copy, placed in the central copy of the kiosk's chain, vouched for by the kiosk's signed
head; the chip verdicts in the words of ``kiosk evidence verify``."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from fleet_helpers import OPERATOR_PASSWORD, kiosk_config, register
from hardware.emrtd.certs import load_certificate
from hardware.emrtd.password import AccessKey
from hardware.emrtd.trust import TrustStore
from hardware.emrtd.virtual.passport import make_virtual_passport
from kiosk.console import Console
from kiosk.workflow.chip_step import read_chip, record_document_check
from storage import open_storage
from storage.backoffice_keys import BackofficeKeyring, generate_key_pair
from storage.central import schema
from storage.central.fleet_view import open_fleet_console_storage
from storage.central.push import SyncOptions, Syncer
from storage.sealed_evidence import record_backoffice_key

KEY = AccessKey.from_mrz("L898902C3", "740812", "120415")
PASS = "back office passphrase"


@pytest.fixture
def pushed(central, tmp_path, clock):  # type: ignore[no-untyped-def]
    public, _, _ = generate_key_pair(tmp_path / "bo-keys", PASS, log2_n=14)
    passport = make_virtual_passport(KEY)
    trust = TrustStore()
    trust.add_certificate(load_certificate(passport.csca_certificate))
    result = read_chip(passport.chip, KEY, trust)
    sid = record_document_check(tmp_path / "kiosk-cli", result, KEY, dt.datetime.now(dt.timezone.utc),
                                trust)["session_id"]
    st = open_storage(tmp_path / "kiosk-cli", kiosk_config(), clock=clock)
    record_backoffice_key(st, public, "t")
    register(central, st, "kiosk-cli")
    Syncer(st, central, "kiosk-cli", SyncOptions(push_evidence=True)).run()
    st.close()
    fst = open_fleet_console_storage(tmp_path / "backoffice", central.url,
                                     BackofficeKeyring(tmp_path / "bo-keys", PASS), config=kiosk_config(), clock=clock)
    fst.operators.add("rita", "operator", OPERATOR_PASSWORD, "t")
    console = Console(fst)
    console.trust = trust
    console.login("rita", OPERATOR_PASSWORD)
    yield console, sid
    fst.close()


def test_the_central_console_checks_a_pushed_chip_record(pushed) -> None:  # type: ignore[no-untyped-def]
    console, sid = pushed
    case = console.open_case(sid)
    assert case.detail.chip_record is not None and "chip_record" not in {i.kind for i in case.images}
    check = console.check_chip_evidence(sid)
    words = "\n".join(w for _, w in check.verdicts)
    assert check.ok, words
    assert "kiosk signature: the kiosk's signed chain head at seq" in words
    assert "chain position: announced by audit event" in words
    assert "EF.SOD: signature valid, chain to a trusted CSCA valid" in words  # the CLI's words


def test_an_event_edited_at_the_centre_fails_the_check(pushed, central) -> None:  # type: ignore[no-untyped-def]
    console, sid = pushed
    t = schema.audit_events
    with central.begin() as conn:  # an insider edits the announcing event's actor at the centre
        conn.execute(update(t).where(t.c.session_id == sid, t.c.kind == "decision").values(actor="kiosk:forged"))
    check = console.check_chip_evidence(sid)
    failed = [w for ok, w in check.verdicts if not ok]
    assert not check.ok and any(w.startswith("kiosk signature: the central copy does not vouch") for w in failed)
    assert any(w.startswith("chain position: does not hold") for w in failed), failed
