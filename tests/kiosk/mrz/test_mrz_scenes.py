"""The real-looking development pages: deterministic by seed, labelled like ``kiosk mrz synth``, typed errors."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from kiosk.errors import BadInputError
from kiosk.mrz.render import FontMissingError, ocr_b_path
from kiosk.mrz.scenes import DEV_SEED_LIMIT, SCENES, render_scene, synthesise_scenes
from kiosk.mrz.synth import random_mrz


@pytest.fixture(autouse=True)
def _font() -> None:
    try:
        ocr_b_path()
    except FontMissingError as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("scene", SCENES)
def test_a_seed_gives_the_same_page_and_another_seed_another(scene: str) -> None:
    def page(seed: int) -> np.ndarray:
        rng = np.random.default_rng([seed, 1])
        return render_scene(random_mrz(rng, "TD3").lines, "TD3", scene, rng)

    a, b = page(7), page(7)
    assert a.dtype == np.uint8 and a.ndim == 3 and np.array_equal(a, b)
    c = page(8)
    assert a.shape != c.shape or not np.array_equal(a, c)


def test_set_is_labelled_per_scene_and_refuses_a_used_folder(tmp_path: Path) -> None:
    labels = synthesise_scenes(tmp_path, 1, seed=3, scenes=("dense", "lowres"))
    with open(labels, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["scene"] for r in rows] == ["dense", "lowres"]
    assert all((tmp_path / r["path"]).is_file() and len(r["birth_date"]) == 6 for r in rows)
    with pytest.raises(BadInputError, match="already exists"):
        synthesise_scenes(tmp_path, 1, seed=3)


def test_unknown_scene_and_bad_count_are_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="unknown scenes"):
        synthesise_scenes(tmp_path / "a", 1, seed=1, scenes=("glare",))
    with pytest.raises(BadInputError, match="at least 1"):
        synthesise_scenes(tmp_path / "b", 0, seed=1)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    assert DEV_SEED_LIMIT == 1_000_000
