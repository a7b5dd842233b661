"""A ready-to-read virtual passport for an MRZ or a CAN: document, TEST PKI and chip in one call.

Used by ``kiosk passport read --virtual``, the demo mode and the transport bridges' command lines:
``make_virtual_passport`` personalises a TD3 test document (ICAO 9303-10 LDS signed under a generated
TEST CSCA, with a drawn portrait, DG14 for chip authentication and DG15 for active authentication)
and puts it on a ``VirtualChip`` offering PACE (ECDH generic mapping, brainpoolP256r1, AES-128, as
EF.CardAccess announces) and BAC, keyed by the MRZ and, when given, the CAN.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hardware.emrtd import mrz as mrz_mod
from hardware.emrtd.password import AccessKey, PasswordType
from hardware.emrtd.virtual.chip import ChipFaults, LinkModel, VirtualChip
from hardware.emrtd.virtual.document import ICAO_SAMPLE_MRZ, VirtualDocument, make_document
from hardware.emrtd.virtual.pace_card import PaceOffer


@dataclass(frozen=True)
class VirtualPassport:
    """A virtual chip and the document (files, TEST PKI, keys) it carries."""

    chip: VirtualChip
    document: VirtualDocument

    @property
    def csca_certificate(self) -> bytes:
        """DER TEST CSCA under which passive authentication of this passport passes."""
        return self.document.csca_certificate


def make_virtual_passport(key: AccessKey | None = None, *, pace: bool = True,
                          chip_authentication: bool = True, active_authentication: bool = True,
                          dg2_size: int | None = None, face: Any = None, link: LinkModel | None = None,
                          faults: ChipFaults | None = None, pace_mapping: str = "GM") -> VirtualPassport:
    """A virtual passport that opens with ``key``.

    :param key: an MRZ key (the document gets that number and those dates, a specimen name and
        nationality UTO) or a CAN key (the ICAO specimen MRZ, and the chip also accepts that CAN
        with PACE); ``None`` gives the ICAO specimen L898902C3 / 740812 / 120415.
    :param pace: offer PACE in EF.CardAccess (BAC stays available unless ``faults`` switch it off).
    :param chip_authentication: add DG14 and the chip-authentication key.
    :param active_authentication: add DG15 and an EC active-authentication key.
    :param dg2_size: make DG2 exactly this many bytes (else the portrait's natural JPEG size).
    :param face: portrait image (PIL image, array or encoded bytes); default: a drawn face.
    :param link: simulated link (latency, bitrate); :param faults: faults on demand.
    :param pace_mapping: ``GM`` (generic mapping), ``IM`` (integrated mapping) or ``CAM``
        (chip-authentication mapping: the chip
        also carries a signed EF.CardSecurity with its chip-authentication key; DG14 is then always
        present, as on issued CAM documents).
    :raises MrzError: the MRZ fields cannot form a valid TD3 MRZ.
    """
    if key is not None and key.kind is PasswordType.MRZ:
        info = key.secret.decode("ascii")  # number + check + birth(6) + check + expiry(6) + check
        document_mrz = mrz_mod.build_td3(
            document_number=info[:-15], birth_date=info[-14:-8], expiry_date=info[-7:-1],
            issuing_state="UTO", nationality="UTO", primary_identifier="SPECIMEN",
            secondary_identifier="VIRTUAL", sex="<")
    else:
        document_mrz = ICAO_SAMPLE_MRZ
    mrz_key = AccessKey.from_mrz(document_mrz.document_number, document_mrz.birth_date, document_mrz.expiry_date)
    cam = pace_mapping == "CAM"
    document = make_document(document_mrz, face, dg2_size=dg2_size,
                             chip_authentication=chip_authentication or cam,
                             active_authentication="ec" if active_authentication else None)
    can = key if key is not None and key.kind is PasswordType.CAN else None
    offers = [PaceOffer.ecdh(mapping=pace_mapping)] if pace or can is not None else []
    mf_files = {0x011D: document.card_security([o.info() for o in offers])} if cam and offers else None
    chip = VirtualChip(document.files, mf_files=mf_files, mrz_key=mrz_key, can=can, pace=offers,
                       ca_private_key=document.ca_private_key, aa_private_key=document.aa_private_key,
                       link=link, faults=faults)
    return VirtualPassport(chip, document)
