"""Assisted mode: the clerk who starts a session signs in with their operator account first.

The session then records the clerk by name (``checks.assisted_by``), so the four-eyes rule of the review
console can refuse that clerk as the reviewer of their own session. Every attempt is audited by storage
(``login_ok`` / ``login_failed`` / lockout, ``where: assisted-kiosk``).
"""
from __future__ import annotations

from pathlib import Path

from kiosk.errors import BadInputError

WHERE = "assisted-kiosk"


def sign_in_clerk(data_dir: Path, username: str, password: str) -> str:
    """The clerk's user name once the password is right; ``BadInputError`` with the reason otherwise (wrong
    name or password, account locked or disabled). Opens and closes the store (call off the GUI thread)."""
    from storage import open_storage
    from storage.errors import StorageError

    if not username.strip() or not password:
        raise BadInputError("enter your user name and password")
    st = open_storage(data_dir)
    try:
        return st.operators.authenticate(username.strip(), password, where=WHERE).username
    except StorageError as exc:
        raise BadInputError(f"sign-in refused: {exc}") from exc
    finally:
        st.close()
