"""Fleet test fixtures: a fresh, initialised central store on the shared PostgreSQL server."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.central.store import CentralStore


@pytest.fixture
def central(pg_server) -> Iterator[CentralStore]:  # type: ignore[no-untyped-def]
    """An initialised central store in a database of its own."""
    from fleet_helpers import SIGNER

    store = CentralStore(pg_server.new_database())
    store.init_schema(SIGNER.public_key)
    yield store
    store.dispose()
