"""Run PassportEye on images, one JSON line out per image. Executed by the peer's own venv, never imported.

Standard input: a JSON list of image paths. Standard output: per image ``{"path", "ms", "type", "number",
"birth_date", "expiry_date", "valid"}`` (``type`` None when PassportEye found no MRZ). Only the standard
library and PassportEye: this file runs in a separate environment that holds nothing of the kiosk.
"""
import json
import sys
import time


def main() -> int:
    """Read the paths, run ``passporteye.read_mrz`` on each, print one result line each."""
    from passporteye import read_mrz

    for path in json.load(sys.stdin):
        t = time.perf_counter()
        try:
            mrz = read_mrz(path)
            d = mrz.to_dict() if mrz is not None else None
            if d is not None:  # the dict has valid_score and per-field flags; the overall flag is an attribute
                d["valid"] = bool(getattr(mrz, "valid", False))
        except Exception as exc:  # noqa: BLE001 - a crash on one image is that image's refusal
            d, err = None, type(exc).__name__
        else:
            err = None
        ms = (time.perf_counter() - t) * 1000
        out = {"path": path, "ms": round(ms, 1), "type": None, "error": err}
        if d is not None:
            out.update(type=d.get("mrz_type"), number=d.get("number", ""), birth_date=d.get("date_of_birth", ""),
                       expiry_date=d.get("expiration_date", ""), valid=bool(d.get("valid")))
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
