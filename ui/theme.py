"""Colours and type: a calm standard theme and a high-contrast one (WCAG AAA contrast for body text).

Sizes scale with the screen height so 1280x800 and 1920x1080 read alike; touch targets are at least
~64 px high at 800 lines (well above the 44 px minimum for touch).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Palette:
    """The colours one theme uses."""

    background: str
    surface: str
    text: str
    muted: str
    accent: str
    accent_text: str
    good: str
    warn: str
    bad: str
    outline: str


STANDARD = Palette(background="#0f2a43", surface="#173a5c", text="#ffffff", muted="#d5e3f0", accent="#ffd23f",
                   accent_text="#0f2a43", good="#3ddc84", warn="#ffb020", bad="#ff6b6b", outline="#9cc3e6")
HIGH_CONTRAST = Palette(background="#000000", surface="#000000", text="#ffffff", muted="#ffffff", accent="#ffff00",
                        accent_text="#000000", good="#00ff66", warn="#ffff00", bad="#ff5555", outline="#ffffff")


def palette(name: str) -> Palette:
    """The palette called ``name`` ('standard' or 'high_contrast')."""
    return HIGH_CONTRAST if name == "high_contrast" else STANDARD


def base_px(height: int) -> int:
    """Body text size in pixels for a window ``height`` pixels high (22 px at 800, 30 at 1080)."""
    return max(18, round(height / 36))


# Large text (issue 26, WCAG 1.4.4 asks for 200% in a browser; EN 301 549 5.1.4 for closed functionality asks
# that text be large enough): 150% of the standard size, the most that still fits every screen at 1280x800.
LARGE_TEXT_SCALE = 1.5
# Touch targets: at least 44x44 px (WCAG 2.5.5); the style's minimum height is far above it at any size.
MIN_TARGET_PX = 44


def stylesheet(p: Palette, height: int, scale: float = 1.0) -> str:
    """The whole application's style sheet for palette ``p`` at window ``height`` (``scale``: large text)."""
    base = base_px(height)
    b = round(base * scale)

    def big(factor: float) -> int:
        # Headings are large already: in large text they grow by a fifth (to at least the large body size),
        # not by half, so that every screen still fits 1280x800.
        if scale == 1.0:
            return round(base * factor)
        return round(base * max(factor * 1.2, scale * 1.05))

    border = 4 if p is HIGH_CONTRAST else 2
    return f"""
    QWidget {{ background: {p.background}; color: {p.text}; font-family: 'DejaVu Sans'; font-size: {b}px; }}
    QLabel[role="title"] {{ font-size: {big(1.8)}px; font-weight: bold; }}
    QLabel[role="subtitle"] {{ font-size: {big(1.15)}px; color: {p.muted}; }}
    QLabel[role="hint"] {{ font-size: {big(1.3)}px; font-weight: bold; color: {p.accent_text};
                          background: {p.accent}; border-radius: 12px; padding: 10px 24px; }}
    QLabel[role="error"] {{ font-size: {big(1.1)}px; color: {p.bad}; font-weight: bold; }}
    QLabel[role="small"] {{ font-size: {round(b * 0.8)}px; color: {p.muted}; }}
    QFrame[role="card"] {{ background: {p.surface}; border: {border}px solid {p.outline}; border-radius: 16px; }}
    QFrame[role="card"] QLabel {{ background: transparent; }}
    QPushButton {{ background: {p.surface}; color: {p.text}; border: {border}px solid {p.outline};
                  border-radius: 14px; padding: 8px 20px; min-height: {max(round(base * 1.9), MIN_TARGET_PX)}px;
                  min-width: {MIN_TARGET_PX}px; font-weight: bold; }}
    QPushButton:focus {{ border: {border + 2}px solid {p.accent}; }}
    QPushButton[role="primary"] {{ background: {p.accent}; color: {p.accent_text}; border-color: {p.accent}; }}
    QPushButton[role="key"] {{ min-width: {max(round(base * 1.8), MIN_TARGET_PX)}px;
                              min-height: {max(round(base * 1.8), MIN_TARGET_PX)}px; padding: 2px; }}
    QPushButton:disabled {{ color: {p.muted}; border-style: dashed; }}
    QLineEdit {{ background: #ffffff; color: #000000; border: {border}px solid {p.outline}; border-radius: 10px;
                padding: 8px 14px; font-size: {round(b * 1.2)}px; min-height: {max(round(base * 1.6), MIN_TARGET_PX)}px; }}
    QLineEdit:focus {{ border: {border + 2}px solid {p.accent}; }}
    QProgressBar {{ background: {p.surface}; border: {border}px solid {p.outline}; border-radius: 14px;
                   min-height: {round(b * 1.4)}px; text-align: center; color: {p.text}; }}
    QProgressBar::chunk {{ background: {p.good}; border-radius: 12px; }}
    QTabBar::tab {{ background: {p.surface}; color: {p.text}; padding: 8px 18px; border: {border}px solid {p.outline};
                   min-height: {round(b * 1.5)}px; }}
    QTabBar::tab:selected {{ background: {p.accent}; color: {p.accent_text}; }}
    """
