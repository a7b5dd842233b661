"""Authenticated audit head: ``audit_head`` gains ``head_mac`` and ``key_id``.

``head_mac`` = HMAC-SHA-256 under the audit key ``key_id`` over the head record (its counter ``seq`` and
the last event's MAC; ``storage.audit.head_mac``), so the head cannot be moved back to an earlier event
by someone who can only write the database. The migration has no key: it leaves both columns NULL, and
the first ``open_storage`` with the keys verifies the chain and appends one ``head_authenticated`` event,
whose append authenticates the head (``storage.head_upgrade``). No bound field changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 01:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('audit_head', sa.Column('head_mac', sa.String(length=64), nullable=True))
    op.add_column('audit_head', sa.Column('key_id', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_head') as batch:
        batch.drop_column('key_id')
        batch.drop_column('head_mac')
