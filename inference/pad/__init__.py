"""Passive presentation-attack detection: the cue features, the fusion model, synthetic attacks, temporal cues and
the PAD error metrics (ISO/IEC 30107-3)."""
