"""How long a full passport read takes, for BAC, PACE (generic mapping), PACE-CAM and PACE-IM (figures
only; ``kiosk bench chip`` prints them).

The virtual chip serves EF.COM, EF.SOD, DG1 and a 20 KB DG2 over a simulated ISO/IEC 14443 link
(424 kbit/s, 5 ms chip latency per APDU), read by the same ``EmrtdReader`` as a real reader. A
phase's time is the host's compute time (the reader, its secure messaging and key agreement) plus
the simulated link time of its APDUs. The chip's own processing runs in this process too; it is
measured and left out, since the 5 ms per-APDU latency stands for it. Nothing here is asserted: the
design targets (BAC <= 3 s, PACE and PACE-IM <= 4 s, PACE-CAM <= 1.5 s) are reported beside the figures.
PACE-CAM also reads EF.CardSecurity and proves the chip genuine inside PACE; the GM read runs no
chip authentication, so CAM's figure includes work GM's leaves out.
"""
from __future__ import annotations

import statistics
import time
from typing import Any

TARGETS_S = {"bac": 3.0, "pace": 4.0, "pace_cam": 1.5, "pace_im": 4.0}
METHODS = ("bac", "pace", "pace_cam", "pace_im")
_MAPPING = {"pace": "GM", "pace_cam": "CAM", "pace_im": "IM"}
DG2_SIZE = 20_000
LATENCY_S = 0.005
BITRATE_BPS = 424_000


class _TimedCard:
    """Wraps the in-process chip and sums the time spent inside it (the chip's share of wall time)."""

    def __init__(self, chip: Any) -> None:
        self.chip = chip
        self.inside_s = 0.0
        self.phase: Any = None  # set from the reader's progress callback
        self.inside_by_phase: dict[Any, float] = {}
        self.extended_length = False

    @property
    def simulated_seconds(self) -> float:
        return float(self.chip.simulated_seconds)

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        start = time.perf_counter()
        try:
            data, sw = self.chip.transmit(apdu)
            return bytes(data), int(sw)
        finally:
            spent = time.perf_counter() - start
            self.inside_s += spent
            self.inside_by_phase[self.phase] = self.inside_by_phase.get(self.phase, 0.0) + spent

    def close(self) -> None:
        self.chip.close()


def make_bench_chip(document: Any, key: Any, method: str) -> Any:
    """A virtual chip for ``document`` on the benchmark link: PACE generic mapping offered for
    ``pace``, only chip-authentication mapping (with a signed EF.CardSecurity) for ``pace_cam``."""
    from hardware.emrtd.virtual.chip import LinkModel, VirtualChip

    link = LinkModel(latency_s=LATENCY_S, bitrate_bps=BITRATE_BPS)
    pace: list[Any] = []
    mf_files: dict[int, bytes] = {}
    if method in _MAPPING:
        from hardware.emrtd.virtual.pace_card import PaceOffer

        pace = [PaceOffer.ecdh(mapping=_MAPPING[method])]
    if method == "pace_cam":
        mf_files[0x011D] = document.card_security([o.info() for o in pace])
    return VirtualChip(document.files, mf_files=mf_files, mrz_key=key, pace=pace, link=link,
                       ca_private_key=document.ca_private_key)


def run_once(document: Any, key: Any, method: str) -> dict[str, Any]:
    """One full read; the figures of that read (seconds rounded to the microsecond)."""
    from hardware.emrtd.reader import AccessMethod, EmrtdReader, ReadPhase

    card = _TimedCard(make_bench_chip(document, key, method))

    def on_progress(event: Any) -> None:
        card.phase = event.phase  # so the chip's in-process time is left out per phase too

    access = AccessMethod.PACE if method in _MAPPING else AccessMethod(method)
    reader = EmrtdReader(card, key, method=access, progress=on_progress,
                         data_groups=(), chip_authentication=False)
    result = reader.read()
    chip_time = card.inside_by_phase
    if not result.ok:
        raise RuntimeError(f"{method} read failed in {result.failed_phase}: {result.error}")
    phases: dict[str, dict[str, float]] = {}
    for phase in ReadPhase:
        if phase not in result.phase_seconds:
            continue
        host = max(0.0, result.phase_seconds[phase] - chip_time.get(phase, 0.0))
        link = result.phase_link_seconds.get(phase, 0.0)
        phases[phase.name.lower()] = {"host_s": round(host, 6), "link_s": round(link, 6),
                                      "total_s": round(host + link, 6)}
    host_s = sum(p["host_s"] for p in phases.values())
    link_s = result.link_seconds
    if method == "pace_cam" and not (result.chip_authentication and result.chip_authentication.passed):
        raise RuntimeError(f"PACE-CAM read did not authenticate the chip: {result.chip_authentication}")
    return {
        "access_method": result.access_method,
        "pace_mapping": result.pace_mapping,
        "total_s": round(host_s + link_s, 6),
        "host_s": round(host_s, 6),
        "link_s": round(link_s, 6),
        "chip_compute_excluded_s": round(card.inside_s, 6),
        "apdu_count": result.apdu_count,
        "chunk_sizes": sorted(set(result.chunk_sizes)),
        "bytes_read": sum(len(v) for v in result.files.values()) + len(result.card_security or b""),
        "phases": phases,
    }


def bench_chip(runs: int = 3) -> dict[str, Any]:
    """Read the benchmark document ``runs`` times per access method; keep the median run of each."""
    from hardware.emrtd.password import AccessKey
    from hardware.emrtd.virtual.document import make_document

    document = make_document(dg2_size=DG2_SIZE, chip_authentication=True)
    key = AccessKey.from_mrz("L898902C3", "740812", "120415")
    out: dict[str, Any] = {
        "link": {"bitrate_bps": BITRATE_BPS, "chip_latency_s": LATENCY_S},
        "files": {f"{fid:04X}": len(raw) for fid, raw in sorted(document.files.items())},
        "targets_s": dict(TARGETS_S),
        "runs": runs,
    }
    for method in METHODS:
        results = [run_once(document, key, method) for _ in range(max(1, runs))]
        results.sort(key=lambda r: r["total_s"])
        median = results[len(results) // 2]
        median["all_totals_s"] = [r["total_s"] for r in results]
        median["median_total_s"] = statistics.median(r["total_s"] for r in results)
        median["within_target"] = median["total_s"] <= TARGETS_S[method]
        out[method] = median
    return out
