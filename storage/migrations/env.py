"""Alembic environment: runs on the connection ``storage.db.migrate`` passes in (no alembic.ini).

``render_as_batch`` lets SQLite alter tables (copy-and-move), the same script runs on PostgreSQL.
"""
from __future__ import annotations

from alembic import context

from storage.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("storage migrations run through storage.db.migrate(), which passes a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
