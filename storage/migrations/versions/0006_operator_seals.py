"""Operator account seals: a ``seal`` column on ``operators`` (per-field MACs under the audit key,
storage.binding: role, password hash, lock state, enabled...), and the ``operator_binding`` state that
tells ``open_storage`` whether accounts written before this revision still have to be bound (that needs
the audit key, which migrations do not have: ``storage.operator_binding`` does it at the first open and
records an ``operators_bound`` audit event).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 01:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE (see 0002): no batch copy of a table that reviews reference.
    op.add_column('operators', sa.Column('seal', sa.Text(), nullable=True))
    conn = op.get_bind()
    legacy = conn.execute(sa.text('SELECT 1 FROM operators LIMIT 1')).first() is not None
    # "native": a store without accounts yet, so an unsealed account found later was written outside storage.
    state = sa.table('storage_state', sa.column('key', sa.String), sa.column('value', sa.Text))
    op.bulk_insert(state, [{'key': 'operator_binding', 'value': 'pending' if legacy else 'native'}])


def downgrade() -> None:
    op.execute("DELETE FROM storage_state WHERE key = 'operator_binding'")
    op.drop_column('operators', 'seal')
