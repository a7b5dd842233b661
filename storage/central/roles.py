"""PostgreSQL roles at the centre: what a kiosk's own database login may do (``kiosk central init`` sets it
up, ``kiosk central grant-login`` maps a login to one kiosk).

Every kiosk login is a member of the group role ``fleet_kiosk`` and is mapped to exactly one kiosk id in
``fleet_kiosk_logins`` (by ``session_user``, which a session cannot change, unlike ``current_user``). The
group may:

* read the key registry (``fleet_meta``, ``fleet_kiosk_keys``, ``fleet_key_revocations``, the mapping):
  public keys and signed records, nothing secret, and what a push checks itself against;
* append its *own* audit events and signed heads (INSERT only: never UPDATE or DELETE), and insert or
  replace its *own* session, decision, review, image and evidence rows (INSERT, UPDATE); row-level
  security limits reading and writing these tables to the rows of the kiosk its login is mapped to.

It has no right at all on the registry's writes, the centre's audit chain, the central reviews and the
review state, or the back office's own tables in the same database: those need the back office's login
(the schema owner, which row-level security does not restrict). What is checked cryptographically, not
by the database, is in ``storage.central.key_records`` and ``storage.central.verify``.
"""
from __future__ import annotations

import re

from sqlalchemy import Connection, text

from storage.central import schema
from storage.errors import StorageInputError

KIOSK_GROUP = "fleet_kiosk"
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# table -> (its kiosk column, what the group may do besides SELECT)
_OWN_ROWS: dict[str, tuple[str, str]] = {
    schema.audit_events.name: ("kiosk_id", "INSERT"),
    schema.signed_heads.name: ("kiosk_id", "INSERT"),
    schema.evidence.name: ("kiosk_id", "INSERT, UPDATE"),
    **{t.name: ("origin_kiosk", "INSERT, UPDATE") for t in schema.ROW_TABLES.values()},
}
_READ_ONLY = (schema.meta.name, schema.kiosk_keys.name, schema.key_revocations.name, schema.kiosk_logins.name)
_LOGIN_KIOSK = f"(SELECT l.kiosk_id FROM {schema.kiosk_logins.name} l WHERE l.role_name = session_user)"


def setup_kiosk_role(conn: Connection) -> None:
    """Create the ``fleet_kiosk`` group (once per cluster) and its grants and row policies in this database
    (idempotent; inside the caller's transaction, as the schema owner)."""
    conn.execute(text(f"DO $$ BEGIN CREATE ROLE {KIOSK_GROUP} NOLOGIN; "
                      f"EXCEPTION WHEN duplicate_object THEN NULL; END $$"))
    # Nothing is granted to PUBLIC by default on tables; the schema itself must not take a kiosk's objects.
    conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    for table in _READ_ONLY:
        conn.execute(text(f"REVOKE ALL ON {table} FROM {KIOSK_GROUP}"))
        conn.execute(text(f"GRANT SELECT ON {table} TO {KIOSK_GROUP}"))
    for table, (col, rights) in _OWN_ROWS.items():
        conn.execute(text(f"REVOKE ALL ON {table} FROM {KIOSK_GROUP}"))
        conn.execute(text(f"GRANT SELECT, {rights} ON {table} TO {KIOSK_GROUP}"))
        conn.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        conn.execute(text(f"DROP POLICY IF EXISTS fleet_own_rows ON {table}"))
        conn.execute(text(f"CREATE POLICY fleet_own_rows ON {table} TO {KIOSK_GROUP} "
                          f"USING ({col} = {_LOGIN_KIOSK}) WITH CHECK ({col} = {_LOGIN_KIOSK})"))


def grant_kiosk_login(conn: Connection, kiosk_id: str, role_name: str) -> None:
    """Map an existing login role to one kiosk and make it a member of ``fleet_kiosk`` (the back office's
    login runs this). A login is mapped to one kiosk only; mapping it again to another is refused."""
    if not _ROLE.match(role_name):
        raise StorageInputError("a kiosk login role name is 1-63 lowercase letters, digits or '_', not starting with "
                                "a digit")
    if not kiosk_id or len(kiosk_id) > 64:
        raise StorageInputError("a kiosk id is 1-64 characters")
    exists = conn.execute(text("SELECT rolcanlogin, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"),
                          {"r": role_name}).first()
    if exists is None:
        raise StorageInputError(f"there is no database role {role_name!r}; create it first (CREATE ROLE {role_name} "
                                f"LOGIN PASSWORD ...)")
    if exists.rolsuper or exists.rolbypassrls:
        raise StorageInputError(f"role {role_name!r} is a superuser or bypasses row-level security: a kiosk login "
                                f"must be an ordinary role")
    current = conn.execute(text(f"SELECT kiosk_id FROM {schema.kiosk_logins.name} WHERE role_name = :r"),
                           {"r": role_name}).scalar()
    if current is not None and current != kiosk_id:
        raise StorageInputError(f"role {role_name!r} is already kiosk {current}'s login")
    if current is None:
        conn.execute(schema.kiosk_logins.insert().values(role_name=role_name, kiosk_id=kiosk_id))
    conn.execute(text(f'GRANT {KIOSK_GROUP} TO "{role_name}"'))
