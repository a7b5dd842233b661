"""VIDIOC_QUERYCAP: what the kernel driver behind a /dev/videoN node says it is.

``struct v4l2_capability`` (linux/videodev2.h), 104 bytes::

    __u8  driver[16];    e.g. "uvcvideo", "v4l2 loopback", "akvcam"
    __u8  card[32];      the device's name (settable by anyone for virtual devices)
    __u8  bus_info[32];  "usb-0000:00:14.0-2" for USB, "platform:v4l2loopback-000" for loopback
    __u32 version;
    __u32 capabilities;  of the whole physical device
    __u32 device_caps;   of this node (valid when capabilities has V4L2_CAP_DEVICE_CAPS)
    __u32 reserved[3];

The ioctl number is ``_IOR('V', 0, struct v4l2_capability)`` = 0x80685600.
"""
from __future__ import annotations

import errno
import fcntl
import os
import struct
from dataclasses import dataclass

from hardware.camera.errors import CameraError

_LAYOUT = struct.Struct("<16s32s32sIII12x")
QUERYCAP_SIZE = _LAYOUT.size  # 104
VIDIOC_QUERYCAP = (2 << 30) | (QUERYCAP_SIZE << 16) | (ord("V") << 8) | 0

CAP_VIDEO_CAPTURE = 0x00000001
CAP_VIDEO_OUTPUT = 0x00000002
CAP_VIDEO_CAPTURE_MPLANE = 0x00001000
CAP_META_CAPTURE = 0x00800000
CAP_STREAMING = 0x04000000
CAP_DEVICE_CAPS = 0x80000000


@dataclass(frozen=True)
class QueryCap:
    """The decoded answer of VIDIOC_QUERYCAP."""

    driver: str
    card: str
    bus_info: str
    version: int
    capabilities: int
    device_caps: int

    @property
    def node_caps(self) -> int:
        """Capabilities of this node (device_caps when the driver fills it, else the device's)."""
        return self.device_caps if self.capabilities & CAP_DEVICE_CAPS else self.capabilities

    @property
    def can_capture(self) -> bool:
        """True when this node delivers video frames (not a metadata or output-only node)."""
        return bool(self.node_caps & (CAP_VIDEO_CAPTURE | CAP_VIDEO_CAPTURE_MPLANE))

    @property
    def version_text(self) -> str:
        """The kernel version the driver reports, as ``major.minor.patch``."""
        return f"{self.version >> 16}.{(self.version >> 8) & 0xFF}.{self.version & 0xFF}"


def _text(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", errors="replace")


def parse_querycap(raw: bytes) -> QueryCap:
    """Decode a ``struct v4l2_capability``; raises ``CameraError`` when it is not 104 bytes."""
    if len(raw) != QUERYCAP_SIZE:
        raise CameraError(f"VIDIOC_QUERYCAP answer has {len(raw)} bytes, expected {QUERYCAP_SIZE}")
    driver, card, bus, version, caps, dcaps = _LAYOUT.unpack(raw)
    return QueryCap(_text(driver), _text(card), _text(bus), version, caps, dcaps)


def pack_querycap(cap: QueryCap) -> bytes:
    """Encode ``cap`` as the kernel would (for recorded answers in tests and fixtures)."""
    return _LAYOUT.pack(cap.driver.encode(), cap.card.encode(), cap.bus_info.encode(), cap.version,
                        cap.capabilities, cap.device_caps)


def query_capabilities(node: str) -> QueryCap:
    """Ask the driver behind ``node`` (e.g. ``/dev/video0``) what it is.

    Opens the node non-blocking and read-only (no streaming starts). Raises ``CameraError`` with the
    reason (missing node, no permission: add the user to the ``video`` group, not a V4L2 device).
    """
    try:
        fd = os.open(node, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise CameraError(f"camera node {node} does not exist (unplugged?)") from exc
    except PermissionError as exc:
        raise CameraError(f"no permission to open {node}: add the kiosk user to the 'video' group") from exc
    except OSError as exc:
        raise CameraError(f"cannot open {node}: {exc.strerror}") from exc
    try:
        buf = bytearray(QUERYCAP_SIZE)
        fcntl.ioctl(fd, VIDIOC_QUERYCAP, buf, True)
    except OSError as exc:
        if exc.errno in (errno.ENOTTY, errno.EINVAL):
            raise CameraError(f"{node} is not a V4L2 video device") from exc
        raise CameraError(f"VIDIOC_QUERYCAP on {node} failed: {exc.strerror}") from exc
    finally:
        os.close(fd)
    return parse_querycap(bytes(buf))
