"""Reading the MRZ by camera: repair and agreement on top of ``inference.mrz``, test-set synthesis, evaluation.

``inference.mrz`` finds and reads the MRZ lines; this package parses them with the ICAO 9303 rules of
``hardware.emrtd.mrz`` (check digits), repairs look-alike confusions only where check digits decide, and
accepts a read only after it repeats across camera frames (``MrzScanner``).
"""
