"""The documentation site builds with ``mkdocs build --strict``: a broken link, a page missing from the
navigation or a bad API reference fails here."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-4000:]
    assert (site / "index.html").is_file() and (site / "api" / "reference.html").is_file()
    reference = (site / "api" / "reference.html").read_text(encoding="utf-8")
    assert "/v1/compare" in reference  # the reference is rendered from the OpenAPI document


def test_the_site_home_is_the_readme() -> None:
    """docs/index.md is README.md with its links made relative to docs/ (regenerate it when the README changes:
    python -c "open('docs/index.md','w').write(open('README.md').read().replace('](docs/', ']('))")."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert (ROOT / "docs" / "index.md").read_text(encoding="utf-8") == readme.replace("](docs/", "](")
    assert len(readme.splitlines()) <= 300
