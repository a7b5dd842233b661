"""The one decoder of encoded images: JPEG, PNG and JPEG 2000, recognised by their magic bytes, bounded.

Every image that enters the system (API uploads, ``kiosk verify`` portraits, DG2 portraits, the console's
stored evidence, dataset images) is decoded by :func:`decode_image`. Before any pixel is decoded:

- the format is taken from the content's magic bytes, and only JPEG, PNG and JPEG 2000 are accepted; Pillow
  is then told that one format, so it never probes its other plugins (TIFF, BMP, GIF, WebP, ICO, ...);
- the byte size, and the width x height from the header, are checked against the caller's limits;
- the decoding *work* is bounded from the bytes: a JPEG's scans (SOS markers) are counted, a JPEG 2000's
  tiles and components are read from its SIZ marker. Progressive JPEG decoding costs a pass over the whole
  image per scan, so 20,000 empty scans in 1.3 MB took 16 s; such files are refused here in milliseconds.
"""
from __future__ import annotations

import io
import struct
import warnings
from typing import Literal

import numpy as np

from inference.errors import BadImageError, ImageTooComplexError, ImageTooLargeError, UnsupportedImageError

ImageFormat = Literal["jpeg", "png", "jpeg2000"]
ACCEPTED = "JPEG, PNG or JPEG 2000"
# Pillow's plugin name for each accepted format.
PILLOW_FORMAT = {"jpeg": "JPEG", "png": "PNG", "jpeg2000": "JPEG2000"}
MEDIA_TYPE = {"jpeg": "image/jpeg", "png": "image/png", "jpeg2000": "image/jp2"}

# A baseline JPEG has 1 scan (3 when its components are not interleaved); libjpeg's progressive script has
# 10 (6 for greyscale) and optimising encoders (mozjpeg) stay near that. 64 leaves room for every encoder
# seen in cameras and passports and bounds decoding at a few times a normal progressive JPEG.
MAX_JPEG_SCANS = 64
# Passport and camera JPEG 2000 files have 1 tile (large scans a few dozen); 3 components (4 with alpha).
MAX_J2K_TILES = 4096
MAX_J2K_COMPONENTS = 4
_ORIENTATION = 0x0112  # EXIF tag

_MAGIC: tuple[tuple[bytes, int, ImageFormat], ...] = (
    (b"\xff\xd8\xff", 0, "jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "png"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", 0, "jpeg2000"),  # JP2 file (signature box)
    (b"\xff\x4f\xff\x51", 0, "jpeg2000"),  # raw codestream: SOC then SIZ
)
# Magic bytes of formats we refuse, only to name them in the error (a person can then convert the file).
_KNOWN_OTHERS = ((b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"BM", "BMP"), (b"GIF8", "GIF"),
                 (b"RIFF", "RIFF (WebP?)"), (b"\x00\x00\x01\x00", "ICO"), (b"DDS ", "DDS"), (b"qoif", "QOI"),
                 (b"\x01\xda", "SGI"), (b"\x0a", "PCX"), (b"P1", "PBM"), (b"P2", "PGM"), (b"P3", "PPM"),
                 (b"P4", "PBM"), (b"P5", "PGM"), (b"P6", "PPM"), (b"%PDF", "PDF"), (b"\x1a\x45\xdf\xa3", "Matroska"))


def sniff_image_format(data: bytes) -> ImageFormat | None:
    """``jpeg``, ``png`` or ``jpeg2000`` from the content's magic bytes; ``None`` for anything else."""
    for magic, offset, fmt in _MAGIC:
        if data[offset:offset + len(magic)] == magic:
            return fmt
    return None


def _name_of(data: bytes) -> str:
    for magic, name in _KNOWN_OTHERS:
        if data.startswith(magic):
            return name
    return "an unrecognised format"


def require_format(data: bytes, what: str) -> ImageFormat:
    """The accepted format of ``data`` from its magic bytes, else ``UnsupportedImageError`` naming both."""
    fmt = sniff_image_format(data)
    if fmt is None:
        raise UnsupportedImageError(f"{what} is {_name_of(data)}, not an accepted image format ({ACCEPTED})")
    return fmt


def jpeg_scan_count(data: bytes, limit: int = MAX_JPEG_SCANS) -> int:
    """The scans (SOS segments) of a JPEG's first image, walking its marker segments; stops above ``limit``.

    Raises ``ImageTooComplexError`` above ``limit``. A truncated or damaged structure is left to the decoder
    (it raises ``BadImageError`` there); this only has to count what the decoder would see.
    """
    n, i, scans = len(data), 2, 0
    while i + 1 < n:
        if data[i] != 0xFF:  # garbage between segments: libjpeg skips to the next marker, so do we
            i = data.find(b"\xff", i)
            if i < 0:
                break
            continue
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xD9:  # EOI: the decoder stops here
            break
        if marker == 0x01 or 0xD0 <= marker <= 0xD7 or marker == 0x00:
            i += 2
            continue
        if i + 4 > n:
            break
        (length,) = struct.unpack_from(">H", data, i + 2)
        i += 2 + length
        if marker != 0xDA:
            continue
        scans += 1
        if scans > limit:
            raise ImageTooComplexError(f"JPEG with more than {limit} scans (progressive passes); real cameras "
                                       "and passports use 1 to about 10; not decoded")
        # Entropy-coded data: ends at the first 0xFF not followed by 0x00 (stuffing) or a restart marker.
        while True:
            i = data.find(b"\xff", i)
            if i < 0 or i + 1 >= n:
                return scans
            nxt = data[i + 1]
            if nxt == 0x00 or 0xD0 <= nxt <= 0xD7:
                i += 2
                continue
            if nxt == 0xFF:
                i += 1
                continue
            break
    return scans


def _j2k_codestream(data: bytes) -> int:
    """Offset of the codestream (SOC) in a JP2 file or raw codestream; -1 when there is none."""
    if data.startswith(b"\xff\x4f\xff\x51"):
        return 0
    i, n = 0, len(data)
    while i + 8 <= n:
        lbox, tbox = struct.unpack_from(">I4s", data, i)
        header = 8
        if lbox == 1:
            if i + 16 > n:
                return -1
            (lbox,) = struct.unpack_from(">Q", data, i + 8)
            header = 16
        elif lbox == 0:
            lbox = n - i
        if tbox == b"jp2c":
            return i + header
        if lbox < header:
            return -1
        i += lbox
    return -1


def check_j2k_structure(data: bytes, what: str) -> None:
    """Refuse a JPEG 2000 whose SIZ declares more tiles or components than any portrait has."""
    at = _j2k_codestream(data)
    if at < 0 or data[at:at + 4] != b"\xff\x4f\xff\x51" or at + 42 > len(data):
        raise BadImageError(f"{what}: JPEG 2000 without a readable codestream header (truncated or corrupt)")
    xsiz, ysiz, xo, yo, xt, yt, xto, yto, csiz = struct.unpack_from(">IIIIIIIIH", data, at + 8)
    if xt == 0 or yt == 0 or xsiz <= xo or ysiz <= yo or xsiz <= xto or ysiz <= yto:
        raise BadImageError(f"{what}: JPEG 2000 header declares an empty image or tile (corrupt)")
    tiles = -(-(xsiz - xto) // xt) * -(-(ysiz - yto) // yt)
    if tiles > MAX_J2K_TILES or csiz > MAX_J2K_COMPONENTS:
        raise ImageTooComplexError(f"{what}: JPEG 2000 of {tiles:,} tiles and {csiz} components, over the limit "
                                   f"of {MAX_J2K_TILES} tiles and {MAX_J2K_COMPONENTS} components; not decoded")


def check_structure(data: bytes, fmt: ImageFormat, what: str) -> None:
    """Bound the decoding work from the bytes alone (scans of a JPEG, tiles of a JPEG 2000)."""
    if fmt == "jpeg":
        try:
            jpeg_scan_count(data)
        except ImageTooComplexError as exc:
            raise ImageTooComplexError(f"{what}: {exc}") from None
    elif fmt == "jpeg2000":
        check_j2k_structure(data, what)


def check_pixels(width: int, height: int, max_pixels: int, what: str) -> None:
    """Raise ``ImageTooLargeError`` when ``width`` x ``height`` is over ``max_pixels``."""
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"{what} is {width}x{height} pixels, over the limit of {max_pixels:,} pixels; not decoded "
            "(use a smaller image, or raise InputLimits)")


def decode_image(data: bytes, what: str, max_bytes: int, max_pixels: int) -> tuple[np.ndarray, ImageFormat]:
    """Decode an encoded image to RGB uint8 (H x W x 3), with its format; every check before any pixel.

    Raises ``UnsupportedImageError`` (not JPEG, PNG or JPEG 2000, by content), ``ImageTooLargeError`` (bytes
    or header pixels over the limits), ``ImageTooComplexError`` (too many JPEG scans or JPEG 2000 tiles), or
    ``BadImageError`` (truncated or corrupt). An EXIF orientation is applied, as a viewer (and OpenCV's
    ``imdecode``) would. Messages name ``what``, never the content. The array may be read-only.
    """
    from PIL import Image, ImageOps

    if not data:
        raise BadImageError(f"{what} is empty")
    if len(data) > max_bytes:
        raise ImageTooLargeError(f"{what} has {len(data):,} bytes, over the limit of {max_bytes:,} bytes for an "
                                 "image; not decoded")
    fmt = require_format(data, what)
    check_structure(data, fmt, what)
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own (higher) bound; the limit checked below is the one that decides.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[PILLOW_FORMAT[fmt]]) as im:  # header only
                width, height = im.size
                check_pixels(width, height, max_pixels, what)
                im.load()  # raises on a truncated or corrupt file (OpenCV would return a partial picture)
                out: Image.Image = im
                if im.getexif().get(_ORIENTATION, 1) != 1:  # most files have nothing to rotate: skip the copy
                    out = ImageOps.exif_transpose(im)
                rgb = np.asarray(out if out.mode == "RGB" else out.convert("RGB"))
    except ImageTooLargeError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"{what} declares more pixels than Pillow's own safety bound, far over the limit "
                                 f"of {max_pixels:,} pixels; not decoded") from exc
    except Exception as exc:  # Pillow's decoders raise OSError, ValueError, SyntaxError, EOFError, struct.error...
        raise BadImageError(f"{what} cannot be decoded as {PILLOW_FORMAT[fmt]} (truncated or corrupt)") from exc
    if sorted(rgb.shape[:2]) != sorted((height, width)):  # EXIF orientation may swap the sides, nothing else
        raise BadImageError(f"{what}: decoded size differs from its header (malformed file)")
    return rgb, fmt
