"""A hostile or broken chip is bounded: file caps on the declared length, APDU and time budgets."""
from __future__ import annotations

import itertools
import tracemalloc

import pytest

from hardware.emrtd.errors import ChipLimitError
from hardware.emrtd.password import AccessKey
from hardware.emrtd.read_limits import ReadLimits
from hardware.emrtd.reader import EmrtdReader, ReadPhase
from hardware.emrtd.session import EmrtdSession, dg_fid
from hardware.emrtd.virtual.chip import ChipFaults, VirtualChip
from hardware.emrtd.virtual.document import make_document

KEY = AccessKey.from_mrz("L898902C3", "740812", "120415")
DG2 = dg_fid(2)
SCREEN = "This document could not be read. Please ask a member of staff for help."


@pytest.fixture(scope="module")
def document():
    return make_document(dg2_size=12000)


def _hostile(document, length: int = 0xFFFFFFFF) -> VirtualChip:
    return VirtualChip(document.files, mrz_key=KEY, faults=ChipFaults(endless_file=DG2, endless_length=length))


def test_chip_declaring_a_4_gb_dg2_stops_at_the_header_with_a_typed_error(document) -> None:
    chip = _hostile(document)
    tracemalloc.start()
    try:
        result = EmrtdReader(chip, KEY).read()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(result.error, ChipLimitError)
    assert result.failed_phase is ReadPhase.DG2
    assert "declares 4294967301 bytes" in str(result.error)
    assert result.user_message == SCREEN
    assert DG2 not in result.files
    # Only DG2's 8-byte header was read from the endless file; the whole read stayed small.
    served_before_dg2 = sum(len(document.files[f]) for f in (0x011E, 0x011D, 0x0101))
    assert chip.counters.file_bytes_served == served_before_dg2 + 8
    assert peak < 4 * 2**20
    assert 1 in result.data_groups()  # what was read before stays for support and the partial result


def test_apdu_budget_stops_a_chip_streaming_within_a_generous_cap(document) -> None:
    # A site raised the DG2 cap to 64 MB; the chip declares 50 MB and streams: the APDU budget ends it.
    limits = ReadLimits(file_caps={DG2: 64 * 2**20}, max_apdus=300)
    chip = _hostile(document, length=50 * 2**20)
    tracemalloc.start()
    try:
        result = EmrtdReader(chip, KEY, limits=limits).read()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(result.error, ChipLimitError) and "more than 300 APDUs" in str(result.error)
    assert result.failed_phase is ReadPhase.DG2
    assert chip.counters.apdus == 300
    assert chip.counters.file_bytes_served <= 300 * 224
    assert peak < 4 * 2**20


def test_time_budget_with_a_controlled_clock(document) -> None:
    ticks = itertools.count()  # every APDU "takes" one second on this clock: no real time involved
    limits = ReadLimits(file_caps={DG2: 64 * 2**20}, max_seconds=40, clock=lambda: float(next(ticks)))
    chip = _hostile(document, length=50 * 2**20)
    result = EmrtdReader(chip, KEY, limits=limits).read()
    assert isinstance(result.error, ChipLimitError) and "longer than 40 s" in str(result.error)
    assert chip.counters.apdus == 41
    assert result.user_message == SCREEN


def test_an_honest_file_over_its_cap_is_refused_and_under_it_read(document) -> None:
    size = len(document.files[DG2])
    refused = EmrtdReader(VirtualChip(document.files, mrz_key=KEY), KEY,
                          limits=ReadLimits(file_caps={DG2: size - 1})).read()
    assert isinstance(refused.error, ChipLimitError) and refused.failed_phase is ReadPhase.DG2
    exact = EmrtdReader(VirtualChip(document.files, mrz_key=KEY), KEY, limits=ReadLimits(file_caps={DG2: size})).read()
    assert exact.ok and exact.files[DG2] == document.files[DG2]


def test_default_limits_read_a_real_sized_document_and_cap_dg2_well_under_1_mb(document) -> None:
    result = EmrtdReader(VirtualChip(document.files, mrz_key=KEY), KEY).read()
    assert result.ok and result.user_message is None
    assert ReadLimits().file_cap(DG2) <= 256 * 1024


def test_session_read_file_cap_and_default(document) -> None:
    chip = _hostile(document)
    session = EmrtdSession(chip)
    session.authenticate_bac(KEY)
    with pytest.raises(ChipLimitError):
        session.read_file(DG2)  # the session's own default cap (1 MB) holds without a reader
    assert session.read_file(dg_fid(1), max_length=200) == document.files[dg_fid(1)]
    with pytest.raises(ChipLimitError):
        session.read_file(dg_fid(1), max_length=20)


def test_limits_reject_nonsense() -> None:
    with pytest.raises(ValueError):
        ReadLimits(max_apdus=0)
    with pytest.raises(ValueError):
        ReadLimits(file_caps={DG2: 0})
