"""Alembic revision files (one per schema change; never edit a released one)."""
