"""The one decoder of video clips: allow-listed containers and codecs, demuxed from memory, bounded.

A clip is opened by PyAV (FFmpeg's libraries) with the demuxer chosen from the content's magic bytes, never
by FFmpeg's probing: an ffconcat text (``file /some/server/path``), an HLS or DASH playlist, an image
sequence or any protocol cannot be reached, because only these demuxers are ever named:

- MP4 / QuickTime (ISO BMFF: ``ftyp``, or the QuickTime atoms ``moov``, ``mdat``, ``wide``, ``free``, ``skip``),
  opened with external data references off (``enable_drefs`` is FFmpeg's default; it is set explicitly);
- Matroska / WebM (EBML magic ``1A 45 DF A3``);
- AVI (``RIFF....AVI ``).

Video codecs allowed: H.264, VP8, VP9, AV1 (what phones and browsers record), MPEG-4 part 2 (what OpenCV's
``mp4v`` writer makes) and Motion JPEG (what webcams and OpenCV's ``MJPG`` writer make). FFmpeg is given
the same list as its ``codec_whitelist``, so no other decoder is opened even while it reads stream
parameters. The bytes are read from memory (or from a file object the caller opened): nothing is written
to disk. Each frame is bounded by ``max_pixels`` inside the decoder (FFmpeg's ``max_pixels``), each Motion
JPEG frame's scans are counted before it is decoded, and reading stops after ``max_frames`` frames.
"""
from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any, BinaryIO

import numpy as np

from inference.errors import BadClipError, ImageTooComplexError, ImageTooLargeError
from inference.image_decode import check_pixels, jpeg_scan_count

# FFmpeg demuxer for each allowed container.
CONTAINERS = {"mp4": "mov", "matroska": "matroska", "avi": "avi"}
CONTAINER_NAMES = "MP4/QuickTime, Matroska/WebM or AVI"
# FFmpeg codec names of the allowed video codecs, and the decoders FFmpeg may open for them.
CODECS = {"h264": "H.264", "vp8": "VP8", "vp9": "VP9", "av1": "AV1", "mpeg4": "MPEG-4 part 2", "mjpeg": "Motion JPEG"}
DECODERS = ("h264", "vp8", "vp9", "libvpx", "libvpx-vp9", "av1", "libdav1d", "mpeg4", "mjpeg")
_QUICKTIME_ATOMS = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")


def sniff_clip_container(head: bytes) -> str | None:
    """``mp4``, ``matroska`` or ``avi`` from a clip's first bytes; ``None`` for anything else."""
    if len(head) >= 8 and head[4:8] in _QUICKTIME_ATOMS:
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    return None


def _describe(head: bytes) -> str:
    """What a refused clip looks like, for the error (the format only, never its content)."""
    if head.startswith(b"ffconcat"):
        return "an FFmpeg concat list"
    if head.startswith(b"#EXTM3U"):
        return "an HLS playlist"
    if head.lstrip().startswith(b"<"):
        return "XML/HTML text (a DASH manifest?)"
    return "not a readable video (no MP4/QuickTime, Matroska/WebM or AVI signature)"


def _refuse_nested_open(url: str, flags: int, options: dict[str, Any]) -> Any:
    # A demuxer asking to open another resource (a playlist entry, a reference) is refused outright.
    raise BadClipError("the clip refers to another file or URL; a clip must be self-contained")


class ClipReader:
    """An opened clip: container and codec checked, nothing decoded yet. Iterate for (BGR frame, seconds)."""

    def __init__(self, source: bytes | BinaryIO, what: str, *, max_pixels: int, max_frames: int | None = None):
        """Open ``source`` (bytes, or a binary file object the caller opened) as a clip; ``BadClipError``."""
        import av

        self.what, self.max_pixels, self.max_frames = what, max_pixels, max_frames
        fileobj: BinaryIO = io.BytesIO(source) if isinstance(source, (bytes, bytearray, memoryview)) else source
        start = fileobj.tell()
        head = fileobj.read(16)
        fileobj.seek(start)
        kind = sniff_clip_container(head)
        if kind is None:
            raise BadClipError(f"{what} is {_describe(head)}; accepted: {CONTAINER_NAMES}")
        self.kind = kind
        try:
            self._container = av.open(
                fileobj, mode="r", format=CONTAINERS[kind], metadata_errors="replace", io_open=_refuse_nested_open,
                container_options={"codec_whitelist": ",".join(DECODERS), "enable_drefs": "0",
                                   "use_absolute_path": "0"})
        except BadClipError:
            raise
        except Exception as exc:  # PyAV raises FFmpegError subclasses (OSError, ValueError...)
            raise BadClipError(f"{what} is not a readable {kind} file (truncated or corrupt)") from exc
        try:
            self._stream = self._check_stream()
        except BaseException:
            self._container.close()
            raise

    def _check_stream(self) -> Any:
        videos = self._container.streams.video
        if not videos:
            raise BadClipError(f"{self.what} holds no video stream")
        stream = videos[0]
        name = stream.codec_context.name if stream.codec_context is not None else None
        if name not in CODECS:
            raise BadClipError(f"{self.what}: video codec {name or 'unknown'} is not accepted; accepted: "
                               f"{', '.join(CODECS.values())}")
        try:
            check_pixels(stream.width, stream.height, self.max_pixels, f"{self.what}: a frame")
        except ImageTooLargeError as exc:
            raise BadClipError(str(exc)) from exc
        # Decoder-side bound: FFmpeg refuses any frame over this many pixels, even after a size change.
        stream.codec_context.options = {"max_pixels": str(self.max_pixels)}
        return stream

    @property
    def size(self) -> tuple[int, int]:
        """Width and height the container declares for the video stream."""
        return int(self._stream.width), int(self._stream.height)

    def close(self) -> None:
        """Release the demuxer and decoder (iteration does this when it ends)."""
        self._container.close()

    def __iter__(self) -> Iterator[tuple[np.ndarray, float]]:
        return self._frames()

    def _frames(self) -> Iterator[tuple[np.ndarray, float]]:
        stream, n, first, last = self._stream, 0, None, None
        fps = float(stream.average_rate or stream.guessed_rate or 30)
        try:
            for packet in self._container.demux(stream):
                if self.max_frames is not None and n >= self.max_frames:
                    return  # stop reading: the rest of the clip is neither demuxed nor decoded
                if stream.codec_context.name == "mjpeg" and packet.size:
                    jpeg_scan_count(bytes(packet))  # a many-scan frame is refused before it is decoded
                for frame in self._decode(packet):
                    if frame.width * frame.height > self.max_pixels:
                        raise BadClipError(f"{self.what}: a frame of {frame.width}x{frame.height} pixels, over the "
                                           f"limit of {self.max_pixels:,}")
                    t = frame.time
                    first = t if first is None and t is not None else first
                    # The frame's own timestamp (variable frame rate clips); the frame rate if it has none.
                    t = (t - first) if t is not None and first is not None else n / fps
                    if last is not None and t <= last:
                        t = last + 1.0 / fps
                    last = t
                    yield frame.to_ndarray(format="bgr24"), t
                    n += 1
                    if self.max_frames is not None and n >= self.max_frames:
                        return
        except BadClipError:
            raise
        except ImageTooComplexError as exc:
            raise BadClipError(f"{self.what}: a Motion JPEG frame: {exc}") from exc
        except Exception as exc:  # the demuxer's FFmpegError on damaged data; fail closed with the typed error
            raise BadClipError(f"{self.what} cannot be read past frame {n} (truncated or corrupt)") from exc
        finally:
            self._container.close()
        if n == 0:
            raise BadClipError(f"{self.what} holds no decodable frames")

    def _decode(self, packet: Any) -> list[Any]:
        try:
            return list(packet.decode())
        except BadClipError:
            raise
        except Exception as exc:  # FFmpegError subclasses: corrupt data, a frame over max_pixels...
            raise BadClipError(f"{self.what}: a frame cannot be decoded (corrupt, or over the limit of "
                               f"{self.max_pixels:,} pixels)") from exc


def open_clip(source: bytes | BinaryIO, what: str, *, max_pixels: int, max_frames: int | None = None) -> ClipReader:
    """Open a clip (checked: container by magic bytes, codec, declared frame size); iterate it for frames.

    ``BadClipError`` for anything not accepted or unreadable, here or while iterating. Iterating stops
    reading after ``max_frames`` frames.
    """
    return ClipReader(source, what, max_pixels=max_pixels, max_frames=max_frames)
