"""Face-bank lists indexed: ``bank_entries`` (session -> owner, list, enrolment time, the list generation its enrolment
made) and ``bank_lists`` (a generation counter per owner and list; entries filed here all get generation 1).

Before this, a 1:N search or a list page read the ``checks`` of every session of the list and filtered the owner
in Python (``kiosk.facebank``). The entries are filled here from those sealed ``checks``, with the owner rule of
``kiosk.facebank.owner_of`` as it stood (``facebank.owner``; entries older than owners belong to the API key named
by ``facebank.actor`` when it is one, else to the site). The copy below is frozen on purpose: a migration must
keep doing what it did when it was written. No bound field changes, so the row seals are unchanged; the new rows
are an index derived from sealed data, which stays the authority.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 04:10:00
"""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_FACEBANK_MODE = "facebank"
_SITE = "site"


def _owner_and_list(kiosk_id: str, checks: Any) -> tuple[str, str] | None:
    if isinstance(checks, str):  # some drivers hand JSON columns back as text
        checks = json.loads(checks)
    fb = checks.get("facebank") if isinstance(checks, dict) else None
    if not isinstance(fb, dict):
        return None
    owner = fb.get("owner")
    if owner is None:
        actor = fb.get("actor")
        owner = actor if isinstance(actor, str) and actor.startswith("api:") else _SITE
    list_name = fb.get("list", kiosk_id.split(":", 1)[-1])
    if not isinstance(owner, str) or not isinstance(list_name, str):
        return None
    return owner[:64], list_name[:40]


def upgrade() -> None:
    op.create_table(
        'bank_entries',
        sa.Column('session_id', sa.String(length=32), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('list_name', sa.String(length=40), nullable=False),
        sa.Column('enrolled_at', sa.DateTime(), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_bank_entries_session_id_sessions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('session_id', name=op.f('pk_bank_entries')),
    )
    op.create_index('ix_bank_entries_owner_list_enrolled', 'bank_entries',
                    ['owner', 'list_name', 'enrolled_at', 'session_id'], unique=False)
    op.create_index('ix_bank_entries_owner_list_generation', 'bank_entries', ['owner', 'list_name', 'generation'],
                    unique=False)
    op.create_table(
        'bank_lists',
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('list_name', sa.String(length=40), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('owner', 'list_name', name=op.f('pk_bank_lists')),
    )
    conn = op.get_bind()
    sessions = sa.table('sessions', sa.column('id', sa.String), sa.column('kiosk_id', sa.String),
                        sa.column('mode', sa.String), sa.column('started_at', sa.DateTime),
                        sa.column('checks', sa.JSON))
    entries = sa.table('bank_entries', sa.column('session_id', sa.String), sa.column('owner', sa.String),
                       sa.column('list_name', sa.String), sa.column('enrolled_at', sa.DateTime),
                       sa.column('generation', sa.Integer))
    lists = sa.table('bank_lists', sa.column('owner', sa.String), sa.column('list_name', sa.String),
                     sa.column('generation', sa.Integer))
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for sid, kiosk_id, started_at, checks in conn.execute(
            sa.select(sessions.c.id, sessions.c.kiosk_id, sessions.c.started_at, sessions.c.checks)
            .where(sessions.c.mode == _FACEBANK_MODE)):
        found = _owner_and_list(kiosk_id, checks)
        if found is None:
            continue
        rows.append({"session_id": sid, "owner": found[0], "list_name": found[1], "enrolled_at": started_at,
                     "generation": 1})
        seen.add(found)
        if len(rows) >= 1000:
            conn.execute(entries.insert(), rows)
            rows = []
    if rows:
        conn.execute(entries.insert(), rows)
    if seen:
        conn.execute(lists.insert(), [{"owner": o, "list_name": n, "generation": 1} for o, n in sorted(seen)])


def downgrade() -> None:
    op.drop_table('bank_lists')
    op.drop_index('ix_bank_entries_owner_list_generation', table_name='bank_entries')
    op.drop_index('ix_bank_entries_owner_list_enrolled', table_name='bank_entries')
    op.drop_table('bank_entries')
