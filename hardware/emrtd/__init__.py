"""ICAO 9303 e-passport chip: access control, secure messaging, LDS, authentication, virtual chip."""
