from __future__ import annotations

import pytest

from models.store import ModelStore


@pytest.fixture(scope="session")
def store() -> ModelStore:
    """The pulled model cache. CI pulls before testing, so a missing model fails rather than skips."""
    s = ModelStore()
    problems = [f"{st.entry.id}: {st.state}" for st in map(s.status, s.manifest.entries) if st.state != "ready"]
    if problems:
        pytest.fail(f"model cache at {s.root} not ready ({', '.join(problems)}): run 'kiosk models pull'")
    return s
