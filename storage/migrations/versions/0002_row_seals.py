"""Row seals: a ``seal`` column (per-field MACs under the audit key, storage.binding) on sessions,
decisions, reviews, images and templates; an index on ``audit_events.session_id`` (the review screen
looks up a session's events); and the ``row_binding`` state that tells ``open_storage`` whether rows
written before this revision still have to be bound (it needs the audit key, which migrations do not
have, so the binding itself and its ``rows_bound`` audit event happen at the first open).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

SEALED = ('sessions', 'decisions', 'reviews', 'images', 'templates')


def upgrade() -> None:
    # Plain ALTER TABLE, never batch mode: a batch "move and copy" drops the old table, and with
    # foreign keys on SQLite's DROP TABLE runs the ON DELETE CASCADE of every child row.
    for table in SEALED:
        op.add_column(table, sa.Column('seal', sa.Text(), nullable=True))
    op.create_index(op.f('ix_audit_events_session_id'), 'audit_events', ['session_id'], unique=False)
    conn = op.get_bind()
    legacy = any(conn.execute(sa.text(f'SELECT 1 FROM {t} LIMIT 1')).first() is not None for t in SEALED)
    legacy = legacy or bool(conn.execute(sa.text('SELECT seq FROM audit_head WHERE id = 1')).scalar())
    # "pending": rows or events exist from before seals (the binding's rows_bound event also starts the
    # head file); "native": a new store, so any unsealed row found later was written outside storage
    # and is never bound.
    state = sa.table('storage_state', sa.column('key', sa.String), sa.column('value', sa.Text))
    op.bulk_insert(state, [{'key': 'row_binding', 'value': 'pending' if legacy else 'native'}])


def downgrade() -> None:
    op.execute("DELETE FROM storage_state WHERE key = 'row_binding'")
    op.drop_index(op.f('ix_audit_events_session_id'), table_name='audit_events')
    for table in SEALED:
        op.drop_column(table, 'seal')  # SQLite >= 3.35 drops a column in place (no table copy)
