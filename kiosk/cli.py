"""``kiosk`` command line: parses arguments, sets up logging, dispatches to a command module."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from kiosk.commands import COMMAND_MODULES
from kiosk.errors import BadInputError, UserFacingError

log = logging.getLogger("kiosk")

DESCRIPTION = ("Offline identity verification: the kiosk, its models, storage and audit trail, the operator "
               "review, the integration API and the fleet. 'kiosk COMMAND --help' describes each command.")

# Every package's own error base is shown to the person as its message (they are written for that).
_KNOWN_ERRORS: tuple[type[BaseException], ...] = (UserFacingError,)


def _known_errors() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = list(_KNOWN_ERRORS)
    for mod, name in (
        ("models.errors", "ModelError"),
        ("inference.errors", "InferenceError"),
        ("hardware.emrtd.errors", "EmrtdError"),
        ("hardware.errors", "HardwareError"),
        ("storage.errors", "StorageError"),
    ):
        try:
            found.append(getattr(importlib.import_module(mod), name))
        except (ImportError, AttributeError):
            continue
    return tuple(found)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every command group registered."""
    parser = argparse.ArgumentParser(prog="kiosk", description=DESCRIPTION)
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    from kiosk.plugins import command_plugins

    for add in command_plugins():  # commands of the window's package (`kiosk screenshots`)
        add(sub)
    return parser


def setup_logging(verbosity: int) -> None:
    """Console logging for the CLI. Libraries only get loggers; handlers are set here."""
    level = logging.WARNING - 10 * min(verbosity, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # nfcpy logs every device probe at INFO/ERROR; keep the console for what the person must act on.
    logging.getLogger("nfc").setLevel(max(level, logging.WARNING))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``kiosk`` command; returns the process exit status."""
    from kiosk.memory import limit_malloc_arenas

    limit_malloc_arenas()  # before any worker thread exists
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    try:
        return int(args.func(args) or 0)
    except BadInputError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    except _known_errors() as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kiosk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into a command that stopped reading (e.g. `| head`): not an error of ours.
        sys.stderr.close()
        return 0
