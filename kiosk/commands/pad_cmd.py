"""``kiosk pad train``: train the passive-liveness fusion model on a site's labelled captures."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from kiosk.pad_eval import RowFilter, default_cache_dir


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
    from kiosk.pad_train import train

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
