"""The back office opens an exported evidence file's sealed parts (``kiosk evidence open-sealed``).

The identity fields are sealed to the back-office key (HPKE, ``storage.sealing``) and bound to the kiosk,
session, evidence id and kind the file names: a sealed part moved into another session's file does not open.
"""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from storage.sealing import PrivateKeySource, open_evidence

from kiosk.errors import BadInputError


def open_sealed_parts(doc: dict[str, Any], keys: PrivateKeySource) -> dict[str, Any]:
    """``{part name: opened value}`` of the file's sealed parts; ``BadInputError`` when there are none or the
    file is not exported evidence; ``storage.sealing`` errors when a key is missing or a part was altered."""
    sealed = doc.get("sealed")
    if not isinstance(sealed, dict) or not sealed:
        raise BadInputError("the file has no sealed parts (the kiosk had no back-office key when it exported)")
    out: dict[str, Any] = {}
    for name, part in sealed.items():
        try:
            blob = base64.b64decode(str(part["blob"]), validate=True)
            plain = open_evidence(blob, private_keys=keys, kiosk_id=str(doc["kiosk_id"]),
                                  session_id=str(doc["session_id"]), evidence_id=str(part["evidence_id"]),
                                  kind=str(part["kind"]))
        except (KeyError, TypeError, binascii.Error) as exc:
            raise BadInputError(f"sealed part {name}: malformed ({type(exc).__name__})") from exc
        out[name] = json.loads(plain)
    return out
