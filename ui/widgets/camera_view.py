"""Camera preview with the guide oval, the face box, the nose target and one hint.

A timer pulls the camera's newest frame (``latest()`` never blocks) at the camera's rate and paints it
mirrored; the overlay comes from the analysis worker's last ``FaceUpdate``. The preview therefore runs at
the camera's frame rate whatever the analysis costs, and the GUI thread never waits for a model.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from kiosk.workflow.events import FaceUpdate


class CameraView(QWidget):
    """Paints ``camera.latest()``; ``update_face`` sets the overlay. ``frames_shown`` counts painted frames."""

    def __init__(self, camera: Any = None, fps: float = 30.0, mirror: bool = True,
                 oval_centre: tuple[float, float] = (0.5, 0.46), guide: str = "oval") -> None:
        super().__init__()
        self.camera = camera
        self.mirror = mirror
        self.guide = guide  # "oval" (a face) or "document" (a passport page, its MRZ lines at the bottom)
        self.oval_centre = oval_centre
        self.face: FaceUpdate | None = None
        self.accent = QColor("#ffd23f")
        self.good = QColor("#3ddc84")
        self._image: QImage | None = None
        self._index = -1
        self.frames_shown = 0
        self.setMinimumSize(320, 240)
        self.timer = QTimer(self)
        self.timer.setInterval(max(1, round(1000 / fps)))
        self.timer.timeout.connect(self.pull)

    def set_colours(self, accent: str, good: str) -> None:
        """Overlay colours from the theme."""
        self.accent, self.good = QColor(accent), QColor(good)

    def start(self) -> None:
        """Start pulling frames."""
        self.timer.start()

    def stop(self) -> None:
        """Stop pulling frames and forget the overlay."""
        self.timer.stop()
        self.face = None

    def show_image(self, bgr: np.ndarray) -> None:
        """Show one BGR frame (the screenshots use this without a camera)."""
        h, w = bgr.shape[:2]
        # Copy into a QImage Qt owns: wrapping the array's buffer (QImage(data, ...)) ties the image's
        # lifetime to a Python object across threads, which crashed PySide6 here (a refcount error).
        image = QImage(w, h, QImage.Format.Format_BGR888)
        rows = np.frombuffer(image.bits(), np.uint8, count=image.sizeInBytes()).reshape(h, image.bytesPerLine())
        rows[:, :3 * w] = bgr.reshape(h, 3 * w)
        self._image = image.flipped(Qt.Orientation.Horizontal) if self.mirror else image
        self.frames_shown += 1
        self.update()

    def pull(self) -> None:
        """Take the newest frame if it is new (called by the timer)."""
        frame = self.camera.latest() if self.camera is not None else None
        if frame is None or frame.index == self._index:
            return
        self._index = frame.index
        self.show_image(frame.image)

    def update_face(self, event: FaceUpdate) -> None:
        """The analysis worker's latest view of the face."""
        self.face = event
        self.update()

    def _frame_rect(self) -> QRectF:
        """Where the frame is painted: scaled to fill the widget height, centred (edges may be cropped)."""
        if self._image is None:
            return QRectF(self.rect())
        iw, ih = self._image.width(), self._image.height()
        # A face fills the widget (edges may be cropped); a document is shown whole: its MRZ is at the edge.
        fit = min if self.guide == "document" else max
        scale = fit(self.width() / iw, self.height() / ih)
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def _to_widget(self, r: QRectF, x: float, y: float) -> QPointF:
        if self.mirror:
            x = 1.0 - x
        return QPointF(r.x() + x * r.width(), r.y() + y * r.height())

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#000000"))
        r = self._frame_rect()
        if self._image is not None:
            p.drawImage(r, self._image)
        if self.guide == "document":
            self._paint_document_guide(p, r)
            p.end()
            return
        # Dim everything outside the oval so the customer sees where the face goes.
        oh = r.height() * 0.62
        ow = oh * 0.74
        cx, cy = r.x() + self.oval_centre[0] * r.width(), r.y() + self.oval_centre[1] * r.height()
        oval = QRectF(cx - ow / 2, cy - oh / 2, ow, oh)
        outside = QPainterPath()
        outside.addRect(QRectF(self.rect()))
        outside.addEllipse(oval)  # odd-even fill: the oval is a hole
        p.fillPath(outside, QColor(0, 0, 0, 130))
        good = self.face is not None and self.face.good
        p.setPen(QPen(self.good if good else self.accent, max(4.0, self.height() / 110)))
        p.drawEllipse(oval)
        face = self.face
        if face is not None and face.box is not None:
            x, y, w, h = face.box
            a, b = self._to_widget(r, x, y), self._to_widget(r, x + w, y + h)
            p.setPen(QPen(QColor(255, 255, 255, 160), 2, Qt.PenStyle.DashLine))
            p.drawRect(QRectF(a, b).normalized())
        if face is not None and face.target is not None:
            c = self._to_widget(r, *face.target)
            radius = max(14.0, self.height() / 28)
            p.setPen(QPen(QColor("#000000"), 4))
            p.setBrush(self.accent)
            p.drawEllipse(c, radius, radius)
            p.setBrush(QColor("#000000"))
            p.drawEllipse(c, radius / 3, radius / 3)
        p.end()

    def _paint_document_guide(self, p: QPainter, r: QRectF) -> None:
        """Where the photo page (ID-3, 125 x 88 mm) goes in the camera's frame, with its MRZ band marked."""
        w = min(r.width() * 0.88, r.height() * 0.9 * 125 / 88)
        h = w * 88 / 125
        page = QRectF(r.center().x() - w / 2, r.center().y() - h / 2, w, h)
        outside = QPainterPath()
        outside.addRect(QRectF(self.rect()))
        outside.addRect(page)
        p.fillPath(outside, QColor(0, 0, 0, 130))
        p.setPen(QPen(self.accent, max(4.0, self.height() / 110)))
        p.drawRoundedRect(page, 12, 12)
        band = QRectF(page.x() + w * 0.03, page.bottom() - h * 0.16, w * 0.94, h * 0.14)
        p.setPen(QPen(self.accent, 2, Qt.PenStyle.DashLine))
        p.drawRect(band)

