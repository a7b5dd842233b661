"""Face screen (the face and challenge states): the mirrored preview with the oval, one hint at a time,
then the challenge prompts with an animated icon, a countdown and the nose-target dot."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QVBoxLayout

from kiosk.workflow.events import FaceUpdate
from ui.screens.base import Screen, card, label
from ui.widgets.action_icon import ActionIcon
from ui.widgets.camera_view import CameraView

# The quality gate's hints (inference.quality), marked for translation under the context "hints".
HINTS = (
    QT_TRANSLATE_NOOP("hints", "Look at the camera"),
    QT_TRANSLATE_NOOP("hints", "Only one person in front of the camera, please"),
    QT_TRANSLATE_NOOP("hints", "Camera image too small: please ask staff for help"),
    QT_TRANSLATE_NOOP("hints", "Move closer"),
    QT_TRANSLATE_NOOP("hints", "Move back a little"),
    QT_TRANSLATE_NOOP("hints", "Centre your face in the oval"),
    QT_TRANSLATE_NOOP("hints", "More light, please"),
    QT_TRANSLATE_NOOP("hints", "Too bright: avoid strong light on your face"),
    QT_TRANSLATE_NOOP("hints", "Light your face evenly: avoid light from one side"),
    QT_TRANSLATE_NOOP("hints", "Find better lighting"),
    QT_TRANSLATE_NOOP("hints", "Look straight at the camera"),
    QT_TRANSLATE_NOOP("hints", "Open your eyes"),
    QT_TRANSLATE_NOOP("hints", "Close your mouth"),
    QT_TRANSLATE_NOOP("hints", "Hold still"),
    QT_TRANSLATE_NOOP("hints", "Take off sunglasses or anything covering your eyes"),
    QT_TRANSLATE_NOOP("hints", "Take off your mask or anything covering your face"),
    QT_TRANSLATE_NOOP("hints", "Keep your head level and look straight at the camera"),
    QT_TRANSLATE_NOOP("hints", "Keep your head straight"),
)


def hint_text(hint: str) -> str:
    """A quality hint in the current language (the English source when there is no translation)."""
    return QCoreApplication.translate("hints", hint)


class FaceScreen(Screen):
    """Live guidance, then the challenge. ``update`` takes every ``FaceUpdate``."""

    def __init__(self, camera: Any = None, mirror: bool = True) -> None:
        super().__init__()
        root = QHBoxLayout(self)
        root.setContentsMargins(30, 10, 30, 20)
        left = QVBoxLayout()
        self.view = CameraView(camera, mirror=mirror)
        self.hint = label(role="hint")
        self.hint.hide()
        left.addWidget(self.view, 1)
        left.addWidget(self.hint, alignment=Qt.AlignmentFlag.AlignCenter)
        panel, side = card()
        panel.setMinimumWidth(380)
        panel.setMaximumWidth(600)
        self.title = label(role="title")
        self.step_of = label(role="subtitle")
        self.icon = ActionIcon()
        self.prompt = label(role="title")
        self.countdown = label(role="subtitle")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(False)
        side.addWidget(self.title)
        side.addWidget(self.step_of)
        side.addWidget(self.icon, 1)
        side.addWidget(self.prompt)
        side.addWidget(self.progress)
        side.addWidget(self.countdown)
        root.addLayout(left, 3)
        root.addWidget(panel, 2)
        self._last: FaceUpdate | None = None
        self.retranslate()

    def retranslate(self) -> None:
        self.show_update(self._last)

    def entered(self, event: Any) -> None:
        """Start the preview; a new session starts without an overlay."""
        if str(getattr(event, "state", "")) == "face":
            self._last = None
            self.view.face = None
            self.show_update(None)
        self.view.start()

    def left(self) -> None:
        """Stop the preview (another screen is shown)."""
        self.view.stop()

    def prompt_text(self, action: str) -> str:
        """What to do, in words."""
        return {
            "turn_left": self.tr("Turn your head to your left"),
            "turn_right": self.tr("Turn your head to your right"),
            "look_up": self.tr("Look up"),
            "look_down": self.tr("Look down"),
            "blink": self.tr("Blink"),
            "nose_to_target": self.tr("Move your nose to the yellow dot"),
            "move_closer": self.tr("Move closer to the camera"),
        }.get(action, action)

    def show_update(self, event: FaceUpdate | None) -> None:
        """Render one analysed frame's guidance."""
        self._last = event
        if event is not None:
            self.view.update_face(event)
        step = event.step if event is not None else None
        if step is None:
            done = event is not None and event.steps_total and event.step_index >= event.steps_total
            self.title.setText(self.tr("Well done") if done else self.tr("Look at the camera"))
            self.step_of.setText("" if done else self.tr("Put your face inside the oval and hold still."))
            self.prompt.setText("")
            self.countdown.setText("")
            self.progress.hide()
            self.icon.set_action(None)
        else:
            self.title.setText(self.tr("Follow the prompt"))
            self.step_of.setText(self.tr("Step %1 of %2").replace("%1", str(event.step_index + 1))
                                 .replace("%2", str(event.steps_total)))
            self.prompt.setText(self.prompt_text(step))
            self.icon.set_action(step)
            self.progress.show()
            self.progress.setValue(round(100 * event.step_progress))
            left = event.seconds_left
            self.countdown.setText("" if left is None else self.tr("%1 s left").replace("%1", str(int(left + 0.999))))
        hint = event.hint if event is not None and step is None else None
        self.hint.setVisible(bool(hint))
        if hint:
            self.hint.setText(hint_text(hint))
