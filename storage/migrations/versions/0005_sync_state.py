"""Fleet sync state: the acknowledgement cursor per central store and the acknowledged rows.

``sync_cursor`` holds, per central store, the highest audit seq the centre acknowledged and the public
chain hash there, and the local seq up to which every row change is acknowledged; ``sync_acks`` the rows (and sealed evidence items) it acknowledged with their digests.
Both are written only after a central transaction committed (``storage.central.push``). No bound field
changes, so the row seals are unchanged.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 18:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sync_cursor',
        sa.Column('central_id', sa.String(length=32), nullable=False),
        sa.Column('kiosk_id', sa.String(length=64), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('chain_hash', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('planned_seq', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('planned_evidence', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint('central_id', name=op.f('pk_sync_cursor')),
    )
    op.create_table(
        'sync_acks',
        sa.Column('central_id', sa.String(length=32), nullable=False),
        sa.Column('tbl', sa.String(length=16), nullable=False),
        sa.Column('row_id', sa.String(length=32), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('central_id', 'tbl', 'row_id', name=op.f('pk_sync_acks')),
    )


def downgrade() -> None:
    op.drop_table('sync_acks')
    op.drop_table('sync_cursor')
