"""The customer's session as a state machine with its devices, headless (no Qt): what the window shows.

Public names: ``State``, ``Trigger``, ``TRANSITIONS``, ``StateMachine`` (the table), ``KioskWorkflow`` and
``Devices`` (the running session), ``KioskConfig`` and ``load_config`` (the config file), the events in
``kiosk.workflow.events``, and the demo's ``build_demo``/``Autoplay`` in ``kiosk.workflow.demo``.
"""
from kiosk.workflow.config import KioskConfig, load_config
from kiosk.workflow.controller import Devices, KioskWorkflow
from kiosk.workflow.machine import TRANSITIONS, State, StateMachine, Trigger

__all__ = ["TRANSITIONS", "Devices", "KioskConfig", "KioskWorkflow", "State", "StateMachine", "Trigger",
           "load_config"]
