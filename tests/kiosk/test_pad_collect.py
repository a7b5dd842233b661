"""Site calibration end to end on a replay camera (no shared data): four synthetic people, their printed photos
and their faces on a screen, captured step by step as the prompts ask; the model is trained, evaluated on the
held-back person, installed, and then loaded by the kiosk's face engine through [liveness] model = "site".
Then: a run that is not better installs nothing; bad input (no face, unplugged camera, too few captures, a
damaged current model or collection) gets its typed error; an interrupted collection resumes."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from hardware.camera.replay import ReplaySource
from inference.calibration_scene import CalibrationScene as Scene
from inference.calibration_scene import sample_photos
from inference.pad.features import FEATURE_NAMES
from kiosk.pad import site as pad_site
from kiosk.pad import collect as pad_collect
from kiosk.pad import calibrate as pad_calibrate
from kiosk.face_session import FaceEngine
from kiosk.pad.collect import (CameraUnavailableError, CaptureModels, CaptureRefusedError, Collection,
                               CollectionFileError, CollectError, CollectPlan, TooFewCapturesError,
                               run_guided, take_burst)
from kiosk.pad.calibrate import calibrate
from kiosk.pad.site import SiteModelError, liveness_config

PLAN = CollectPlan(people=4, live_per_person=2, species=("print", "replay"), attacks_per_species=4,
                   frames_per_capture=3)


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    return FaceEngine.load()


@pytest.fixture(scope="module")
def models(engine: FaceEngine) -> CaptureModels:
    return CaptureModels.from_engine(engine)


@pytest.fixture(scope="module")
def scene(engine: FaceEngine) -> Scene:
    return Scene(sample_photos(engine.detector, 4), engine.detector, engine.pipeline.mesh)


@pytest.fixture()
def camera(scene: Scene) -> Iterator[ReplaySource]:
    source = ReplaySource(scene.frames, fps=30.0, name="replay-kiosk-camera")
    source.start()
    yield source
    source.stop()


def _follow(scene: Scene, camera: ReplaySource):
    """The technician follows each prompt: the right person or attack is in front of the camera before Enter."""
    def ready(step: pad_collect.Step) -> None:
        scene.show(step.label, step.person)
        for _ in range(3):  # frames already on their way still show the previous scene
            latest = camera.latest()
            camera.wait_next(latest.index if latest else -1, timeout=2.0)
    return ready


def _collect(data_dir: Path, scene: Scene, camera: ReplaySource, models: CaptureModels) -> Collection:
    said: list[str] = []
    col = Collection.open(data_dir, PLAN, camera=camera.camera_id)
    run_guided(col, camera, models, said.append, _follow(scene, camera))
    assert any("Person 2 of 4: look at the camera" in s for s in said)
    assert any("printed photo of person 1's face" in s for s in said)
    return col


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory, scene: Scene, models: CaptureModels) -> Path:
    data_dir = tmp_path_factory.mktemp("site")
    source = ReplaySource(scene.frames, fps=30.0, name="replay-kiosk-camera")
    source.start()
    try:
        _collect(data_dir, scene, source, models)
    finally:
        source.stop()
    return data_dir


def test_collection_stores_features_only(collected: Path) -> None:
    path = pad_site.site_dir(collected) / pad_collect.COLLECTION_FILE
    doc = json.loads(path.read_text())
    assert doc["schema"] == pad_collect.SCHEMA and len(doc["captures"]) == len(PLAN.steps())
    for cap in doc["captures"]:
        assert set(cap) == {"step", "label", "person", "species", "captured_at", "frames", "refused"}
        assert 1 <= cap["person"] <= 4 and len(cap["frames"]) >= 2
        assert all(set(f) == set(FEATURE_NAMES) for f in cap["frames"])  # 26 numbers a frame, no pixels
    assert path.stat().st_size < 200_000
    assert [p for p in pad_site.site_dir(collected).rglob("*") if p.suffix in (".png", ".jpg", ".npy")] == []


def test_calibration_installs_a_better_model_and_the_kiosk_loads_it(collected: Path) -> None:
    col = Collection.load(pad_site.site_dir(collected) / pad_collect.COLLECTION_FILE)
    report = calibrate(col, collected)
    from storage import open_storage

    st = open_storage(collected)  # as 'kiosk pad collect' does: the install is recorded in the audit chain
    try:
        pad_site.audit_install(st, "cli:test", report)
    finally:
        st.close()
    assert report["held_back_people"] == [4]
    assert report["current"]["name"].startswith("FaceAntiSpoofing alone")
    new, cur = report["new"], report["current"]
    assert new["held_back"]["attack_frames"].keys() == {"print", "replay"}
    for fig in (new, cur):
        b = fig["frames"]["bpcer"]
        assert 0 <= b["ci95"][0] <= b["rate"] <= b["ci95"][1] <= 1
        if b["errors"] == 0:
            assert b["rule_of_three_upper95"] == pytest.approx(3 / b["n"], abs=1e-5)
    assert report["better"] and report["installed"] is not None, report["decision"]
    assert report["better"] == pad_calibrate.decide(new, cur)[0]
    assert new["apcer_worst_at_threshold"] <= 0.05 and report["install_rule"] == pad_calibrate.INSTALL_RULE
    assert Path(report["report_path"]).is_file() and Path(report["candidate_model"]).is_file()

    cfg = liveness_config("site", collected)
    assert cfg.model_path == pad_site.site_model_path(collected)
    engine = FaceEngine.load(liveness=cfg)
    assert engine.liveness.model is not None
    installed = pad_site.installed_model(collected)
    assert installed is not None and np.allclose(engine.liveness.model.weights, installed.model.weights)

    # The same collection again: the new model is the same one, not better, so nothing is installed.
    record_before = (pad_site.site_dir(collected) / pad_site.RECORD_FILE).read_text()
    again = calibrate(col, collected)
    assert not again["better"] and again["installed"] is None
    assert again["current"]["name"].startswith("installed site model")
    assert "not better" in again["decision"]
    assert (pad_site.site_dir(collected) / pad_site.RECORD_FILE).read_text() == record_before


def test_install_rule() -> None:
    def fig(apcer: float, b5: float, bpcer: float = 0.0) -> dict:
        return {"apcer_worst_at_threshold": apcer, "bpcer_at_apcer_5": {"bpcer": {"rate": b5}},
                "frames": {"bpcer": {"rate": bpcer}}}
    decide = pad_calibrate.decide
    assert decide(fig(0.02, 0.01), fig(0.0, 0.10))[0]           # better ranking, threshold within the target
    assert not decide(fig(0.30, 0.0), fig(0.0, 0.60, 0.9))[0]   # lets 30% of attacks through: never installed
    assert decide(fig(0.08, 0.0), fig(0.10, 0.20))[0]           # above the target, but no worse than the current
    assert not decide(fig(0.0, 0.10), fig(0.0, 0.05))[0]        # worse ranking
    assert not decide(fig(0.0, 0.0, 1.0), fig(0.0, 0.5, 0.1))[0]   # ranks better but rejects every live face
    assert not decide(fig(0.0, 0.0, 0.15), fig(0.0, 0.5, 0.9))[0]  # fewer rejections than the current, still too many
    assert decide(fig(0.0, 0.0, 0.10), fig(0.0, 0.5, 0.9))[0]
    assert decide(fig(0.0, 0.05, 0.02), fig(0.0, 0.05, 0.04))[0]
    assert not decide(fig(0.0, 0.05, 0.04), fig(0.0, 0.05, 0.04))[0]


def test_damaged_current_model_stops_the_calibration(collected: Path, tmp_path: Path) -> None:
    col = Collection.load(pad_site.site_dir(collected) / pad_collect.COLLECTION_FILE)
    pad_site.site_model_path(tmp_path).parent.mkdir(parents=True)
    pad_site.site_model_path(tmp_path).write_text("{not json", encoding="utf-8")
    with pytest.raises(SiteModelError, match="unusable"):
        calibrate(col, tmp_path)
    assert not (pad_site.site_dir(tmp_path) / "reports").exists()


def test_too_few_captures_for_a_split(collected: Path, tmp_path: Path) -> None:
    col = Collection.load(pad_site.site_dir(collected) / pad_collect.COLLECTION_FILE)
    with pytest.raises(TooFewCapturesError, match="nobody to train on"):
        calibrate(col, tmp_path, holdout=[1, 2, 3, 4])
    no_replay_of_4 = Collection(tmp_path / "c.json", col.plan, [c for c in col.captures
                                                              if not (c["label"] == "replay" and c["person"] == 4)],
                                origin="test")
    with pytest.raises(TooFewCapturesError, match="replay"):
        calibrate(no_replay_of_4, tmp_path)
    unfinished = Collection(tmp_path / "c.json", col.plan, col.captures[:5])
    with pytest.raises(TooFewCapturesError, match="not finished"):
        calibrate(unfinished, tmp_path)


def test_burst_without_a_face_is_refused_and_not_stored(tmp_path: Path, scene: Scene, camera: ReplaySource,
                                                        models: CaptureModels) -> None:
    col = Collection.open(tmp_path, PLAN)
    step = col.remaining()[0]
    scene.show("empty", 0)
    _follow(scene, camera)(pad_collect.Step(0, "empty", 0, 1, 1, ""))
    with pytest.raises(CaptureRefusedError, match="no face found") as err:
        col.capture(step, take_burst(camera, 3), models)
    assert err.value.reasons == {"no face found": 3}
    assert Collection.load(col.path).captures == []


def test_unplugged_camera(tmp_path: Path, camera: ReplaySource) -> None:
    camera.unplug()
    with pytest.raises(CameraUnavailableError, match="no frame"):
        take_burst(camera, 3, timeout_s=0.5)
    camera.replug()


def test_interrupted_collection_resumes(tmp_path: Path, scene: Scene, camera: ReplaySource,
                                        models: CaptureModels) -> None:
    follow = _follow(scene, camera)
    taken = []

    def ready(step: pad_collect.Step) -> None:
        if len(taken) == 2:
            raise KeyboardInterrupt  # the technician stops after two captures
        taken.append(step.index)
        follow(step)
    col = Collection.open(tmp_path, PLAN)
    with pytest.raises(KeyboardInterrupt):
        run_guided(col, camera, models, lambda s: None, ready)
    resumed = Collection.open(tmp_path, PLAN)
    assert [c["step"] for c in resumed.captures] == [0, 1]
    assert resumed.remaining()[0].index == 2
    with pytest.raises(CollectionFileError, match="another plan"):
        Collection.open(tmp_path, CollectPlan(people=2, attacks_per_species=2))
    assert Collection.open(tmp_path, CollectPlan(people=2, attacks_per_species=2), restart=True).captures == []


def test_bad_plans_and_collection_files(tmp_path: Path) -> None:
    with pytest.raises(CollectError, match="at least 2 people"):
        CollectPlan(people=1)
    with pytest.raises(CollectError, match="distinct attack species"):
        CollectPlan(species=("live",))
    with pytest.raises(CollectError, match="one capture per species for each person"):
        CollectPlan(people=3, attacks_per_species=2)
    path = pad_site.site_dir(tmp_path) / pad_collect.COLLECTION_FILE
    path.parent.mkdir(parents=True)
    path.write_text('{"schema": "pad-collection/1", "captures": [', encoding="utf-8")
    with pytest.raises(CollectionFileError, match="damaged"):
        Collection.open(tmp_path, PLAN)


def _image_set(tmp_path: Path, scene: Scene) -> Path:
    """The scene's people as a labelled image folder (labels.csv with subjects)."""
    import cv2

    data = tmp_path / "site_images"
    rows = ["path,label,subject"]
    for (label, person), clip in scene.clips.items():
        if person == 0:
            continue
        for i, img in enumerate(clip[:6] if label == "live" else clip[:3]):
            rel = f"{label}/p{person}_{i}.png"
            (data / label).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(data / rel), img)
            rows.append(f"{rel},{label},person_{person}")
    (data / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return data


def test_command_over_a_labelled_image_set(tmp_path: Path, scene: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.cli import main

    data = _image_set(tmp_path, scene)
    out = tmp_path / "report.json"
    code = main(["pad", "collect", "--from-dataset", str(data), "--data-dir", str(tmp_path / "kiosk"), "--frames", "3",
                 "--quiet", "--json", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    report = json.loads(out.read_text())
    assert report["held_back_people"] == [4] and report["origin"].startswith("dataset site_images")
    assert "held back: people [4]" in text and "BPCER@APCER5%" in text
    assert (report["installed"] is not None) == report["better"]
    from storage import open_storage

    st = open_storage(tmp_path / "kiosk")
    try:  # an install is in the kiosk's audit chain, with the model's hash
        changes = [e for e in st.audit.events() if e.kind == "config_change"]
    finally:
        st.close()
    assert report["installed"], report["decision"]  # this set gives a model the rule installs
    assert [e.details["sha256"] for e in changes] == [report["installed"]["sha256"]]
    assert changes[0].actor.startswith("cli:")
    doc = json.loads((pad_site.site_dir(tmp_path / "kiosk") / pad_collect.COLLECTION_FILE).read_text())
    assert "person_1" not in json.dumps(doc)  # subjects become numbers
    again = ["pad", "collect", "--from-dataset", str(data), "--data-dir", str(tmp_path / "kiosk"), "--quiet"]
    assert main(again) == 1 and "holds a collection already" in capsys.readouterr().err


def test_command_refuses_a_bad_plan_and_a_missing_camera(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.cli import main

    assert main(["pad", "collect", "--data-dir", str(tmp_path), "--people", "1", "--replay", str(tmp_path)]) == 1
    assert "at least 2 people" in capsys.readouterr().err
    assert main(["pad", "collect", "--data-dir", str(tmp_path)]) == 1  # the default config simulates its devices
    assert "no camera configured" in capsys.readouterr().err


def test_no_install_without_the_audit_store(tmp_path: Path, scene: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.cli import main

    data = _image_set(tmp_path, scene)
    bad = tmp_path / "kiosk.toml"
    bad.write_text('[storage]\nbackend = "no-such-backend"\n', encoding="utf-8")
    code = main(["pad", "collect", "--from-dataset", str(data), "--data-dir", str(tmp_path / "kiosk"), "--frames", "3",
                 "--quiet", "--config", str(bad)])
    assert code != 0 and "storage" in capsys.readouterr().err.lower()
    assert not pad_site.site_model_path(tmp_path / "kiosk").exists()  # nothing installed unrecorded
