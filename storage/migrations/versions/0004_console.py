"""Operator review console: indexes for the queue and search filters (kiosk, mode, outcome).

The queue pages REVIEW sessions oldest first (``ix_decisions_review_state_decided_at`` from 0001); the
console also filters by kiosk and mode and searches by outcome over the whole log, which without these
indexes would scan every session. No new table and no new bound field, so the row seals are unchanged.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 15:00:00
"""
from __future__ import annotations

from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_sessions_kiosk_id_created_at', 'sessions', ['kiosk_id', 'created_at'], unique=False)
    op.create_index('ix_sessions_mode_created_at', 'sessions', ['mode', 'created_at'], unique=False)
    op.create_index('ix_decisions_outcome_decided_at', 'decisions', ['outcome', 'decided_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_decisions_outcome_decided_at', table_name='decisions')
    op.drop_index('ix_sessions_mode_created_at', table_name='sessions')
    op.drop_index('ix_sessions_kiosk_id_created_at', table_name='sessions')
