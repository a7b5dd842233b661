"""Kiosk workflow: drives the session over inference, hardware and storage. No Qt here."""
