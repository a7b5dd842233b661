"""The operator review console's Qt screens (rendering only; the logic is in ``kiosk.console``)."""
