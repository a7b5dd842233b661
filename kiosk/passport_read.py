"""Reading a passport outside a customer session (``kiosk passport read``): where the chip comes from (a PC/SC or
nfcpy reader, or a virtual passport), which trust store passive authentication uses, and the files a read leaves in
an output folder (0700 folder, 0600 files, never through a symlink), with the chip record ``kiosk evidence verify``
re-checks. The read and the checks themselves are the workflow's (``kiosk.workflow.chip_step``).
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from kiosk.errors import BadInputError
from kiosk.paths import trust_dir

log = logging.getLogger(__name__)

NFCPY_PREFIX = "nfcpy:"


def virtual_source(key: Any, *, bac: bool = False, mapping: str = "GM") -> tuple[Any, Any, str]:
    """A virtual passport for ``key`` (PACE with ``mapping`` unless ``bac``); returns (connection, document,
    description)."""
    from hardware.emrtd.errors import LdsError, MrzError
    from hardware.emrtd.virtual.passport import make_virtual_passport

    try:
        passport = make_virtual_passport(key, pace=not bac, pace_mapping=mapping)
    except (MrzError, LdsError) as exc:
        raise BadInputError(f"cannot make a virtual passport: {exc}") from exc
    return passport.chip, passport.document, "virtual passport (TEST PKI)"


def reader_source(name: str, timeout: float) -> tuple[Any, str]:
    """The connection to the card on reader ``name`` (PC/SC, or ``nfcpy:PATH``) and its description."""
    if name.startswith(NFCPY_PREFIX):
        from hardware.nfc.nfcpy_backend import NfcpyConnection

        path = name[len(NFCPY_PREFIX):] or "usb"
        return NfcpyConnection(path, wait_s=timeout), f"nfcpy {path}"
    from hardware.nfc.pcsc import PcscConnection, wait_for_card

    reader = wait_for_card(name, timeout=timeout)
    return PcscConnection(reader), f"PC/SC {reader}"


def trust_store(data_dir: str | Path | None, extra: list[str], document: Any = None) -> Any:
    """The kiosk trust store in ``data_dir`` plus the ``extra`` certificate, master-list or folder paths (and a
    virtual ``document``'s TEST CSCA, for this read only); ``BadInputError`` when one cannot be used."""
    from hardware.emrtd import certs
    from hardware.emrtd.errors import EmrtdError
    from hardware.emrtd.trust import TrustStore

    folder = trust_dir(data_dir)
    try:
        store = TrustStore.load(folder) if folder.is_dir() else TrustStore()
    except EmrtdError as exc:
        raise BadInputError(f"the kiosk trust store in {folder} cannot be read: {exc}") from exc
    for path in extra:
        if not Path(path).exists():
            raise BadInputError(f"trust path {path} does not exist")
        try:
            store.add_path(path)
        except EmrtdError as exc:
            raise BadInputError(f"cannot use trust path {path}: {exc}") from exc
    if document is not None:
        # The virtual passport's TEST CSCA: trusted for this read only, never stored.
        store.add_certificate(certs.load_certificate(document.csca_certificate))
    return store


_PERSONAL_FILES = ("DG1.bin", "DG2.bin", "DG11.bin", "DG12.bin", "portrait.png")


def _private_folder(out: Path) -> list[str]:
    """Make ``out`` (and missing parents) 0700; returns warnings about an existing folder others can read."""
    missing = [p for p in (out, *out.parents) if not p.exists()]
    for p in reversed(missing):
        p.mkdir(mode=0o700, exist_ok=True)
        os.chmod(p, 0o700)  # mkdir's mode is filtered by the umask; make it exact
    mode = out.stat().st_mode & 0o777
    if mode & 0o077:
        # The user's own folder: not ours to change, but they must know.
        return [f"{out} already existed with mode {mode:04o}: other accounts may read what is written there"]
    return []


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as 0600 (also when the file existed), never through a symlink."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(data)


def save_files(result: Any, out: Path) -> tuple[dict[str, int], str | None]:
    """Write the chip's files and the portrait to ``out`` (0700 folder, 0600 files) and warn that they are in clear."""
    import io
    import sys

    from PIL import Image

    from hardware.emrtd.lds.files import file_name
    from inference.errors import BadImageError
    from kiosk.workflow.chip_step import decode_dg2_face

    try:
        warnings = _private_folder(out)
        sizes: dict[str, int] = {}
        if result.card_access is not None:
            _write_private(out / "EF_CardAccess.bin", result.card_access)
            sizes["EF_CardAccess.bin"] = len(result.card_access)
        if getattr(result, "card_security", None) is not None:  # read by PACE-CAM; 'passport verify' checks it
            _write_private(out / "EF_CardSecurity.bin", result.card_security)
            sizes["EF_CardSecurity.bin"] = len(result.card_security)
        # EF.COM and EF.SOD first, then the data groups in order (as a person expects to see them).
        for fid, raw in sorted(result.files.items(),
                               key=lambda item: (0x0101 <= item[0] <= 0x0110, item[0] != 0x011E, item[0])):
            name = file_name(fid)
            _write_private(out / name, raw)
            sizes[name] = len(raw)
        portrait = None
        if result.dg2 is not None:
            buf = io.BytesIO()
            try:
                Image.fromarray(decode_dg2_face(result.dg2.face.image_data)).save(buf, format="PNG")
            except BadImageError as exc:
                log.warning("the portrait could not be decoded: %s", type(exc).__name__)
            else:
                _write_private(out / "portrait.png", buf.getvalue())
                portrait = "portrait.png"
    except OSError as exc:
        raise BadInputError(f"cannot write to --out {out}: {exc.strerror or exc}") from exc
    written = [n for n in _PERSONAL_FILES if n in sizes or n == portrait]
    if written:
        print(f"warning: {out} now holds this passport's personal data UNENCRYPTED ({', '.join(written)}: "
              "name, document number, birth date, face), as --out asked. Only this account can read it; "
              "delete it when done. The kiosk's own records (--data-dir) are encrypted.", file=sys.stderr)
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    return sizes, portrait


def save_chip_record(result: Any, store: Any, out: Path) -> dict[str, int]:
    """``chip_record.json``: what 'kiosk evidence verify' re-checks offline (identifies the document; no
    name or image)."""
    from hardware.emrtd.chip_record import build_chip_record

    data = json.dumps(build_chip_record(result, store), indent=1).encode("utf-8")
    try:
        _write_private(out / "chip_record.json", data)
    except OSError as exc:
        raise BadInputError(f"cannot write to --out {out}: {exc.strerror or exc}") from exc
    return {"chip_record.json": len(data)}
