"""The real devices from the config: the allow-listed camera and the PC/SC (or nfcpy) passport reader.

The camera is ``hardware.camera.OpenCvCamera`` (capture thread, injection allow-list, replug recovery);
its allow-list decision is kept for the session evidence. The reader is wrapped in the workflow's
``CardReader`` shape: ``connect`` waits briefly for a document and raises ``TimeoutError`` when none is
there yet (the chip screen keeps waiting), a ``HardwareError`` when the reader itself is missing.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from hardware.camera import OpenCvCamera
from hardware.nfc.config import ReaderConfig
from hardware.nfc.errors import NoCardError

from kiosk.workflow.config import KioskConfig
from kiosk.workflow.controller import Devices


class ConfiguredReader:
    """The configured reader as a ``CardReader``."""

    def __init__(self, config: ReaderConfig) -> None:
        self.config = config
        self.description = (f"nfcpy {config.nfcpy_path}" if config.backend == "nfcpy"
                            else f"PC/SC {config.pcsc_reader or '(first reader)'}")

    def connect(self, timeout: float) -> Any:
        """A connection to the document on the reader (``TimeoutError`` while there is none)."""
        try:
            if self.config.backend == "nfcpy":
                from hardware.nfc.nfcpy_backend import NfcpyConnection

                return NfcpyConnection(self.config.nfcpy_path, wait_s=timeout)
            from hardware.nfc.pcsc import PcscConnection, wait_for_card

            return PcscConnection(wait_for_card(self.config.pcsc_reader, timeout=timeout))
        except NoCardError as exc:
            raise TimeoutError(str(exc)) from exc


def open_devices(config: KioskConfig, data_dir: Path) -> Devices:
    """The camera, the reader and the kiosk's trust store (``DIR/trust``, built by ``kiosk trust import``)."""
    from hardware.emrtd.trust import TrustStore

    trust_folder = Path(data_dir) / "trust"
    trust = TrustStore.load(trust_folder) if trust_folder.is_dir() else TrustStore()
    return Devices(camera=OpenCvCamera(config.devices.camera), reader=ConfiguredReader(config.devices.reader),
                   trust=trust)
