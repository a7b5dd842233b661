"""Decision log, encrypted evidence and audit trail (SQLite by default)."""
