"""Alembic migrations of the decision log, from the first schema on (run by ``storage.db.migrate``)."""
