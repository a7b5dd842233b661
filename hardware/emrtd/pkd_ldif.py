"""ICAO PKD LDIF files (the PKD's download format, RFC 2849): the signed objects inside them.

The PKD publishes master lists (``pkdMasterListContent``), CRLs (``certificateRevocationList;binary``)
and document signer certificates (``userCertificate;binary`` under ``o=dsc``). An LDIF file is not
signed, so nothing in it is trusted for being in it: master lists still need a trusted signer and CRLs a
trusted CSCA (``TrustStore``); DSCs are not trust anchors (EF.SOD carries its own) and are only counted.
Parsing uses the ``ldif`` package (RFC 2849) without URL references.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

import ldif

from hardware.emrtd.errors import TrustStoreError

_MASTER_LIST_ATTRS = ("pkdmasterlistcontent", "cscamasterlistdata")
_CRL_ATTRS = ("certificaterevocationlist;binary", "certificaterevocationlist")
_CERT_ATTRS = ("usercertificate;binary", "usercertificate", "cacertificate;binary")


@dataclass(frozen=True)
class PkdObject:
    """One object from an LDIF entry: ``kind`` is ``master_list``, ``crl`` or ``dsc``; ``dn`` names the entry."""

    kind: str
    dn: str
    der: bytes = field(repr=False)


def looks_like_ldif(data: bytes) -> bool:
    """Whether ``data`` starts as an LDIF file does (``version:`` or ``dn:``, after comments)."""
    for line in data[:4096].splitlines():
        if not line.strip() or line.startswith(b"#"):
            continue
        return line.lower().startswith((b"version:", b"dn:"))
    return False


def read_pkd_ldif(data: bytes) -> list[PkdObject]:
    """The master lists, CRLs and DSCs in an ICAO PKD LDIF file; raises ``TrustStoreError`` when malformed."""
    parser = ldif.LDIFParser(io.BytesIO(bytes(data)), encoding=None, process_url_schemes=(), strict=True)
    out: list[PkdObject] = []
    try:
        for dn, entry in parser.parse():
            if dn is None:
                continue  # the "version: 1" record
            # (a URL reference, "attr:< URL", is never fetched: it arrives empty and is dropped)
            attrs = {k.lower(): v for k, v in entry.items()}
            for name in _MASTER_LIST_ATTRS:
                out += [PkdObject("master_list", dn, bytes(v)) for v in attrs.get(name, ()) if v]
            for name in _CRL_ATTRS:
                out += [PkdObject("crl", dn, bytes(v)) for v in attrs.get(name, ()) if v]
            for name in _CERT_ATTRS:
                out += [PkdObject("dsc", dn, bytes(v)) for v in attrs.get(name, ()) if v]
    except (ValueError, IndexError, UnicodeError) as exc:  # the parser's errors on malformed input
        raise TrustStoreError(f"LDIF is malformed: {exc}") from exc
    return out
