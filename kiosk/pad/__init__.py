"""Passive liveness at a site: its training sets and synthetic attacks, training, the site calibration (collect,
calibrate, install) and the installed site model the kiosk loads."""
