"""MRZ by camera: find the machine-readable zone in a frame and read its lines (no parsing here).

``locate_candidates`` (morphology, rows grouped by the MRZ's geometry) -> ``MrzRecogniser`` (PP-OCRv6
small, CTC masked to ``A-Z 0-9 <``); ``MrzLineReader`` joins them, reading candidates until one is
accepted. Check digits, repair and agreement across frames live in ``kiosk.mrz``, which joins this with the
ICAO rules of ``hardware.emrtd.mrz``.
"""
from inference.mrz.locate import MrzBand, locate_candidates, locate_mrz
from inference.mrz.reader import MrzLineReader, MrzText
from inference.mrz.recognise import ALPHABET, MODEL_ID, LineRead, MrzRecogniser

__all__ = ["ALPHABET", "MODEL_ID", "LineRead", "MrzBand", "MrzLineReader", "MrzRecogniser", "MrzText",
           "locate_candidates", "locate_mrz"]
