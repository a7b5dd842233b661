"""Logical data structure (ICAO 9303-10): parsers and encoders for EF.COM, the data groups and EF.SOD.

Every parsed object keeps the file's raw bytes (passive authentication hashes the raw bytes).
"""
from __future__ import annotations

from hardware.emrtd.lds.com import Com, encode_com, parse_com
from hardware.emrtd.lds.dg1 import Dg1, encode_dg1, parse_dg1
from hardware.emrtd.lds.dg2 import (
    BiometricHeader,
    Dg2,
    FaceImage,
    encode_dg2,
    jpeg_for_dg2,
    parse_dg2,
    parse_iso19794_5,
    parse_iso39794_5,
    sniff_image_format,
)
from hardware.emrtd.lds.dg11 import Dg11, parse_dg11
from hardware.emrtd.lds.dg12 import Dg12, parse_dg12
from hardware.emrtd.lds.dg14 import Dg14, encode_dg14, encode_dg14_chip_authentication, parse_dg14
from hardware.emrtd.lds.dg15 import Dg15, encode_dg15, parse_dg15
from hardware.emrtd.lds.files import (
    DG_TAGS,
    FID_COM,
    FID_SOD,
    dg_fid,
    dg_number_from_tag,
    dg_tag,
    file_name,
)
from hardware.emrtd.lds.signed_data import SignedData, SignerInfo, build_signed_data, parse_signed_data
from hardware.emrtd.lds.sod import Sod, encode_lds_security_object, encode_sod, hash_function, parse_sod

__all__ = [
    "DG_TAGS", "FID_COM", "FID_SOD", "BiometricHeader", "Com", "Dg1", "Dg2", "Dg11", "Dg12", "Dg14", "Dg15",
    "FaceImage", "SignedData", "SignerInfo", "Sod", "build_signed_data", "dg_fid", "dg_number_from_tag",
    "dg_tag", "encode_com", "encode_dg1", "encode_dg2", "encode_dg14", "encode_dg14_chip_authentication",
    "encode_dg15", "encode_lds_security_object", "encode_sod", "file_name", "hash_function", "jpeg_for_dg2",
    "parse_com", "parse_dg1", "parse_dg2", "parse_dg11", "parse_dg12", "parse_dg14", "parse_dg15",
    "parse_iso19794_5", "parse_iso39794_5", "parse_signed_data", "parse_sod", "sniff_image_format",
]
