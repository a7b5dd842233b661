"""The PAD feature sets ``kiosk eval pad --protocol loso`` and ``kiosk pad train`` know by name.

``cues`` is the 26 hand-crafted cues of ``inference.pad_features`` (the FaceAntiSpoofing score among
them). Each set has a version string: its cache file and a fusion model that uses it are keyed by it.
"""
from __future__ import annotations

from inference.pad_features import FEATURE_NAMES, FEATURE_VERSION

SET_VERSIONS: dict[str, str] = {"cues": FEATURE_VERSION}
SET_NAMES: tuple[str, ...] = tuple(SET_VERSIONS)
SET_FEATURES: dict[str, tuple[str, ...]] = {"cues": FEATURE_NAMES}
