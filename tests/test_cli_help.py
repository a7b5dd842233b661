"""``kiosk --help`` and every sub-command's help are true (issue 23, item 2): the test walks the argparse
tree (with the plug-in commands of ``ui``) and compares what the help texts claim with the commands that
exist. A summary or description that lists single words in parentheses, e.g. "(login, queue, cases)",
claims those as the command's actions; a quoted ``'kiosk a b'`` anywhere in a help names a command."""
from __future__ import annotations

import argparse
import re
from collections.abc import Iterator

from kiosk.cli import build_parser

LISTED = re.compile(r"\(([a-z][a-z-]*(?:, [a-z][a-z-]*)+)\)")
QUOTED = re.compile(r"['`\"]kiosk((?: [a-z][a-z-]*)+)")


def _actions(p: argparse.ArgumentParser) -> dict[str, tuple[argparse.ArgumentParser, str | None]]:
    for a in p._actions:  # noqa: SLF001 - argparse keeps its tree here
        if isinstance(a, argparse._SubParsersAction):  # noqa: SLF001
            helps = {c.dest: c.help for c in a._choices_actions}  # noqa: SLF001
            return {name: (sp, helps.get(name)) for name, sp in a.choices.items()}
    return {}


def _walk(p: argparse.ArgumentParser, path: tuple[str, ...] = ("kiosk",),
          summary: str | None = None) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, str | None]]:
    yield path, p, summary
    for name, (sp, text) in _actions(p).items():
        yield from _walk(sp, (*path, name), text)


def _resolves(root: argparse.ArgumentParser, words: list[str]) -> bool:
    parser = root
    for i, word in enumerate(words):
        children = _actions(parser)
        if not children:
            return i > 0  # the rest are the command's arguments
        if word not in children:
            return False
        parser = children[word][0]
    return True


def test_every_command_and_action_has_a_summary() -> None:
    missing = [" ".join(path) for path, _, summary in _walk(build_parser()) if len(path) > 1 and not summary]
    assert missing == []


def test_listed_actions_exist() -> None:
    false = []
    for path, parser, summary in _walk(build_parser()):
        actions = set(_actions(parser))
        for text in (summary or "", parser.description or ""):
            for m in LISTED.finditer(text):
                claimed = m.group(1).split(", ")
                if not set(claimed) <= actions:
                    false.append(f"{' '.join(path)}: {m.group(0)} but its actions are {sorted(actions) or 'none'}")
    assert false == []


def test_quoted_commands_in_help_exist() -> None:
    root = build_parser()
    false = []
    for path, parser, summary in _walk(root):
        texts = [summary or "", parser.description or ""] + [a.help or "" for a in parser._actions]  # noqa: SLF001
        for text in texts:
            for m in QUOTED.finditer(text):
                if not _resolves(root, m.group(1).split()):
                    false.append(f"{' '.join(path)}: names 'kiosk{m.group(1)}'")
    assert false == []


def test_review_names_its_actions_and_the_window() -> None:
    review = _actions(build_parser())["review"]
    assert set(_actions(review[0])) == {"queue", "show", "approve", "reject", "reopen"}
    assert "window" in (review[1] or "")


def test_the_top_level_description_is_for_a_person() -> None:
    description = build_parser().description or ""
    assert "``" not in description and "dispatches" not in description and "--help" in description


def test_serve_says_what_it_reads_of_the_config() -> None:
    """`kiosk serve --help` said --config configures storage only, while serve applies [policy] and [liveness]."""
    import argparse

    from kiosk.cli import build_parser

    serve = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices["serve"]
    config = next(a for a in serve._actions if "--config" in a.option_strings)
    assert "[policy]" in config.help and "[liveness]" in config.help and "[api]" in config.help
