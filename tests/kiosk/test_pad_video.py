"""The leave-one-clip-out protocol of ``kiosk eval pad-video`` (kiosk/evaluation/pad_video.py) on made-up window records,
and its input checks. The evaluation itself needs the research clips and minutes; it is run by hand (README)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from inference.pad.features import FEATURE_NAMES
from inference.pad.temporal import CUE_NAMES
from kiosk.evaluation import pad_video
from kiosk.errors import BadInputError


def _records(pulse_of: dict[str, float], seed: int = 0, clips: int = 6, per_clip: int = 3) -> list[dict]:
    """Windows of ``clips`` clips: each species' rppg_snr_db drawn around ``pulse_of[species]``, other cues noise."""
    rng = np.random.default_rng(seed)
    recs = []
    for c in range(clips):
        for sp, centre in pulse_of.items():
            for _ in range(per_clip):
                temporal = {n: float(rng.normal()) for n in CUE_NAMES}
                temporal["rppg_snr_db"] = float(centre + rng.normal(0, 1.0))
                recs.append({"clip": f"clip{c}", "species": sp, "temporal": temporal,
                             "per_frame": {n: float(rng.normal()) for n in FEATURE_NAMES}})
    return recs


def test_a_cue_that_separates_ranks_perfectly_and_noise_does_not() -> None:
    recs = _records({"live": 8.0, "replay": -4.0, "print": -4.0, "puppet": -4.0, "synthetic": -4.0})
    res = pad_video.leave_clip_out(recs, ["rppg_snr_db", "hf_change", "temporal"])
    assert res["rppg_snr_db"]["eer"] == 0.0
    assert res["rppg_snr_db"]["bpcer_at_apcer"]["0.05"] == 0.0
    # pulse-less, drawn like the attacks: flagged about as often as they are caught at APCER 5%
    assert res["rppg_snr_db"]["synthetic_subject_flagged"] >= 0.8
    assert 0.2 <= res["hf_change"]["eer"] <= 0.8  # pure noise ranks at chance
    assert res["temporal"]["eer"] <= 0.1  # the fusion finds the one informative column


def test_direction_is_physics_not_fitted() -> None:
    # Attacks with MORE pulse than bona fide: a single cue keeps its a-priori direction and fails visibly.
    recs = _records({"live": -4.0, "replay": 8.0, "print": 8.0, "puppet": 8.0})
    res = pad_video.leave_clip_out(recs, ["rppg_snr_db"])
    assert res["rppg_snr_db"]["eer"] == 1.0


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="no .mp4 clips"):
        pad_video.clip_windows(tmp_path)
    with pytest.raises(BadInputError, match="unknown methods"):
        pad_video.evaluate(tmp_path, tmp_path / "o.json", methods=["nope"])
    with pytest.raises(BadInputError, match="at least"):
        pad_video.evaluate(tmp_path, tmp_path / "o.json", seconds=1.0)


def test_windows_of_a_clip_do_not_overlap(tmp_path: Path) -> None:
    import cv2

    path = tmp_path / "c.mp4"
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (64, 48))
    if not out.isOpened():
        pytest.skip("this OpenCV build cannot write mp4v")
    for i in range(130):
        out.write(np.full((48, 64, 3), i % 255, np.uint8))
    out.release()
    windows, short = pad_video.clip_windows(tmp_path, seconds=4.0, max_windows=5)
    assert short == [] and len(windows) == 3  # 41 frames each (4 s at 10/s, both ends), 130 frames
    assert [w.start for w in windows] == [0, 41, 82]
    assert len(pad_video.read_window(windows[1])) == 41


def test_the_research_clips_give_the_windows_the_readme_reports() -> None:
    from kiosk.paths import shared_data_dir

    video = shared_data_dir() / "video" / "live"
    if not video.is_dir():
        pytest.skip(f"research clips not found at {video} (set KIOSK_DATA_DIR)")
    windows, short = pad_video.clip_windows(video, seconds=4.0, max_windows=4)
    assert short == ["liveportrait_driving_d0"]  # 3.1 s
    assert len(windows) == 26 and len({w.clip for w in windows}) == 11
    for a, b in zip(windows, windows[1:]):
        if a.clip == b.clip:
            assert b.start >= a.start + a.frames  # non-overlapping
