"""Result screen: the outcome in plain words (never a score) and what to do now; in assisted mode a panel
for the clerk with the reasons and where the match fell against the thresholds."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout

from kiosk.workflow.events import ResultReady
from ui.screens.base import Screen, card, label

# Glyphs the kiosk's font (DejaVu Sans, installed by the installer) has: the hourglass U+23F3 it lacks was drawn
# as an empty box on the review result; U+25F7 is a clock face.
SYMBOLS = {"ACCEPT": "\u2714", "REVIEW": "\u25f7", "REJECT": "\u2716"}


class ResultScreen(Screen):
    """Shows a ``ResultReady``; ``done`` when the customer taps Finish."""

    done = Signal()

    def __init__(self, assisted: bool = False) -> None:
        super().__init__()
        self.assisted = assisted
        root = QVBoxLayout(self)
        root.setContentsMargins(80, 10, 80, 10)
        self.symbol = label()
        self.title = label(role="title")
        self.body = label(role="subtitle")
        self.clerk, clerk_layout = card()
        self.clerk.setProperty("speak", False)  # for staff: never read aloud (it names the session)
        self.clerk_title = label(align=Qt.AlignmentFlag.AlignLeft)
        # One fact a line, not wrapped: its height is then its minimum, so the layout always gives it room.
        self.clerk_text = label(role="small", wrap=False, align=Qt.AlignmentFlag.AlignLeft)
        clerk_layout.addWidget(self.clerk_title)
        clerk_layout.addWidget(self.clerk_text)
        self.clerk.setVisible(assisted)
        self.finish = QPushButton()
        self.finish.setProperty("role", "primary")
        self.finish.setMinimumWidth(320)
        self.finish.clicked.connect(self.done)
        root.addStretch(1)
        root.addWidget(self.symbol)
        root.addWidget(self.title)
        root.addWidget(self.body)
        root.addSpacing(20)
        root.addWidget(self.clerk)
        root.addSpacing(20)
        root.addWidget(self.finish, alignment=Qt.AlignmentFlag.AlignCenter)
        root.addStretch(1)
        self._result: ResultReady | None = None
        self.colours = {"ACCEPT": "#3ddc84", "REVIEW": "#ffb020", "REJECT": "#ff6b6b"}
        self.retranslate()

    def retranslate(self) -> None:
        self.finish.setText(self.tr("Finish"))
        self.clerk_title.setText(self.tr("For staff"))
        if self._result is not None:
            self.show_result(self._result)

    def show_result(self, result: ResultReady) -> None:
        """Render the decision for the customer (and the clerk)."""
        self._result = result
        outcome = result.outcome
        texts = {
            "ACCEPT": (self.tr("You are verified"), self.tr("Thank you. Please take your document with you.")),
            "REVIEW": (self.tr("Almost done"), self.tr("A member of staff will check your details shortly. "
                                                       "Please take your document with you.")),
            "REJECT": (self.tr("We could not verify you"), self.tr("Please ask a member of staff for help, and take "
                                                                  "your document with you.")),
        }
        title, body = texts.get(outcome, texts["REVIEW"])
        helped = bool((result.summary.get("access") or {}).get("help_requested"))
        size = 60 if self.assisted or helped else max(60, self.height() // 6)  # the clerk's panel needs the room
        self.symbol.setText(SYMBOLS.get(outcome, "?"))
        self.symbol.setStyleSheet(f"color: {self.colours.get(outcome, '#ffffff')}; font-size: {size}px;")
        self.title.setText(title)
        self.body.setText(body)
        # A customer who asked for help is with staff now: the clerk's panel shows as in assisted mode.
        self.clerk.setVisible(self.assisted or helped)
        if self.assisted or helped:
            self.clerk_text.setText(self.clerk_summary(result))

    def clerk_summary(self, result: ResultReady) -> str:
        """Reasons and the match band for the clerk (no raw score on a screen the customer can see)."""
        s = result.summary
        score = s.get("match_score")
        if score is None:
            band = self.tr("no match score")
        elif score >= s.get("match_accept", 1.0):
            band = self.tr("above the accept threshold")
        elif score >= s.get("match_review", 1.0):
            band = self.tr("borderline (between review and accept)")
        else:
            band = self.tr("below the review threshold")
        lines = [self.tr("Decision: %1").replace("%1", result.outcome),
                 self.tr("Reasons: %1").replace("%1", ", ".join(result.reasons) or self.tr("none")),
                 self.tr("Face match: %1").replace("%1", band),
                 self.tr("Chip genuine (passive authentication): %1").replace(
                     "%1", self.tr("yes") if s.get("passive_auth") else self.tr("no")),
                 self.tr("Live challenge: %1").replace(
                     "%1", self.tr("passed") if s.get("challenge_passed") else self.tr("failed")),
                 self.tr("Session: %1").replace("%1", result.session_id or "-")]
        return "\n".join(lines)
