"""Small widgets the console screens share: an image panel, the match band, a page bar."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

GOOD, WARN, BAD, MUTED = "#2e9e5b", "#e0a000", "#d64545", "#9aa7b4"


def qimage(rgb: np.ndarray) -> QImage:
    """An RGB uint8 array as a QImage (copied: the array may go away)."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class ImagePanel(QWidget):
    """A caption over an image scaled to fit (aspect kept); says so when there is no image."""

    def __init__(self, caption: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel(caption)
        self.caption.setProperty("role", "small")
        self.view = QLabel()
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view.setMinimumSize(120, 120)
        self.view.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.view.setStyleSheet("background: #0b1d2e; border-radius: 8px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)
        self._pixmap: QPixmap | None = None

    def set_image(self, rgb: np.ndarray | None, missing: str = "") -> None:
        """Show ``rgb`` (or the ``missing`` text)."""
        self._pixmap = QPixmap.fromImage(qimage(rgb)) if rgb is not None else None
        self.view.setText("" if rgb is not None else missing)
        self._rescale()

    def has_image(self) -> bool:
        """Whether an image is shown."""
        return self._pixmap is not None

    def _rescale(self) -> None:
        if self._pixmap is not None:
            self.view.setPixmap(self._pixmap.scaled(self.view.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                                    Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._rescale()


class MatchBand(QWidget):
    """The match score as a marker on a band: red below ``review``, amber up to ``accept``, green above."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(84)
        self.score: float | None = None
        self.review, self.accept = 0.293, 0.337
        self.labels = ("no match", "borderline", "match")

    def set_band(self, score: float | None, review: float, accept: float, labels: tuple[str, str, str]) -> None:
        """Place ``score`` against the thresholds; ``labels`` name the three zones."""
        self.score, self.review, self.accept, self.labels = score, review, accept, labels
        self.update()

    def _x(self, v: float, r: QRectF) -> float:
        # Three equal-width zones, the score placed piecewise-linearly inside its zone: the borderline
        # zone is narrow in cosine terms (0.293-0.337) but it is the one a reviewer must see.
        stops = (-0.1, self.review, self.accept, 1.0)
        v = min(stops[-1], max(stops[0], v))
        for k in range(3):
            lo, hi = stops[k], stops[k + 1]
            if v <= hi or k == 2:
                a = (v - lo) / (hi - lo) if hi > lo else 0.0
                return r.left() + (k + a) / 3 * r.width()
        return r.right()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        bar = QRectF(8, 26, self.width() - 16, 18)
        third = bar.width() / 3
        font = QFont(p.font())
        font.setPixelSize(14)
        p.setFont(font)
        for k, colour in enumerate((BAD, WARN, GOOD)):
            zone = QRectF(bar.left() + k * third, bar.top(), third, bar.height())
            p.fillRect(zone, QColor(colour))
            p.setPen(QColor("#ffffff"))
            p.drawText(QRectF(zone.left(), bar.bottom() + 2, third, 18), Qt.AlignmentFlag.AlignCenter, self.labels[k])
        for k, t in ((1, self.review), (2, self.accept)):  # the thresholds at the zone borders
            p.drawText(QRectF(bar.left() + k * third - 40, bar.bottom() + 20, 80, 16), Qt.AlignmentFlag.AlignCenter,
                       f"{t:.3f}")
        if self.score is not None:
            x = self._x(self.score, bar)
            p.setPen(QPen(QColor("#ffffff"), 4))
            p.drawLine(int(x), int(bar.top()) - 6, int(x), int(bar.bottom()) + 2)
            p.drawText(QRectF(x - 60, 2, 120, 20), Qt.AlignmentFlag.AlignCenter, f"{self.score:.3f}")
        p.end()
