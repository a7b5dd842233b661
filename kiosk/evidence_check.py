"""Re-check an exported chip-evidence file (``kiosk evidence export``) with no kiosk secret and no kiosk store.

One function for every place that offers the check, so each says the same words: ``kiosk evidence verify``,
the operator console's case view and the central console. Each part gets a verdict in words
(``hardware.emrtd.chip_record.Verdict``):

* ``kiosk signature``: the Ed25519 signature over the whole file verifies with the key in the file, whose
  fingerprint is printed (at the central store: the kiosk's signed chain head covering the event, whose
  central copy verifies); with ``kiosk_key`` (the kiosk's registered key, or ``kiosk fleet register --json``)
  that key must also be the kiosk's;
* ``chain position``: the announcing event re-hashes to the stated public chain hash, it is the ``decision``
  event of this session, and it names this record and its SHA-256;
* ``chip record: <part>``: every part hashes to the digest the kiosk signed (a changed byte names its part);
* the chip verdicts of ``verify_chip_record``: EF.SOD's signature and chain to the given trust material, each
  data group and hash, active authentication, PACE-CAM.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from hardware.emrtd.chip_record import ChipRecordError, Verdict, verify_chip_record
from hardware.emrtd.trust import TrustStore

from kiosk.errors import BadInputError
from kiosk.evidence_export import EXPORT_FORMAT, canonical, part_digests

_KEY_ON_LINE = re.compile(r'([A-Za-z][\w.]{0,63})\W?\s*[:;]')
_LOOSE_KEY = re.compile(r'([A-Za-z][\w.]{0,63})')
_INDENT = re.compile(r'[^"A-Za-z{}\[\]]*')


class KioskKey:
    """The key a verifier expects the kiosk to sign with: a raw Ed25519 key (base64) and, from a fleet
    registration (``kiosk fleet register --json``), the kiosk id it was registered for."""

    def __init__(self, public_key: str, kiosk_id: str | None = None) -> None:
        self.public_key = public_key.strip()
        self.kiosk_id = kiosk_id

    @classmethod
    def parse(cls, text: str) -> KioskKey:
        """From a registration JSON object (``kiosk_id``, ``public_key``) or a bare base64 key;
        ``BadInputError`` when it is neither."""
        from storage.head_signing import MalformedKeyError, load_public_key

        text = text.strip()
        key = cls(text)
        if text.startswith("{"):
            try:
                doc = json.loads(text)
                key = cls(str(doc["public_key"]), str(doc["kiosk_id"]) if doc.get("kiosk_id") else None)
            except (ValueError, KeyError, TypeError) as exc:
                raise BadInputError("the kiosk key is not a registration ('kiosk fleet register --json': "
                                    "kiosk_id, public_key)") from exc
        try:
            load_public_key(key.public_key)
        except MalformedKeyError as exc:
            raise BadInputError(f"the kiosk key: {exc}") from exc
        return key


def is_evidence_text(text: str) -> bool:
    """Whether a file's text is (or was, before damage) an exported evidence file rather than a bare chip record."""
    return EXPORT_FORMAT in text[:4096] or '"announced"' in text


def line_part(lines: list[str], index: int) -> str:
    """The part a line of the file belongs to (one part per line, indent 1): its key with the keys of the
    objects around it, e.g. ``active_authentication/signature`` or ``parts/EF.SOD``."""
    def key_and_indent(line: str) -> tuple[str, int]:
        # Loosely: the damaged byte may be the key's quote, its colon or a space of the indent.
        m = _KEY_ON_LINE.search(line) or _LOOSE_KEY.search(line)
        return (m.group(1) if m else "unknown"), len(_INDENT.match(line).group(0))  # type: ignore[union-attr]

    key, indent = key_and_indent(lines[index]) if 0 <= index < len(lines) else ("unknown", 0)
    path = [key]
    for line in reversed(lines[:max(0, index)]):
        k, i = key_and_indent(line)
        if i < indent and line.rstrip().endswith("{"):
            if _KEY_ON_LINE.search(line):  # the file's own opening brace names nothing
                path.append(k)
            indent = i
    return "/".join(k for k in reversed(path) if k not in ("record", "chip_record")) or "record"


def damaged_verdict(text: str, exc: json.JSONDecodeError) -> Verdict:
    """A file that no longer parses: the verdict names the line and the part on it (and the part on the line
    before, where a damaged closing quote or comma is only noticed)."""
    lines = text.splitlines()
    part = line_part(lines, exc.lineno - 1)
    before = line_part(lines, exc.lineno - 2) if exc.lineno > 1 else part
    where = part if before == part else f"{part}, or {before} on the line before"
    return Verdict(f"chip record: {part}", False, f"chip record: {where}: the file is damaged at line {exc.lineno} "
                                                  f"(in part {where}): it no longer reads as JSON")


def _signature(doc: dict[str, Any], kiosk_key: KioskKey | None, out: list[Verdict]) -> None:
    from storage.head_signing import MalformedKeyError, key_fingerprint, verify_evidence

    sig = doc.get("signature") if isinstance(doc.get("signature"), dict) else {}
    body = {k: v for k, v in doc.items() if k != "signature"}
    public, value = str(sig.get("public_key", "")), str(sig.get("value", ""))
    try:
        fingerprint = key_fingerprint(public)
        ok = verify_evidence(public, canonical(body), value)
    except (MalformedKeyError, ValueError):
        fingerprint, ok = "none", False
    if ok and sig.get("key_id") != fingerprint:
        ok = False
    out.append(Verdict("kiosk signature", ok, "kiosk signature: " + (
        f"valid, by the key in the file (fingerprint {fingerprint})" if ok else
        f"does not verify with the key in the file (fingerprint {fingerprint}): the file was altered after the "
        "kiosk signed it, or was not signed by a kiosk")))
    if kiosk_key is not None:
        same = ok and public == kiosk_key.public_key and kiosk_key.kiosk_id in (None, doc.get("kiosk_id"))
        expected = key_fingerprint(kiosk_key.public_key)
        out.append(Verdict("kiosk key", same, "kiosk key: " + (
            f"the file is signed by the given kiosk key ({expected}"
            + (f", kiosk {kiosk_key.kiosk_id})" if kiosk_key.kiosk_id else ")") if same else
            f"the file is not signed by the given kiosk key ({expected}"
            + (f", kiosk {kiosk_key.kiosk_id}" if kiosk_key.kiosk_id else "") + f") but by {fingerprint}")))


def _position(doc: dict[str, Any], record_bytes: bytes, out: list[Verdict]) -> None:
    from storage.central.chain import event_hash

    a = doc.get("announced") if isinstance(doc.get("announced"), dict) else {}
    ev = a.get("event") if isinstance(a.get("event"), dict) else {}
    try:
        at = dt.datetime.fromisoformat(str(ev.get("at")))
        recomputed = event_hash(str(a.get("prev_hash")), int(a.get("seq")), at, str(ev.get("kind")),
                                str(ev.get("actor")), ev.get("session_id"), str(ev.get("details")),
                                str(ev.get("key_id")), str(ev.get("mac")))
        details = json.loads(str(ev.get("details")))
        announced = details.get("chip_record") or {}
        problems = []
        if recomputed != a.get("hash"):
            problems.append("the event does not hash to the stated chain hash")
        if ev.get("kind") != "decision" or ev.get("session_id") != doc.get("session_id"):
            problems.append("it is not the decision event of this session")
        if announced.get("id") != doc.get("record_id"):
            problems.append("it announces another chip record")
        if announced.get("sha256") != hashlib.sha256(record_bytes).hexdigest():
            problems.append("the record's SHA-256 is not the one it announced")
    except (ValueError, TypeError, AttributeError) as exc:
        problems = [f"the announcing event is unreadable ({type(exc).__name__})"]
    seq, h = a.get("seq"), str(a.get("hash"))
    out.append(Verdict("chain position", not problems, "chain position: " + (
        f"announced by audit event {seq} (the session's decision), chain hash {h[:16]}...; the kiosk's chain or "
        f"the central copy must hold that hash at seq {seq}" if not problems else
        f"does not hold at audit event {seq}: {'; '.join(problems)}")))


def _digests(doc: dict[str, Any], record: dict[str, Any], out: list[Verdict]) -> None:
    signed = doc.get("part_digests") if isinstance(doc.get("part_digests"), dict) else {}
    now = part_digests(record)
    bad = sorted(set(signed) ^ set(now) | {n for n in now if n in signed and signed[n] != now[n]})
    for name in bad:
        out.append(Verdict(f"chip record: {name}", False, f"chip record: {name}: differs from what the kiosk signed "
                                                          "(added, removed or altered)"))
    if not bad:
        out.append(Verdict("chip record", True, f"chip record: all {len(now)} parts are as the kiosk signed them"))


def _context(record: dict[str, Any], out: list[Verdict]) -> None:
    chip = record.get("chip_record") if isinstance(record.get("chip_record"), dict) else {}
    decided = chip.get("decided_by") if isinstance(chip.get("decided_by"), dict) else {}
    cscas = ", ".join(f"{c.get('sha256', '')[:16]}... from {(c.get('source') or {}).get('source', 'unrecorded')}"
                      for c in decided.get("csca") or [] if isinstance(c, dict)) or "not recorded"
    crls = len(decided.get("crls") or [])
    models = record.get("model_versions") if isinstance(record.get("model_versions"), dict) else {}
    out.append(Verdict("context", True, f"context (as recorded, not re-checked): policy version "
                                        f"{record.get('policy_version')}, {len(models)} model digests, CSCA at read "
                                        f"time {cscas}, {crls} CRL(s) of it"))


def check_evidence(doc: dict[str, Any], store: TrustStore, *, now: dt.datetime | None = None,
                   kiosk_key: KioskKey | None = None) -> list[Verdict]:
    """Every verdict on an exported evidence document (see the module docstring). ``BadInputError`` only when
    it is not such a document at all; every other fault is a failed verdict naming its part."""
    if doc.get("format") != EXPORT_FORMAT:
        raise BadInputError(f"not an exported chip evidence file (format must be {EXPORT_FORMAT!r})")
    out: list[Verdict] = []
    _signature(doc, kiosk_key, out)
    return out + check_placed_record(doc, store, now=now)


def check_placed_record(doc: dict[str, Any], store: TrustStore, *, now: dt.datetime | None = None) -> list[Verdict]:
    """The verdicts that do not depend on who signed the document: its chain position, its parts against the
    signed digests, the chip verdicts and the recorded context (the kiosk's check and the centre's share them)."""
    out: list[Verdict] = []
    if not isinstance(doc.get("record"), dict):
        return [Verdict("chip record", False, "chip record: the file holds no 'record' part (its name was altered, "
                                              "or it was removed)")]
    record = doc["record"]
    _position(doc, canonical(record), out)
    _digests(doc, record, out)
    chip = record.get("chip_record")
    try:
        if not isinstance(chip, dict):
            raise ChipRecordError("the file holds no chip record")
        out += verify_chip_record(chip, store, now=now)
    except ChipRecordError as exc:
        out.append(Verdict("chip record: format", False, f"chip record: format: {exc}"))
    _context(record, out)
    return out


def signed_head_verdict(cover: Any) -> Verdict:
    """At the central store: the kiosk's signed chain head covering the announcing event (``storage.central.
    chip_evidence.SignedHeadCover``) stands where an export has the kiosk's signature over the file."""
    if cover.verified:
        return Verdict("kiosk signature", True, f"kiosk signature: the kiosk's signed chain head at seq {cover.seq} "
                                                f"(key {cover.key_id}) covers the announcing event, and the central "
                                                "copy of its chain verifies")
    why = cover.problem or "no signed head of the kiosk covers the announcing event yet (push pending)"
    return Verdict("kiosk signature", False, f"kiosk signature: the central copy does not vouch for it: {why}")


def summary(verdicts: list[Verdict]) -> str:
    """The closing line: every part verified, or the parts that failed."""
    failed = [v.part for v in verdicts if not v.ok]
    return "chip evidence: " + ("every part verified" if verdicts and not failed else
                                f"FAILED in {', '.join(dict.fromkeys(failed))}")
