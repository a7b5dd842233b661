"""``kiosk pad train``: train the passive-liveness fusion model on a site's labelled captures."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from kiosk.evaluation.pad import RowFilter, default_cache_dir


def add_data_args(p: argparse.ArgumentParser) -> None:
    """Options shared by ``pad train`` and ``eval pad``: dataset, row selection, provider, cache."""
    p.add_argument("--data", required=True, help="folder with labels.csv (path,label[,source,subject...]) or one "
                                                 "sub-folder per label ('live' = bona fide, others = attack species)")
    p.add_argument("--source", action="append", default=[], metavar="NAME",
                   help="keep only rows whose labels.csv 'source' is NAME (repeatable)")
    p.add_argument("--exclude-source", action="append", default=[], metavar="NAME",
                   help="drop rows whose labels.csv 'source' is NAME (repeatable)")
    p.add_argument("--subject", action="append", default=[], metavar="ID",
                   help="keep only rows whose labels.csv 'subject' is ID (repeatable; for subject-disjoint splits)")
    p.add_argument("--exclude-subject", action="append", default=[], metavar="ID",
                   help="drop rows whose labels.csv 'subject' is ID (repeatable)")
    p.add_argument("--label", action="append", default=[], metavar="LABEL",
                   help="keep only this label (repeatable; e.g. --label live --label replay for one species)")
    p.add_argument("--exclude-label", action="append", default=[], metavar="LABEL",
                   help="drop this label (repeatable)")
    p.add_argument("--provider", choices=["openvino", "cpu"], default=None, help="execution provider")
    p.add_argument("--cache", default=None, help="feature cache folder (default: out/pad_cache in a checkout)")
    p.add_argument("--no-cache", action="store_true", help="recompute every image's features")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def row_filter(args: argparse.Namespace) -> RowFilter:
    """The row selection the options describe."""
    lower = lambda values: tuple(v.lower() for v in values)  # noqa: E731  (labels are read lower-case)
    return RowFilter(include={"source": tuple(args.source), "subject": tuple(args.subject),
                              "label": lower(args.label)},
                     exclude={"source": tuple(args.exclude_source), "subject": tuple(args.exclude_subject),
                              "label": lower(args.exclude_label)})


def cache_dir(args: argparse.Namespace) -> Path | None:
    """The feature cache folder, or None with --no-cache."""
    if args.no_cache:
        return None
    return Path(args.cache) if args.cache else default_cache_dir()


def _train(args: argparse.Namespace) -> int:
    from kiosk.pad.train import train

    out = Path(args.out)
    result = train(Path(args.data), out, row_filter(args), apcer_target=args.apcer_target, provider=args.provider,
                   cache_dir=cache_dir(args), progress=not args.quiet)
    t = result["training"]
    print(f"trained on {t['bona_fide']} bona fide, attacks {t['attacks']} ({t['failures']} without a face); "
          f"sources {t['sources'] or '-'}")
    cv = t["cv"]
    print(f"cross-validation ({cv['folds']} folds by {cv['grouped_by']}): EER by L2 {cv['eer_by_l2']}, "
          f"chose L2={cv['l2']}")
    if cv["report"]:
        r = cv["report"]
        print(f"  out-of-fold: EER {r['eer']:.4f}, BPCER@APCER5% {r['bpcer_at_apcer']['0.05']:.4f}")
    print(f"threshold {result['threshold']} (out-of-fold APCER of the worst species <= {args.apcer_target})")
    print(f"model written to {out}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``pad`` command group."""
    p = sub.add_parser("pad", help="passive liveness (presentation-attack detection) models")
    psub = p.add_subparsers(dest="pad_command", metavar="WHAT")
    psub.required = True
    t = psub.add_parser("train", help="train the fusion model (FaceAntiSpoofing + cue features) on labelled images")
    add_data_args(t)
    t.add_argument("--out", required=True, help="where to write the model JSON")
    t.add_argument("--apcer-target", type=float, default=0.05,
                   help="threshold = out-of-fold APCER of the worst species at this value (default 0.05)")
    t.add_argument("--json", default=None, help="also write the training summary as JSON here")
    t.set_defaults(func=_train)
    register_collect(psub)
    from kiosk.commands.pad_uninstall_cmd import register_uninstall

    register_uninstall(psub)


def _collect(args: argparse.Namespace) -> int:
    from kiosk.pad.calibrate import calibrate, summary_lines
    from kiosk.pad.collect import CaptureModels, Collection, CollectPlan, collection_from_dataset, open_camera, run_guided
    from kiosk.paths import default_data_dir

    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    if args.from_dataset:
        models = CaptureModels.load(args.provider or "openvino", data_dir / "compiled-models")
        collection = collection_from_dataset(Path(args.from_dataset), data_dir, models, row_filter(args),
                                             args.frames, progress=not args.quiet, restart=args.restart)
        print(f"{len(collection.captures)} captures of {collection.plan.people} people from {args.from_dataset}")
    else:
        plan = CollectPlan(people=args.people, live_per_person=args.live, species=tuple(args.species or
                           ("print", "replay")), attacks_per_species=args.attacks, frames_per_capture=args.frames)
        # plan and camera are checked before the models load
        source = open_camera(Path(args.config) if args.config else None, Path(args.replay) if args.replay else None)
        collection = Collection.open(data_dir, plan, restart=args.restart, camera=source.camera_id)
        models = CaptureModels.load(args.provider or "openvino", data_dir / "compiled-models")
        if collection.captures:
            print(f"resuming: {len(collection.captures)} captures taken, {len(collection.remaining())} left")
        source.start()
        try:
            run_guided(collection, source, models, print, (lambda step: None) if args.yes else _wait_for_enter)
        finally:
            source.stop()
    # The audit store is opened before anything can be installed: a store that cannot be opened stops the
    # command with its own message, and no model goes in unrecorded.
    from kiosk.commands.audit_cmd import open_storage_from_args

    st = None if args.no_install else open_storage_from_args(args)
    try:
        report = calibrate(collection, data_dir, holdout=args.holdout_person or None,
                           install_if_better=not args.no_install, apcer_target=args.apcer_target)
        if st is not None:
            from kiosk.commands.audit_cmd import cli_actor
            from kiosk.pad.site import audit_install

            audit_install(st, cli_actor(), report)
    finally:
        if st is not None:
            st.close()
    print("\n".join(summary_lines(report)))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


def _wait_for_enter(step: object) -> None:
    from kiosk.pad.collect import CollectError

    try:
        input("  press Enter to capture ")
    except EOFError:
        raise CollectError("no terminal to press Enter in: run it at the kiosk, or give --yes for a scripted run; "
                           "the captures so far are kept (run it again to resume)") from None


def register_collect(psub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``pad collect``."""
    c = psub.add_parser("collect", help="site calibration: guided captures at the kiosk camera, then train, evaluate "
                                        "on held-back people, and install the model only if it beats the current one")
    c.add_argument("--data-dir", default=None, help="kiosk state folder (the site model and collection live in its pad/)")
    c.add_argument("--config", default=None, metavar="FILE", help="kiosk configuration (its [devices.camera])")
    c.add_argument("--replay", default=None, metavar="PATH", help="a video or image folder instead of the camera")
    c.add_argument("--people", type=int, default=3, help="people to capture (at least 2; default 3)")
    c.add_argument("--live", type=int, default=5, help="live captures per person (default 5)")
    c.add_argument("--species", action="append", default=[], metavar="NAME",
                   help="attack species to capture (repeatable; default print and replay)")
    c.add_argument("--attacks", type=int, default=6, help="captures per attack species (default 6)")
    c.add_argument("--frames", type=int, default=5, help="frames per capture (default 5)")
    c.add_argument("--holdout-person", type=int, action="append", default=[], metavar="N",
                   help="person number to hold back for the test (repeatable; default the last P//3, at least one)")
    c.add_argument("--apcer-target", type=float, default=0.05, help="threshold at this out-of-fold APCER (default 0.05)")
    c.add_argument("--restart", action="store_true", help="discard an unfinished collection and start again")
    c.add_argument("--no-install", action="store_true", help="evaluate only; never install")
    c.add_argument("--yes", action="store_true", help="do not wait for Enter before each capture (scripted runs)")
    c.add_argument("--from-dataset", default=None, metavar="DIR",
                   help="measure: build the collection from a labelled image set (labels.csv with subject) instead "
                        "of the camera; the row filters below select its rows")
    for opt in ("--source", "--exclude-source", "--subject", "--exclude-subject", "--label", "--exclude-label"):
        c.add_argument(opt, action="append", default=[], metavar="VALUE",
                       help=f"(with --from-dataset) row filter as in 'pad train {opt}' (repeatable)")
    c.add_argument("--provider", choices=["openvino", "cpu"], default=None, help="execution provider")
    c.add_argument("--json", default=None, help="also write the report here")
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    c.set_defaults(func=_collect)
