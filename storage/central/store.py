"""``CentralStore``: the connection to the central PostgreSQL database, and ``kiosk central init``."""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError

from storage.central import schema
from storage.central.errors import CentralConfigError, CentralConflictError, CentralError, CentralUnavailableError
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


def _version_error(version: str | None) -> CentralConfigError:
    if version == "1":
        return CentralConfigError(
            "this central store has schema version 1, which trusted kiosk keys registered without the back "
            "office's signature under free-text key ids; run 'kiosk central migrate --central URL --signing-key "
            "FILE' at the back office: it re-registers the keys it holds under signed records")
    return CentralConfigError(f"the central schema is version {version!r}, this code speaks {schema.SCHEMA_VERSION!r}")


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

    def init_schema(self, signing_public_key: str | None = None) -> str:
        """Create the ``fleet_`` tables if absent (idempotent); returns the store's ``central_id``.

        ``signing_public_key``: the back office's Ed25519 signing public key (base64) to pin; kiosk keys are
        trusted only through records it signed (``storage.central.key_records``). Pinned once: another key
        later is refused (``CentralConflictError``), since it would re-decide every kiosk's trust.
        """
        from storage.central.key_records import ANCHOR_KEY
        from storage.central.roles import setup_kiosk_role

        with self.begin("central schema creation") as conn:
            conn.execute(text(f"SELECT pg_advisory_xact_lock({_INIT_LOCK})"))
            rows = self._meta(conn)
            if rows.get("schema_version") not in (None, schema.SCHEMA_VERSION):
                raise _version_error(rows.get("schema_version"))
            schema.metadata.create_all(conn)
            setup_kiosk_role(conn)
            if "central_id" not in rows:
                conn.execute(schema.meta.insert(), [{"key": "central_id", "value": secrets.token_hex(16)},
                                                     {"key": "schema_version", "value": schema.SCHEMA_VERSION}])
            if signing_public_key is not None:
                pinned = rows.get(ANCHOR_KEY)
                if pinned is None:
                    conn.execute(schema.meta.insert().values(key=ANCHOR_KEY, value=signing_public_key))
                elif pinned != signing_public_key:
                    raise CentralConflictError("this central store already trusts another back-office signing key; "
                                               "replacing it is not supported (it would re-decide which kiosk keys "
                                               "are trusted)")
            rows = self._meta(conn)
        return str(rows["central_id"])

    @staticmethod
    def _meta(conn: Connection) -> dict[str, str]:
        try:
            with conn.begin_nested():
                return dict(conn.execute(select(schema.meta.c.key, schema.meta.c.value)).all())  # type: ignore[arg-type]
        except SQLAlchemyError as exc:
            if "fleet_meta" in str(getattr(exc, "orig", exc)):
                return {}
            raise

    def central_id(self, conn: Connection | None = None) -> str:
        """The store's random id (its identity for the kiosks' cursors); refuses an uninitialised database
        and one of another schema version (``CentralConfigError`` saying what to run)."""
        if conn is None:
            with self.begin("central store check") as c:
                return self.central_id(c)
        rows = self._meta(conn)
        if "central_id" not in rows:
            raise CentralConfigError(f"{self.describe()} holds no central schema; run "
                                     f"'kiosk central init --central URL --backoffice-signing-key FILE' first")
        if rows.get("schema_version") != schema.SCHEMA_VERSION:
            raise _version_error(rows.get("schema_version"))
        return str(rows["central_id"])

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()
