"""Injection signals of a streamed session: what the page reports about its camera and visibility, and what
the server sees of the frames' timing and size.

A virtual camera (a driver that feeds software-made video to the browser: OBS, v4l2loopback, ManyCam, a
browser's fake device...) is how a real-time face-reenactment tool reaches a web page, so its label sends
the session to a person; so does a frame size that changes mid-session (a source switched). The label is
the page's word, so its absence proves nothing; the rest is recorded for the reviewer.
"""
from __future__ import annotations

import re
import statistics
import threading
from dataclasses import dataclass, field
from typing import Any

VIRTUAL_CAMERA = re.compile(
    r"virtual|obs\b|obs-|v4l2loopback|loopback|manycam|xsplit|snap camera|camtwist|splitcam|youcam|e2esoft|"
    r"mmhmm|dummy|fake|droidcam|iriun|epoccam|avatarify|deepfake|facerig|vcam|"
    r"\.y4m\b|\.mjpe?g\b",  # Chromium's fake capture device names itself after the file it plays
    re.IGNORECASE)
_MAX_LABEL = 120


@dataclass
class StreamSignals:
    """Collected while the stream runs (the receiving side and the worker both write: guarded)."""

    camera_label: str | None = None
    camera_size: tuple[int, int] | None = None
    sizes: list[tuple[int, int]] = field(default_factory=list)
    hidden_events: int = 0
    label_changes: int = 0
    arrivals: list[float] = field(default_factory=list)
    dropped: int = 0
    bad_frames: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def camera(self, message: dict[str, Any]) -> None:
        """The page's camera report: ``label`` (the browser's device label), ``width``, ``height``."""
        label = str(message.get("label") or "")[:_MAX_LABEL]
        with self._lock:
            if self.camera_label is not None and label != self.camera_label:
                self.label_changes += 1
            self.camera_label = label
            try:
                self.camera_size = (int(message.get("width") or 0), int(message.get("height") or 0))
            except (TypeError, ValueError):
                self.camera_size = None

    def visibility(self, state: str) -> None:
        """The page was hidden (another tab or app in front) while capturing."""
        if state != "visible":
            with self._lock:
                self.hidden_events += 1

    def frame(self, t: float, size: tuple[int, int] | None) -> None:
        """A frame arrived at ``t`` (server clock) with this decoded size (None: undecodable)."""
        with self._lock:
            self.arrivals.append(t)
            if size is None:
                self.bad_frames += 1
            elif not self.sizes or self.sizes[-1] != size:
                self.sizes.append(size)

    def findings(self) -> tuple[str, ...]:
        """The signal names raised (sorted)."""
        with self._lock:
            out = set()
            if self.camera_label and VIRTUAL_CAMERA.search(self.camera_label):
                out.add("virtual_camera")
            if len(self.sizes) > 1:
                out.add("resolution_changed")
            if self.label_changes:
                out.add("camera_changed")
            if self.hidden_events:
                out.add("page_hidden")
            gaps = [b - a for a, b in zip(self.arrivals, self.arrivals[1:])]
            if gaps and max(gaps) > 1.0:
                out.add("frame_gap")
            if self.dropped:
                out.add("frames_dropped")
            return tuple(sorted(out))

    def report(self) -> dict[str, Any]:
        """JSON-ready summary for the session's checks (no pixels; the label is device text, not personal)."""
        with self._lock:
            gaps = [b - a for a, b in zip(self.arrivals, self.arrivals[1:])]
            return {"camera_label": self.camera_label, "camera_size": self.camera_size,
                    "frame_sizes": [list(s) for s in self.sizes[:8]], "frames": len(self.arrivals),
                    "median_interval_ms": round(statistics.median(gaps) * 1000, 1) if gaps else None,
                    "max_interval_ms": round(max(gaps) * 1000, 1) if gaps else None,
                    "hidden_events": self.hidden_events, "dropped": self.dropped, "bad_frames": self.bad_frames}
