"""``CentralStore``: the connection to the central PostgreSQL database, and ``kiosk central init``."""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError

from storage.central import schema
from storage.central.errors import CentralConfigError, CentralError, CentralUnavailableError
from storage.db import is_busy

CONNECT_TIMEOUT_S = 10
_INIT_LOCK = 7106172  # pg_advisory_xact_lock key: two inits at once create the schema once


def describe_url(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


def unavailable(exc: BaseException, url: str, what: str) -> CentralError:
    """The typed error for a driver failure: a lost or refused connection is ``CentralUnavailableError``."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    reason = lines[0] if lines else type(orig).__name__  # the driver's first line (no SQL, no parameters)
    if is_busy(exc):
        return CentralUnavailableError(f"{what}: a central lock stayed taken through the lock timeout; try again")
    if isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return CentralUnavailableError(f"{what}: the central store {describe_url(url)} is unreachable or dropped the "
                                       f"connection ({reason}); nothing of the batch in flight was acknowledged, "
                                       f"the next sync resumes")
    return CentralError(f"{what}: the central store refused the operation: {reason}")


class CentralStore:
    """An engine on the central database; ``begin()`` gives a connection in one transaction."""

    def __init__(self, url: str, lock_timeout_ms: int = 30000) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise CentralConfigError(f"central URL is not a valid SQLAlchemy URL: {exc}") from exc
        if parsed.get_backend_name() != "postgresql":
            raise CentralConfigError(f"the central store runs on PostgreSQL (got {parsed.get_backend_name()!r}); "
                                     f"use a URL such as postgresql+psycopg://kiosk@host:5432/central")
        self.url = url
        self.engine = create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2,
                                    connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
        self._lock_timeout_ms = int(lock_timeout_ms)

    def describe(self) -> str:
        """The URL without password."""
        return describe_url(self.url)

    @contextmanager
    def begin(self, what: str = "central write", snapshot: bool = False) -> Iterator[Connection]:
        """One central transaction: committed on success, rolled back on any error (typed).

        ``snapshot``: a read-only REPEATABLE READ transaction (verification sees one consistent state).
        """
        try:
            with self.engine.connect() as conn:
                if snapshot:
                    conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
                with conn.begin():
                    conn.execute(text(f"SET LOCAL lock_timeout = {self._lock_timeout_ms}"))
                    yield conn
        except SQLAlchemyError as exc:
            raise unavailable(exc, self.url, what) from exc

    def init_schema(self) -> str:
        """Create the ``fleet_`` tables if absent (idempotent); returns the store's ``central_id``."""
        with self.begin("central schema creation") as conn:
            conn.execute(text(f"SELECT pg_advisory_xact_lock({_INIT_LOCK})"))
            schema.metadata.create_all(conn)
            rows = dict(conn.execute(select(schema.meta.c.key, schema.meta.c.value)).all())
            if "central_id" not in rows:
                conn.execute(schema.meta.insert(), [{"key": "central_id", "value": secrets.token_hex(16)},
                                                     {"key": "schema_version", "value": schema.SCHEMA_VERSION}])
                rows = dict(conn.execute(select(schema.meta.c.key, schema.meta.c.value)).all())
            elif rows.get("schema_version") != schema.SCHEMA_VERSION:
                raise CentralConfigError(f"the central schema is version {rows.get('schema_version')!r}, this code "
                                         f"speaks {schema.SCHEMA_VERSION!r}")
        return str(rows["central_id"])

    def central_id(self, conn: Connection | None = None) -> str:
        """The store's random id (its identity for the kiosks' cursors); refuses an uninitialised database."""
        def read(c: Connection) -> Any:
            try:
                with c.begin_nested():
                    return c.execute(select(schema.meta.c.value).where(schema.meta.c.key == "central_id")).scalar()
            except SQLAlchemyError as exc:
                if "fleet_meta" in str(getattr(exc, "orig", exc)):
                    return None
                raise
        value = read(conn) if conn is not None else None
        if conn is None:
            with self.begin("central store check") as c:
                value = read(c)
        if value is None:
            raise CentralConfigError(f"{self.describe()} holds no central schema; run "
                                     f"'kiosk central init --central URL' first")
        return str(value)

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()
