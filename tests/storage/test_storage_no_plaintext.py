"""No plaintext at rest: database, WAL and blob files hold neither a stored name, birth date or
document number, nor JPEG/PNG/JPEG 2000 signatures or any slice of the images written."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from storage import ImageEvidence, TemplateEvidence

from storage_helpers import GIVEN, SURNAME, image_bytes

JPEG_JFIF = b"\xff\xd8\xff\xe0\x00\x10JFIF"
PNG_SIG = b"\x89PNG\r\n\x1a\n"
JP2_SIG = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
J2K_SOC_SIZ = b"\xff\x4f\xff\x51\x00"


def jp2_bytes(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray((rng.random((64, 64, 3)) * 255).astype(np.uint8)).save(buf, "JPEG2000")
    return buf.getvalue()


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_nothing_personal_or_image_like_on_disk(store, make_record) -> None:  # type: ignore[no-untyped-def]
    written: list[bytes] = []
    for i in range(3):
        jp2 = jp2_bytes(i)
        assert jp2.startswith(JP2_SIG)
        rec = make_record("review", doc=f"C01X00T4{i}", seed=10 * i, template=np.linspace(0, 1, 128) + i)
        rec = type(rec)(**{**rec.__dict__, "images": [*rec.images, ImageEvidence("audit_frame", jp2, "image/jp2")]})
        store.decisions.record_session(rec)
        written += [img.data for img in rec.images]
    assert any(d.startswith(JPEG_JFIF) for d in written) and any(d.startswith(PNG_SIG) for d in written)
    store.operators.add("olga", "operator", "correct horse battery", "test")
    r = store.decisions.list_sessions()[0]
    store.decisions.record_review(r.session_id, "olga", "accept", note=f"spoke to {SURNAME}")

    data_dir = store.data_dir
    wal = data_dir / "kiosk.db-wal"
    assert wal.exists() and wal.stat().st_size > 0, "test must see the WAL while the store is open"
    blobs = list((data_dir / "blobs").rglob("*.blob"))
    assert len(blobs) == 9
    needles = {
        "surname": SURNAME.encode(), "given name": GIVEN.split()[0].encode(),
        "surname utf-16": SURNAME.encode("utf-16-le"), "birth date": b"1971-02-03", "birth date mrz": b"710203",
        "document number": b"C01X00T4", "jpeg": JPEG_JFIF, "png": PNG_SIG, "jp2": JP2_SIG, "j2k": J2K_SOC_SIZ,
    }
    for img in written:  # any 24-byte slice from the middle of each image
        mid = len(img) // 2
        needles[f"image slice {len(needles)}"] = img[mid:mid + 24]
    template_bytes = (np.linspace(0, 1, 128) + 1).astype("<f4").tobytes()
    needles["template"] = template_bytes[40:72]
    checked = 0
    for f in files_under(data_dir):
        if f.name == "keys.json":
            continue
        content = f.read_bytes()
        checked += 1
        for what, needle in needles.items():
            assert needle not in content, f"{what} found in clear in {f.relative_to(data_dir)}"
    assert checked >= 11  # db, wal, shm and the nine blobs


def test_blob_files_decrypt_only_for_their_row(store, make_record) -> None:  # type: ignore[no-untyped-def]
    from storage.decisions import image_aad
    from storage.errors import DecryptionError

    import pytest

    r1 = store.decisions.record_session(make_record(seed=1))
    r2 = store.decisions.record_session(make_record(seed=2, doc="OTHER1"))
    a, b = r1.image_ids[0], r2.image_ids[0]
    # Swap the two files on disk: each now sits under the other's id and must refuse to open.
    pa, pb = store.blobs.path_for(a), store.blobs.path_for(b)
    ra, rb = pa.read_bytes(), pb.read_bytes()
    pa.write_bytes(rb)
    pb.write_bytes(ra)
    with pytest.raises(DecryptionError):
        store.decisions.load_image(a, "operator:x")
    with pytest.raises(DecryptionError):
        store.blobs.get(b, image_aad(b, r2.session_id, "dg2"), store.keys.cipher)
    assert image_bytes("JPEG", 1).startswith(JPEG_JFIF)
    assert TemplateEvidence("live", [1.0]).kind == "live"
