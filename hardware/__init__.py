"""Devices: e-passport chip (ICAO 9303), NFC/PC-SC readers, cameras. Imports no other project package."""
