"""``kiosk pad train`` and ``kiosk eval pad`` on tiny folders made in the test from real faces
(astronaut, t1): sub-folder-per-label and labels.csv layouts, row selection, failures, typed errors."""
from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inference.pad.model import PadModelError, load_model
from kiosk.cli import main
from kiosk.commands.eval_pad_cmd import add_eval_pad
from kiosk.errors import BadInputError
from models.store import ModelStore


@pytest.fixture(scope="module")
def store() -> ModelStore:
    s = ModelStore()
    bad = [e.id for e in s.manifest.entries if s.status(e).state != "ready"]
    if bad:
        pytest.fail(f"model cache at {s.root} not ready ({bad}): run 'kiosk models pull'")
    return s


def _attack(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Print-like colour and a screen-like grating: what the cue features are meant to notice."""
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV).astype(np.float64)
    hsv[:, :, 1] *= 0.5
    out = 0.65 * cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR) + 0.35 * 170 + np.array([-10.0, 3, 12])
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    out += 18 * np.sin(2 * np.pi * (xx * np.cos(0.3) + yy * np.sin(0.3)) / rng.uniform(3.0, 3.8))[:, :, None]
    return np.clip(out, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def images(store: ModelStore) -> list[tuple[str, np.ndarray]]:
    """(label, image) pairs: crops around the astronaut's and t1's faces, live and attacked."""
    rng = np.random.default_rng(11)
    out = []
    astro = cv2.imread(str(store.asset_path("astronaut")))
    t1 = cv2.imread(str(store.asset_path("t1")))
    for k in range(4):
        s = int(rng.integers(0, 30))
        out.append(("live", astro[s:s + 300, 100 + s:400 + s].copy()))
    h, w = t1.shape[:2]
    out.append(("live", t1[:, : w // 2].copy()))
    out.append(("live", t1[:, w // 2:].copy()))
    out += [("print", _attack(img, rng)) for _, img in list(out)]
    return out


def _write(root: Path, images, layout: str) -> None:
    root.mkdir(parents=True)
    rows = []
    for i, (label, img) in enumerate(images):
        rel = f"{label}/{i:02d}.png" if layout == "folders" else f"img/{i:02d}.png"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / rel), img)
        rows.append({"path": rel, "label": label, "source": "a" if i % 2 == 0 else "b", "note": "x"})
    # An image with no face: counted as a failure, never scored.
    noface = np.random.default_rng(0).integers(0, 255, (120, 160, 3)).astype(np.uint8)
    rel = "print/noface.png" if layout == "folders" else "img/noface.png"
    cv2.imwrite(str(root / rel), noface)
    rows.append({"path": rel, "label": "print", "source": "a", "note": ""})
    if layout == "csv":
        with open(root / "labels.csv", "w", newline="", encoding="utf-8") as fh:
            wr = csv.DictWriter(fh, fieldnames=["path", "label", "source", "note"])
            wr.writeheader()
            wr.writerows(rows)


def _eval(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    add_eval_pad(p.add_subparsers(dest="what"))
    args = p.parse_args(["pad", *argv])
    return int(args.func(args))


@pytest.mark.parametrize("layout", ["folders", "csv"])
def test_train_then_eval(tmp_path: Path, images, layout: str, capsys) -> None:
    data = tmp_path / "data"
    _write(data, images, layout)
    cache = ["--cache", str(tmp_path / "cache"), "--quiet"]
    model = tmp_path / "model.json"
    assert main(["pad", "train", "--data", str(data), "--out", str(model), *cache]) == 0
    m = load_model(model)
    assert m.training["bona_fide"] == 6 and m.training["attacks"] == {"print": 6} and m.training["failures"] == 1
    assert 0.0 <= m.threshold <= 1.0 and m.metadata["feature_version"]

    out = tmp_path / "res" / "pad.json"
    assert _eval(["--data", str(data), "--json", str(out), "--model", str(model), *cache]) == 0
    r = json.loads(out.read_text())
    assert r["bona_fide"] == 6 and r["attacks"] == {"print": 6} and r["failures"] == 1
    assert set(r["apcer"]) == {"print"} and set(r["bpcer_at_apcer"]) == {"0.01", "0.05", "0.10"}
    assert 0.0 <= r["bpcer"] <= 1.0 and 0.0 <= r["eer"] <= 1.0 and r["method"] == "fusion"
    # Trained and tested on the same 12 images: the model must at least separate its own training set.
    assert r["eer"] <= 0.2
    assert "baseline_antispoof" in r and Path(r["det_plot"]).is_file()
    assert Path(r["det_plot"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "DET plot" in capsys.readouterr().out

    # Without --model: FaceAntiSpoofing alone, at its origin threshold.
    assert _eval(["--data", str(data), "--json", str(tmp_path / "base.json"), *cache]) == 0
    b = json.loads((tmp_path / "base.json").read_text())
    assert b["method"] == "antispoof_only" and b["threshold"] == 0.2 and "baseline_antispoof" not in b


def test_source_filter_selects_rows(tmp_path: Path, images) -> None:
    data = tmp_path / "data"
    _write(data, images, "csv")
    cache = ["--cache", str(tmp_path / "cache"), "--quiet"]
    out = tmp_path / "a.json"
    assert _eval(["--data", str(data), "--json", str(out), "--source", "a", *cache]) == 0
    r = json.loads(out.read_text())
    assert r["bona_fide"] + sum(r["attacks"].values()) + r["failures"] == 7  # 6 of 12 plus the face-less image
    assert r["filters"] == {"include": {"source": ["a"]}, "exclude": {}}
    assert _eval(["--data", str(data), "--json", str(out), "--exclude-source", "a", *cache]) == 0
    assert json.loads(out.read_text())["failures"] == 0


def test_bad_inputs_are_typed_errors(tmp_path: Path, images) -> None:
    assert main(["pad", "train", "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "m.json")]) == 2
    data = tmp_path / "data"
    _write(data, images[:3], "folders")  # live images only (plus the face-less one under print/)
    with pytest.raises(BadInputError, match="no labels.csv"):
        _eval(["--data", str(data), "--json", str(tmp_path / "x.json"), "--source", "a", "--no-cache", "--quiet"])
    with pytest.raises(BadInputError, match="bona fide"):
        _eval(["--data", str(data), "--json", str(tmp_path / "x.json"), "--no-cache", "--quiet"])
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(PadModelError):
        _eval(["--data", str(data), "--json", str(tmp_path / "x.json"), "--model", str(tmp_path / "bad.json"),
               "--quiet"])
    csvdir = tmp_path / "csv"
    csvdir.mkdir()
    (csvdir / "labels.csv").write_text("path,label\n../escape.png,live\n", encoding="utf-8")
    assert main(["pad", "train", "--data", str(csvdir), "--out", str(tmp_path / "m.json"), "--no-cache"]) == 2
    (csvdir / "labels.csv").write_text("file,kind\na.png,live\n", encoding="utf-8")
    assert main(["pad", "train", "--data", str(csvdir), "--out", str(tmp_path / "m.json"), "--no-cache"]) == 2


def test_eval_on_the_shared_pad_labels_csv(shared_data: Path, tmp_path: Path) -> None:
    """The research data's own labels.csv (extra columns, source filter); the three minivision samples only."""
    out = tmp_path / "mv.json"
    assert _eval(["--data", str(shared_data / "pad"), "--source", "minivision_samples", "--json", str(out),
                  "--cache", str(tmp_path / "cache"), "--quiet"]) == 0
    r = json.loads(out.read_text())
    assert r["bona_fide"] == 1 and r["attacks"] == {"print": 1, "replay": 1} and r["failures"] == 0


def test_training_folds_keep_each_subject_together() -> None:
    from kiosk.pad.train import _folds

    groups = ["s1"] * 5 + ["s2"] * 3 + ["s3"] * 4 + ["s4"] * 1
    folds = _folds(groups, 3)
    for g in set(groups):
        assert len({f for f, gg in zip(folds, groups) if gg == g}) == 1
    assert set(folds) == {0, 1, 2}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list('path,label,source\n"x./live.png\r\t é\x00')), max_size=120),
       raw=st.binary(max_size=40))
def test_labels_csv_parser_raises_only_bad_input(tmp_path: Path, text: str, raw: bytes) -> None:
    import tempfile

    from kiosk.evaluation.pad import RowFilter, read_dataset

    with tempfile.TemporaryDirectory(dir=tmp_path) as d:
        root = Path(d)
        cv2.imwrite(str(root / "live.png"), np.zeros((20, 20, 3), np.uint8))
        for content in (text.encode("utf-8", "surrogatepass"), raw):
            (root / "labels.csv").write_bytes(content)
            for flt in (None, RowFilter(include={"source": ("x",)})):
                try:
                    read_dataset(root, flt)
                except BadInputError:
                    pass


def test_label_filter_works_in_the_folder_layout(tmp_path: Path, images) -> None:
    data = tmp_path / "data"
    _write(data, images, "folders")
    out = tmp_path / "x.json"
    with pytest.raises(BadInputError, match="bona fide"):  # attacks only: nothing to evaluate against
        _eval(["--data", str(data), "--json", str(out), "--exclude-label", "LIVE", "--cache", str(tmp_path / "c"),
               "--quiet"])
    assert _eval(["--data", str(data), "--json", str(out), "--label", "live", "--label", "print",
                  "--cache", str(tmp_path / "c"), "--quiet"]) == 0
    assert json.loads(out.read_text())["filters"]["include"] == {"label": ["live", "print"]}


def test_eval_loso_writes_one_report_per_source(tmp_path: Path, images, capsys) -> None:
    data = tmp_path / "data"
    _write(data, images, "csv")
    cache = tmp_path / "cache"
    out = tmp_path / "loso" / "loso.json"
    argv = ["--data", str(data), "--json", str(out), "--protocol", "loso", "--methods", "antispoof,cues,cues+mesh",
            "--cache", str(cache), "--quiet", "--cost", "2"]
    assert _eval(argv) == 0
    r = json.loads(out.read_text())
    assert [f["held_out"] for f in r["folds"]] == ["a", "b"] and r["failures"] == 1
    for f in r["folds"]:
        per = json.loads((out.parent / f"loso_{f['held_out']}.json").read_text())
        assert per == f and f["train"]["sources"] == [{"a": "b", "b": "a"}[f["held_out"]]]
        assert f["test"] == {"bona_fide": 3, "attacks": {"print": 3}} and f["too_small"]
        assert f["methods"]["cues+mesh"]["training"]["features"] == 26 + 66
    assert set(r["summary"]) == {"antispoof", "cues", "cues+mesh", "cv-choice"}
    assert set(r["cost_ms_per_frame"]) == {"antispoof", "cues", "mesh"}
    assert "| a (too small) | cues+mesh |" in capsys.readouterr().out
    mesh_cache = next(cache.glob("deep-mesh-*.jsonl"))
    lines = mesh_cache.read_text().count("\n")
    assert _eval(argv[:-2]) == 0  # the rerun reads the cache: no line added
    assert mesh_cache.read_text().count("\n") == lines == 12  # the face-less image stops at detection
    with pytest.raises(BadInputError, match="drop --model"):
        _eval([*argv, "--model", str(tmp_path / "m.json")])
    with pytest.raises(BadInputError, match="unknown feature set"):
        _eval(["--data", str(data), "--json", str(out), "--protocol", "loso", "--methods", "cues+nope"])
