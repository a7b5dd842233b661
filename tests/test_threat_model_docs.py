"""The threat model's rows name their tests: every cited test exists, and every area page has rows.

A renamed or deleted test would otherwise leave a guarantee in the docs with nothing behind it.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "docs" / "threat-model"
NODE = re.compile(r"\b(tests/[\w/]+\.py)::(\w+)")


def _cited() -> list[tuple[str, str, str]]:
    return [(page.name, path, name) for page in sorted(PAGES.glob("*.md"))
            for path, name in NODE.findall(page.read_text(encoding="utf-8"))]


def test_every_cited_test_exists() -> None:
    missing = []
    for page, path, name in _cited():
        source = ROOT / path
        if not source.is_file() or not re.search(rf"^(async )?def {name}\(", source.read_text(encoding="utf-8"), re.M):
            missing.append(f"{page}: {path}::{name}")
    assert missing == []


def test_every_area_page_has_rows_with_tests() -> None:
    index = (PAGES / "index.md").read_text(encoding="utf-8")
    linked = re.findall(r"\]\((\w[\w-]*\.md)\)", index)
    assert linked, "the index links no area page"
    cited_pages = {page for page, _, _ in _cited()}
    assert [page for page in linked if page not in cited_pages] == []
