"""The console's style: the kiosk's colours at desk density (a reviewer sits at a monitor all day)."""
from __future__ import annotations

from ui.theme import STANDARD, Palette


def console_stylesheet(p: Palette = STANDARD, height: int = 1080) -> str:
    """Style sheet for the console window ``height`` pixels high (16 px body text at 1080 lines)."""
    b = max(13, round(height / 68))
    return f"""
    QWidget {{ background: {p.background}; color: {p.text}; font-family: 'DejaVu Sans'; font-size: {b}px; }}
    QLabel[role="title"] {{ font-size: {round(b * 1.7)}px; font-weight: bold; }}
    QLabel[role="heading"] {{ font-size: {round(b * 1.15)}px; font-weight: bold; color: {p.accent}; }}
    QLabel[role="subtitle"] {{ font-size: {round(b * 1.1)}px; color: {p.muted}; }}
    QLabel[role="error"] {{ color: {p.bad}; font-weight: bold; }}
    QLabel[role="good"] {{ color: {p.good}; font-weight: bold; }}
    QLabel[role="bad"] {{ color: {p.bad}; font-weight: bold; }}
    QLabel[role="warn"] {{ color: {p.warn}; font-weight: bold; }}
    QLabel[role="small"] {{ font-size: {round(b * 0.9)}px; color: {p.muted}; }}
    QLabel[role="banner"] {{ background: {p.accent}; color: {p.accent_text}; font-weight: bold; padding: 6px 12px;
                            border-radius: 6px; }}
    QFrame[role="card"] {{ background: {p.surface}; border: 1px solid {p.outline}; border-radius: 10px; }}
    QFrame[role="card"] QLabel {{ background: transparent; }}
    QPushButton {{ background: {p.surface}; color: {p.text}; border: 1px solid {p.outline}; border-radius: 8px;
                  padding: 6px 16px; min-height: {round(b * 1.6)}px; font-weight: bold; }}
    QPushButton:focus {{ border: 2px solid {p.accent}; }}
    QPushButton:checked {{ background: {p.accent}; color: {p.accent_text}; }}
    QPushButton[role="primary"] {{ background: {p.accent}; color: {p.accent_text}; border-color: {p.accent}; }}
    QPushButton[role="approve"] {{ background: #2e9e5b; color: #ffffff; border-color: #2e9e5b; }}
    QPushButton[role="reject"] {{ background: #d64545; color: #ffffff; border-color: #d64545; }}
    QPushButton:disabled {{ color: {p.muted}; background: {p.background}; border-style: dashed; }}
    QLineEdit, QPlainTextEdit, QComboBox {{ background: #ffffff; color: #000000; border: 1px solid {p.outline};
                border-radius: 6px; padding: 4px 8px; min-height: {round(b * 1.5)}px; }}
    QComboBox QAbstractItemView {{ background: #ffffff; color: #000000; }}
    QTableWidget {{ background: #ffffff; color: #000000; gridline-color: #d0d7de; alternate-background-color: #eef3f8;
                   selection-background-color: {p.accent}; selection-color: {p.accent_text}; }}
    QHeaderView::section {{ background: {p.surface}; color: {p.text}; padding: 4px 8px; border: 0;
                           font-weight: bold; }}
    QTabBar::tab {{ background: {p.surface}; color: {p.text}; padding: 6px 18px; border: 1px solid {p.outline}; }}
    QTabBar::tab:selected {{ background: {p.accent}; color: {p.accent_text}; }}
    QScrollArea {{ border: 0; }}
    """
