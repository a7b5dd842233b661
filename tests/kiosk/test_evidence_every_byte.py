"""Issue 25's target, exhaustively: flipping any single byte of an exported file's chip part (the whole ``record``
object, about 6,500 bytes for the virtual passport with PACE-CAM) fails the check and names the part the byte was
in. About 75 s on two busy cores, so marked slow (``-m slow``); the workflow test flips a sample of them always."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from hardware.emrtd.certs import load_certificate
from hardware.emrtd.password import AccessKey
from hardware.emrtd.trust import TrustStore
from hardware.emrtd.virtual.passport import make_virtual_passport
from kiosk.evidence_check import check_evidence, damaged_verdict, line_part
from kiosk.evidence_export import build_evidence, evidence_text
from kiosk.workflow.chip_step import read_chip, record_document_check
from storage import open_storage

KEY = AccessKey.from_mrz("L898902C3", "740812", "120415")


@pytest.mark.slow
def test_every_byte_of_the_chip_part_is_guarded_and_named(tmp_path, request) -> None:  # type: ignore[no-untyped-def]
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("every byte of the record (about 50 s): run with -m slow")
    passport = make_virtual_passport(KEY, pace_mapping="CAM")
    trust = TrustStore()
    trust.add_certificate(load_certificate(passport.csca_certificate))
    result = read_chip(passport.chip, KEY, trust)
    sid = record_document_check(tmp_path, result, KEY, dt.datetime.now(dt.timezone.utc), trust)["session_id"]
    st = open_storage(tmp_path)
    try:
        text = evidence_text(build_evidence(st, sid, "t"))
    finally:
        st.close()
    assert all(v.ok for v in check_evidence(json.loads(text), trust))
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip().startswith('"record": {'))
    depth, end = 0, start
    for end in range(start, len(lines)):
        depth += lines[end].count("{") - lines[end].count("}")
        if depth == 0:
            break
    plain = text.splitlines()
    unguarded = []
    for li in range(start, end + 1):
        path = line_part(plain, li).split("/")
        expected = [n for n in path if n != "parts"] or path
        base = sum(len(x) for x in lines[:li])
        for pos in range(base, base + len(lines[li])):
            flipped = bytearray(text.encode("ascii"))
            flipped[pos] ^= 0x01
            damaged = flipped.decode("latin-1")
            try:
                verdicts = check_evidence(json.loads(damaged), trust)
            except json.JSONDecodeError as exc:
                verdicts = [damaged_verdict(damaged, exc)]
            failed = [v.words for v in verdicts if not v.ok]
            # A flipped key may name itself ("DG14" made "DG15": DG14 is what went missing) or the original.
            named = any(n in w or n.replace("_", " ") in w for w in failed for n in expected)
            if not failed or not (named or any("differs" in w for w in failed)):
                unguarded.append((pos, expected, failed[:3]))
    assert unguarded == [], unguarded[:5]
