"""Evaluations that report figures, never decide a session: passive liveness (ISO/IEC 30107-3, cross-source and
leave-one-source-out, temporal cues), the screen flash on recorded clips, and face match (LFW protocol)."""
