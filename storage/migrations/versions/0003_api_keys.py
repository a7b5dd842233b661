"""Integration-API keys: ``api_keys`` (name, SHA-256 of the key, scopes, creation and revocation time,
row seal). Each row is announced by an ``api_key_created`` audit event and sealed like the session rows,
so ``kiosk audit verify`` names a key inserted or edited outside storage.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 15:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'api_keys',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('scopes', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('seal', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash')),
    )


def downgrade() -> None:
    op.drop_table('api_keys')
