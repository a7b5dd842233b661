"""Development pages that look like the real ones the locator missed (issue 24's misses, item 5).

``render_page`` draws a tidy page; real photos and scans were missed because of what lies around the MRZ.
Each scene adds one such thing to a rendered page, then photographs or scans it:

* ``dense``: an ID card scanned flat, with lines of small printed text right above the band (1-2 mm away);
* ``facing``: a passport spread, the facing page above carrying a paragraph or a block of three evenly
  spaced long lines (TD1-like: the wrong region to choose);
* ``pattern``: a SAMPLE/SPECIMEN overprint and red guilloche lines across the page, the MRZ included;
* ``screenshot``: a phone app's screen: the page turned 12-25 degrees with perspective, a coloured frame
  drawn around the MRZ, a software label beside it and a row of buttons right under it;
* ``rotated``: a camera frame turned 15-30 degrees with perspective;
* ``lowres``: a card's front and back side by side in one small image, MRZ characters 8-10 px tall.

Everything is drawn from the generator given, so a seed gives the same pages. Seeds below
``DEV_SEED_LIMIT`` are for development (choosing constants); held-out sets use seeds at or above it, so a
constant is never tuned on the pages it is judged on.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from kiosk.errors import BadInputError
from kiosk.mrz.render import PX_PER_MM, Degradation, degrade, encode_png, mrz_box, ocr_b_path, render_page

SCENES = ("dense", "facing", "pattern", "screenshot", "rotated", "lowres")
DEV_SEED_LIMIT = 1_000_000
_WORDS = ("REPUBLIC", "OF", "THE", "HOLDER", "SIGNATURE", "AUTHORITY", "DATE", "ISSUE", "NATIONALITY", "PLACE",
          "BIRTH", "this", "document", "remains", "property", "of", "the", "state", "valid", "for", "travel", "to",
          "all", "countries", "name", "given", "names", "observations", "page", "bearer", "request", "permit",
          "pass", "freely", "without", "let", "or", "hindrance", "afford", "assistance", "protection", "needed")


def _prose_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)  # Pillow's bundled proportional font: no extra package


def _sentence(rng: np.random.Generator, n: int) -> str:
    return " ".join(_WORDS[int(i)] for i in rng.integers(0, len(_WORDS), n))


def _line_to_width(rng: np.random.Generator, font: ImageFont.FreeTypeFont, width: float) -> str:
    """Words until the line is about ``width`` pixels long (a justified paragraph's full line)."""
    words: list[str] = []
    while True:
        word = _WORDS[int(rng.integers(0, len(_WORDS)))]
        if font.getlength(" ".join(words + [word])) > width:
            return " ".join(words) if words else word
        words.append(word)


def _page(lines: list[str], fmt: str, rng: np.random.Generator) -> tuple[Image.Image, tuple[float, ...]]:
    page = render_page(lines, fmt, rng)
    return Image.fromarray(page[..., ::-1].copy()), mrz_box(fmt, len(lines), len(lines[0]))


def _bgr(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("RGB"))[..., ::-1].copy()


def _dense_text(img: Image.Image, box: tuple[float, ...], rng: np.random.Generator) -> None:
    """Three to five lines of small print ending 1-2 mm above the band, as wide as it."""
    draw = ImageDraw.Draw(img)
    x0, y0, x1, _ = box
    size = int(rng.uniform(1.6, 2.2) * PX_PER_MM)
    font = _prose_font(size)
    y = y0 - rng.uniform(1.0, 2.0) * PX_PER_MM - size
    for _ in range(int(rng.integers(3, 6))):
        draw.text((x0 + rng.uniform(0, 2) * PX_PER_MM, y), _line_to_width(rng, font, x1 - x0), fill=(30, 30, 45),
                  font=font)
        y -= size * rng.uniform(1.15, 1.4)


def _overprint(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A SAMPLE/SPECIMEN overprint and red guilloche lines across the whole page (the MRZ too)."""
    w, h = img.size
    layer = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(layer)
    font = _prose_font(int(rng.uniform(8, 14) * PX_PER_MM))
    word = str(rng.choice(["SAMPLE", "SPECIMEN", "MUSTER"]))
    for y in range(0, h, int(rng.uniform(12, 20) * PX_PER_MM)):
        draw.text((rng.uniform(-40, 40), y), (word + "  ") * 4, fill=255, font=font)
    layer = layer.rotate(float(rng.uniform(15, 35)), resample=Image.Resampling.BILINEAR)
    colour = np.array(rng.choice([[200, 60, 60], [150, 150, 160], [60, 90, 200]]), np.float32)
    alpha = np.asarray(layer, np.float32)[..., None] / 255 * rng.uniform(0.3, 0.6)
    base = np.asarray(img.convert("RGB"), np.float32)
    out = base * (1 - alpha) + colour * alpha
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for _ in range(int(rng.integers(3, 7))):  # wavy security lines, as dark as some print
        wave = np.abs(np.sin(xx / rng.uniform(15, 40) + np.sin(yy / rng.uniform(30, 90)) * 3 + rng.uniform(0, 6)))
        lines = (wave < rng.uniform(0.04, 0.1)).astype(np.float32)[..., None] * rng.uniform(0.3, 0.6)
        out = out * (1 - lines) + np.array([200, 60, 70], np.float32) * lines
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def _camera(page: np.ndarray, rng: np.random.Generator, *, rotate: float, perspective: float,
            frame_size: tuple[int, int] = (1280, 720), scale: float | None = None) -> np.ndarray:
    d = Degradation(rotate_deg=rotate, perspective=perspective, blur_sigma=float(rng.uniform(0, 1.0)),
                    light_gradient=float(rng.uniform(0, 0.35)), noise_sigma=float(rng.uniform(0, 5)),
                    jpeg_quality=int(rng.integers(60, 90)),
                    scale=float(rng.uniform(0.7, 0.9)) if scale is None else scale)
    return degrade(page, d, rng, frame_size)


def _scan(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A flatbed scan: the page on white, barely turned, light noise and JPEG."""
    h, w = page.shape[:2]
    return _camera(page, rng, rotate=float(rng.uniform(-2, 2)), perspective=0.0,
                   frame_size=(int(w * 1.15), int(h * 1.2)), scale=0.85)


def _facing(lines: list[str], fmt: str, rng: np.random.Generator) -> np.ndarray:
    """The data page with the facing page above it; on the facing page a paragraph or three even lines."""
    img, box = _page(lines, fmt, rng)
    w, h = img.size
    spread = Image.new("RGB", (w, 2 * h), tuple(int(v) for v in rng.integers(215, 245, 3)))
    spread.paste(img, (0, h))
    draw = ImageDraw.Draw(spread)
    draw.line([(0, h), (w, h)], fill=(150, 140, 140), width=3)  # the fold
    x0, _, x1, _ = box
    if rng.random() < 0.5:  # a block of three evenly spaced long lines, spaced like an MRZ
        font = _prose_font(int(rng.uniform(2.8, 3.6) * PX_PER_MM))
        gap = rng.uniform(4.0, 5.5) * PX_PER_MM
        top = rng.uniform(0.35, 0.7) * h
        for i in range(3):
            text = _line_to_width(rng, font, x1 - x0).upper()
            draw.text((x0, top + i * gap), text, fill=(25, 25, 35), font=font)
    else:  # a justified paragraph
        font = _prose_font(int(rng.uniform(2.2, 3.0) * PX_PER_MM))
        y = rng.uniform(0.25, 0.5) * h
        for _ in range(int(rng.integers(5, 9))):
            draw.text((x0, y), _line_to_width(rng, font, x1 - x0), fill=(25, 25, 35), font=font)
            y += font.size * 1.45
    page = _bgr(spread)
    return _camera(page, rng, rotate=float(rng.uniform(-6, 6)), perspective=float(rng.uniform(0, 0.04)),
                   frame_size=(1200, 1600), scale=0.9)


def _screenshot(lines: list[str], fmt: str, rng: np.random.Generator) -> np.ndarray:
    """A phone app's screen: the page photographed at an angle, a coloured frame drawn around its MRZ, a
    label beside the frame and a row of buttons right under it."""
    img, box = _page(lines, fmt, rng)
    page = _bgr(img)
    ph, pw = page.shape[:2]
    sw, sh = 1080, 1920
    canvas = np.full((sh, sw, 3), rng.integers(20, 60), np.uint8) if rng.random() < 0.5 else \
        np.full((sh, sw, 3), rng.integers(225, 250), np.uint8)
    angle = float(rng.choice([-1, 1]) * rng.uniform(12, 25))
    s = 0.85 * sw / pw
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    corners = (src - [pw / 2, ph / 2]) * s + rng.uniform(-0.05, 0.05, (4, 2)) * [pw * s, ph * s]
    a = np.deg2rad(angle)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    dst = np.float32(corners @ rot.T + [sw / 2, sh * 0.42])
    m = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(page, m, (sw, sh), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), m, (sw, sh)) > 0
    canvas[mask] = warped[mask]
    x0, y0, x1, y1 = box
    pad = 1.5 * PX_PER_MM
    quad = np.float32([[x0 - pad, y0 - pad], [x1 + pad, y0 - pad], [x1 + pad, y1 + pad], [x0 - pad, y1 + pad]])
    quad = cv2.perspectiveTransform(quad[None], m)[0]
    ui = Image.fromarray(canvas[..., ::-1].copy())
    draw = ImageDraw.Draw(ui)
    colour = tuple(int(v) for v in rng.choice([[40, 200, 90], [250, 170, 20], [30, 140, 255], [230, 40, 60]]))
    draw.polygon([tuple(p) for p in quad.tolist()], outline=colour, width=int(rng.integers(4, 9)))
    label_font = _prose_font(int(rng.uniform(30, 44)))
    # Just above the frame's highest corner: beside the band, never over its glyphs.
    lx, ly = float(quad[:, 0].min()), float(quad[:, 1].min()) - 1.3 * label_font.size
    draw.text((max(10.0, lx), max(70.0, ly)), str(rng.choice(["MRZ detected", "Scanning MRZ", "MRZ"])),
              fill=colour, font=label_font)
    # The buttons: a row under the band, as wide as the screen, each a rounded box with a word.
    by = float(quad[:, 1].max()) + rng.uniform(30, 70)
    names = ["Retake", "Use photo", "Cancel", "Help"][: int(rng.integers(2, 5))]
    bw = (sw - 60) / len(names)
    fill = tuple(int(v) for v in rng.integers(40, 200, 3))
    for i, name in enumerate(names):
        bx = 30 + i * bw
        draw.rounded_rectangle([bx + 8, by, bx + bw - 8, by + 90], radius=24, fill=fill)
        draw.text((bx + 30, by + 25), name, fill=(255, 255, 255), font=label_font)
    draw.rectangle([0, 0, sw, 60], fill=(0, 0, 0))
    draw.text((30, 12), "09:41", fill=(255, 255, 255), font=label_font)
    shot = _bgr(ui)
    _, buf = cv2.imencode(".jpg", shot, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(70, 92))])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def _front(fmt: str, rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """A card's front: photo, title, field labels and values (no MRZ)."""
    w, h = size
    img = Image.new("RGB", size, tuple(int(v) for v in rng.integers(205, 240, 3)))
    draw = ImageDraw.Draw(img)
    draw.rectangle([int(0.05 * w), int(0.2 * h), int(0.32 * w), int(0.85 * h)],
                   fill=tuple(int(v) for v in rng.integers(90, 170, 3)))
    big, small = _prose_font(int(0.07 * h)), _prose_font(int(0.045 * h))
    draw.text((int(0.3 * w), int(0.04 * h)), "IDENTITY CARD" if fmt != "TD3" else "PASSPORT", fill=(60, 30, 30),
              font=big)
    for i in range(6):
        y = int(0.22 * h + i * 0.1 * h)
        draw.text((int(0.38 * w), y), _sentence(rng, 2).upper(), fill=(80, 80, 90), font=small)
        draw.text((int(0.38 * w), y + int(0.045 * h)), _sentence(rng, 1).upper(), fill=(20, 20, 30), font=small)
    return img


def _lowres(lines: list[str], fmt: str, rng: np.random.Generator) -> np.ndarray:
    """Front and back side by side, shrunk so the MRZ characters stand 8-10 px tall, SAMPLE overprinted."""
    back, box = _page(lines, fmt, rng)
    if rng.random() < 0.5:
        _dense_text(back, box, rng)
    back = _overprint(back, rng)
    w, h = back.size
    sheet = Image.new("RGB", (2 * w + 60, h + 40), (250, 250, 250))
    sheet.paste(_overprint(_front(fmt, rng, (w, h)), rng), (20, 20))
    sheet.paste(back, (w + 40, 20))
    # OCR-B capitals stand 0.73 of the font size (3.4 mm): 24.8 px at 10 px/mm.
    factor = rng.uniform(8, 10) / (0.73 * 3.4 * PX_PER_MM)
    small = cv2.resize(_bgr(sheet), None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), float(rng.uniform(0.3, 0.7)))
    _, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(60, 85))])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def render_scene(lines: list[str], fmt: str, scene: str, rng: np.random.Generator) -> np.ndarray:
    """A BGR image of an MRZ page of format ``fmt`` in ``scene`` (one of ``SCENES``)."""
    if scene == "facing":
        return _facing(lines, fmt, rng)
    if scene == "screenshot":
        return _screenshot(lines, fmt, rng)
    if scene == "lowres":
        return _lowres(lines, fmt, rng)
    img, box = _page(lines, fmt, rng)
    if scene == "dense":
        _dense_text(img, box, rng)
        return _scan(_bgr(img), rng)
    if scene == "pattern":
        return _camera(_bgr(_overprint(img, rng)), rng, rotate=float(rng.uniform(-6, 6)),
                       perspective=float(rng.uniform(0, 0.04)))
    if scene == "rotated":
        return _camera(_bgr(img), rng, rotate=float(rng.choice([-1, 1]) * rng.uniform(15, 30)),
                       perspective=float(rng.uniform(0.03, 0.08)))
    raise BadInputError(f"unknown scene {scene!r}; use one of {', '.join(SCENES)}")


def synthesise_scenes(out: Path, count: int, seed: int, scenes: tuple[str, ...] = SCENES,
                      formats: tuple[str, ...] = ("TD1", "TD2", "TD3")) -> Path:
    """Write ``count`` images per scene and ``labels.csv`` (the ``kiosk eval mrz`` columns plus ``scene``)
    into ``out``; returns the CSV path. Document ``i`` of a scene is drawn from the seed, the scene and ``i``
    alone, so a page never changes when the count or the scene list does."""
    from kiosk.mrz.synth import random_mrz, write_labels  # the MRZ text generator (random valid fields)

    if count < 1:
        raise BadInputError("--count must be at least 1")
    bad = [s for s in scenes if s not in SCENES]
    if bad:
        raise BadInputError(f"unknown scenes {bad}; use {', '.join(SCENES)}")
    ocr_b_path()  # fail before writing anything when the font is absent
    out.mkdir(parents=True, exist_ok=True)
    labels = out / "labels.csv"
    if labels.exists():
        raise BadInputError(f"{labels} already exists: choose an empty folder")
    rows = []
    for s, scene in enumerate(scenes):
        for i in range(count):
            rng = np.random.default_rng([seed, SCENES.index(scene), i])
            fmt = formats[i % len(formats)]
            mrz = random_mrz(rng, fmt)
            name = f"{scene}_{i:04d}.png"
            (out / name).write_bytes(encode_png(render_scene(mrz.lines, fmt, scene, rng)))
            rows.append([name, mrz.document_number, mrz.birth_date, mrz.expiry_date, fmt, f"{scene}_{i:04d}", scene])
    return write_labels(labels, "scene", rows)
