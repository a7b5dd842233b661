"""One case as a self-contained HTML file for an auditor: decision, reasons, checks, reviews; images
only when the supervisor asks for them (embedded as data URIs, never separate files). Audited."""
from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path

import numpy as np

from kiosk.console.case import CaseFile
from kiosk.errors import BadInputError


def _png_uri(rgb: np.ndarray) -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _yn(value: bool | None) -> str:
    return {True: "passed", False: "FAILED", None: "not checked"}[value]


def case_html(case: CaseFile, exported_by: str, with_images: bool) -> str:
    """The HTML text of ``case`` (every value escaped)."""
    e = html.escape
    s = case.summary
    rows = [("Session", s.session_id), ("Kiosk", s.kiosk_id), ("Mode", s.mode),
            ("Decided", f"{s.decided_at:%Y-%m-%d %H:%M:%S} UTC"), ("Kiosk decision", s.outcome.upper()),
            ("Review state", s.review_state), ("Final outcome", (s.final_outcome or "-").upper()),
            ("Match", f"{case.match.verdict} (score {case.match.score if case.match.score is not None else '-'}; "
                      f"review from {case.match.review}, accept from {case.match.accept})")]
    if s.integrity_problem:
        rows.append(("INTEGRITY", s.integrity_problem))
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>Case ", e(s.session_id),
             "</title><style>body{font-family:sans-serif;margin:2em}td,th{border:1px solid #999;padding:4px 8px;"
             "text-align:left}table{border-collapse:collapse;margin-bottom:1.5em}</style></head><body>",
             f"<h1>Case {e(s.session_id)}</h1><p>Exported by {e(exported_by)}. "
             f"{'Images included.' if with_images else 'No images (not requested).'}</p><table>"]
    parts += [f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in rows]
    parts.append("</table><h2>Reasons</h2><table>")
    parts += [f"<tr><th>{e(c)}</th><td>{e(t)}</td><td>{e(d)}</td></tr>" for c, t, d in case.reasons] or \
        ["<tr><td>none</td></tr>"]
    parts.append("</table><h2>Chip</h2><table>")
    parts += [f"<tr><th>{e(n)}</th><td>{_yn(ok)}</td><td>{e(w)}</td></tr>" for n, ok, w, _ in case.chip]
    parts.append(f"</table><h2>Challenge ({_yn(case.challenge_passed)})</h2><table>")
    parts += [f"<tr><th>{e(c.action)}</th><td>{_yn(c.passed)}</td><td>{e(c.why_not or '')}</td></tr>"
              for c in case.challenge]
    parts.append("</table><h2>Reviews</h2><table>")
    parts += [f"<tr><td>{r.reviewed_at:%Y-%m-%d %H:%M} UTC</td><td>{e(r.operator)}</td><td>{e(r.verdict)}</td>"
              f"<td>{e(r.note or '')}</td></tr>" for r in case.detail.reviews] or ["<tr><td>none</td></tr>"]
    parts.append("</table>")
    if with_images:
        parts.append("<h2>Images</h2>")
        parts += [f"<figure><img src='{_png_uri(i.rgb)}' style='max-height:320px'><figcaption>{e(i.kind)}"
                  "</figcaption></figure>" for i in case.images if i.rgb is not None]
    parts.append("</body></html>")
    return "".join(parts)


def write_case_html(case: CaseFile, path: Path, exported_by: str, with_images: bool) -> Path:
    """Write the export (mode 0600, atomically); refuses to overwrite a file."""
    path = Path(path)
    if path.exists():
        raise BadInputError(f"{path} exists already: choose another file name")
    if not path.parent.is_dir():
        raise BadInputError(f"the folder {path.parent} does not exist")
    text = case_html(case, exported_by, with_images).encode("utf-8")
    tmp = path.with_name(path.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
