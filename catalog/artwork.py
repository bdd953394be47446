"""Generated product pictures: drawn with Pillow from a product's name and category.

Two kinds: the artwork the demo loader gives every product (`render_product_art`: a
gradient in the category's colours, a motif picked from the name, the short name) and the
placeholder of a product nobody has photographed yet (`render_placeholder`: its initials).
Pure drawing, no Django: catalog.images decides where the pictures are stored and served.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

INK = (31, 41, 51)
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts")



def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.blake2b("|".join(parts).encode(), digest_size=8).digest(), "big")


def _rgb(h: float, s: float, v: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return round(r * 255), round(g * 255), round(b * 255)


@dataclass(frozen=True)
class Palette:
    top: tuple[int, int, int]
    bottom: tuple[int, int, int]
    motif: tuple[int, int, int]
    motif_soft: tuple[int, int, int]
    label: tuple[int, int, int]


# Hues that read well as pastels; a hash of the category picks one.
HUES = (0.0, 0.06, 0.11, 0.16, 0.29, 0.41, 0.5, 0.57, 0.63, 0.7, 0.78, 0.88)


def hue_for(category: str) -> float:
    return HUES[_digest(category.lower()) % len(HUES)]


def palette_for(category: str) -> Palette:
    """Soft colours from a hash of the category: one category, one family of colours."""
    hue = hue_for(category)
    return Palette(
        top=_rgb(hue, 0.10, 0.99),
        bottom=_rgb(hue + 0.03, 0.26, 0.93),
        motif=_rgb(hue - 0.02, 0.55, 0.78),
        motif_soft=_rgb(hue + 0.08, 0.30, 0.96),
        label=_rgb(hue, 0.70, 0.42),
    )


@lru_cache(maxsize=32)
def _font(size: int, *, bold: bool) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    filename = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        path = os.path.join(folder, filename)
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    # Pillow >= 10.1 ships a scalable default font (FreeType) when no TTF is installed.
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=16)
def _gradient(size: int, top: tuple, bottom: tuple) -> Image.Image:
    mask = Image.linear_gradient("L").resize((size, size))
    return Image.composite(Image.new("RGB", (size, size), bottom), Image.new("RGB", (size, size), top), mask)


def short_name(name: str, *, words: int = 5) -> str:
    """ "WHITE HANGING HEART T-LIGHT HOLDER" -> "White Hanging Heart T-Light Holder"."""
    parts = name.split()
    shown = " ".join(parts[:words]) + ("…" if len(parts) > words else "")
    if shown.isupper() or shown.islower():
        # str.title() would give "50'S"; capitalise words and hyphenated parts only.
        shown = re.sub(r"(^|[\s-])([a-z])", lambda m: m.group(1) + m.group(2).upper(), shown.lower())
    return shown


@lru_cache(maxsize=8192)
def _word(word: str, font) -> tuple[Image.Image, int, int, float]:
    """A word's anti-aliased mask, its offset from the pen position and its advance.

    Rasterising text is most of the cost of a picture, and the demo's names share a small
    vocabulary: each word is drawn once per process and pasted from then on.
    """
    left, top, right, bottom = font.getbbox(word)
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), word, font=font, fill=255)
    return mask, left, top, font.getlength(word)


@lru_cache(maxsize=32)
def _space(font) -> float:
    return font.getlength(" ")


def _line_width(words: list[str], font) -> float:
    space = _space(font)
    return sum(_word(word, font)[3] for word in words) + space * (len(words) - 1)


def _wrap(text: str, font, width: int, max_lines: int) -> list[list[str]]:
    """The words of `text` on at most `max_lines` lines no wider than `width` (an ellipsis
    ends the last one when words are left over)."""
    lines: list[list[str]] = []
    current: list[str] = []
    for word in text.split():
        if not current or _line_width([*current, word], font) <= width:
            current.append(word)
        else:
            lines.append(current)
            current = [word]
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = [*lines[-1][:-1], lines[-1][-1].rstrip("…") + "…"]
    return lines


def _draw_words(image: Image.Image, words: list[str], font, *, x: float, y: int, fill: tuple) -> None:
    space = _space(font)
    for word in words:
        mask, left, top, advance = _word(word, font)
        image.paste(fill, (round(x) + left, y + top), mask)
        x += advance + space


MOTIF_KEYWORDS = (
    ("heart", ("HEART", "LOVE", "VALENTINE")),
    ("star", ("STAR", "CHRISTMAS", "XMAS", "SNOWFLAKE")),
    ("bag", ("BAG", "TOTE", "PURSE", "SHOPPER")),
    ("mug", ("MUG", "CUP", "TEACUP", "TEA", "COFFEE")),
    ("candle", ("CANDLE", "T-LIGHT", "TLIGHT", "LANTERN", "LIGHT")),
    ("box", ("BOX", "TIN", "CASE", "HAMPER")),
)
# Whole words, plurals included: "TINS" is a tin, "BUNTING" is not.
MOTIF_PATTERNS = tuple(
    (motif, re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")(?:S|ES)?\b"))
    for motif, words in MOTIF_KEYWORDS
)
FALLBACK_MOTIFS = ("circles", "diamond", "rings")


def motif_for(name: str) -> str:
    upper = name.upper()
    for motif, pattern in MOTIF_PATTERNS:
        if pattern.search(upper):
            return motif
    return FALLBACK_MOTIFS[_digest(name) % len(FALLBACK_MOTIFS)]


def _draw_motif(draw: ImageDraw.ImageDraw, motif: str, s: int) -> None:
    """Draw a white-on-black mask of a simple shape filling an s×s box."""
    fill = 255
    if motif == "heart":
        r = s * 0.25
        draw.ellipse((s * 0.5 - 2 * r, s * 0.18, s * 0.5, s * 0.18 + 2 * r), fill=fill)
        draw.ellipse((s * 0.5, s * 0.18, s * 0.5 + 2 * r, s * 0.18 + 2 * r), fill=fill)
        lobes_y = s * 0.18 + 1.35 * r
        draw.polygon([(s * 0.5 - 1.93 * r, lobes_y), (s * 0.5 + 1.93 * r, lobes_y), (s * 0.5, s * 0.92)], fill=fill)
    elif motif == "star":
        cx, cy, outer, inner = s / 2, s * 0.53, s * 0.46, s * 0.19
        points = []
        for i in range(10):
            radius = outer if i % 2 == 0 else inner
            angle = -math.pi / 2 + i * math.pi / 5
            points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
        draw.polygon(points, fill=fill)
    elif motif == "bag":
        draw.rounded_rectangle((s * 0.14, s * 0.34, s * 0.86, s * 0.94), radius=s * 0.07, fill=fill)
        draw.arc((s * 0.3, s * 0.08, s * 0.7, s * 0.56), start=180, end=360, fill=fill, width=max(2, round(s * 0.06)))
    elif motif == "mug":
        draw.rounded_rectangle((s * 0.12, s * 0.22, s * 0.7, s * 0.9), radius=s * 0.08, fill=fill)
        draw.ellipse((s * 0.56, s * 0.36, s * 0.9, s * 0.72), outline=fill, width=max(2, round(s * 0.07)))
    elif motif == "candle":
        draw.rounded_rectangle((s * 0.3, s * 0.42, s * 0.7, s * 0.95), radius=s * 0.05, fill=fill)
        draw.ellipse((s * 0.4, s * 0.06, s * 0.6, s * 0.36), fill=fill)
    elif motif == "box":
        draw.rounded_rectangle((s * 0.1, s * 0.36, s * 0.9, s * 0.92), radius=s * 0.05, fill=fill)
        draw.rounded_rectangle((s * 0.04, s * 0.22, s * 0.96, s * 0.38), radius=s * 0.04, fill=fill)
    elif motif == "diamond":
        draw.polygon([(s / 2, s * 0.04), (s * 0.96, s / 2), (s / 2, s * 0.96), (s * 0.04, s / 2)], fill=fill)
    elif motif == "rings":
        width = max(2, round(s * 0.09))
        draw.ellipse((s * 0.04, s * 0.04, s * 0.96, s * 0.96), outline=fill, width=width)
        draw.ellipse((s * 0.27, s * 0.27, s * 0.73, s * 0.73), fill=fill)
    else:  # circles
        draw.ellipse((s * 0.02, s * 0.2, s * 0.62, s * 0.8), fill=fill)
        draw.ellipse((s * 0.5, s * 0.36, s * 0.98, s * 0.84), fill=fill)
        draw.ellipse((s * 0.38, s * 0.04, s * 0.74, s * 0.4), fill=fill)


def _motif_mask(motif: str, side: int) -> Image.Image:
    # Drawn at twice the size and reduced: ImageDraw does not anti-alias shapes.
    mask = Image.new("L", (side * 2, side * 2), 0)
    _draw_motif(ImageDraw.Draw(mask), motif, side * 2)
    return mask.reduce(2)


@lru_cache(maxsize=256)
def _art_background(category: str, motif: str, size: int) -> Image.Image:
    """Gradient, motif and category label: the same for every product of a category that
    gets the same motif, so it is drawn once per process and copied (the demo loader's
    pictures share far fewer backgrounds than there are products)."""
    palette = palette_for(category)
    image = _gradient(size, palette.top, palette.bottom).copy()
    side = round(size * 0.42)
    mask = _motif_mask(motif, side)
    left, top = (size - side) // 2, round(size * 0.17)
    # A soft offset "shadow" in a lighter tint gives depth without a costly blur.
    offset = max(1, size // 60)
    image.paste(palette.motif_soft, (left + offset * 3, top + offset * 3), mask)
    image.paste(palette.motif, (left, top), mask)
    margin = round(size * 0.08)
    label_font = _font(max(9, size // 28), bold=True)
    ImageDraw.Draw(image).text((margin, margin * 0.8), category.upper()[:28], font=label_font, fill=palette.label)
    return image


def render_product_art(*, name: str, category: str, size: int) -> Image.Image:
    """An illustrative square picture: a soft gradient in the category's colours, a shape
    chosen from the name ("heart", "mug", …) and the product's short name, readable.

    Drawn at the requested size (no larger drawing scaled down): text rasterised for its
    final size is sharper, and a thumbnail drawn small costs far less than a large one.
    """
    image = _art_background(category, motif_for(name), size).copy()
    margin = round(size * 0.08)
    title_font = _font(max(10, size // 15), bold=True)
    lines = _wrap(short_name(name), title_font, size - 2 * margin, max_lines=2)
    line_height = round(title_font.size * 1.18) if hasattr(title_font, "size") else size // 12
    y = size - margin - line_height * len(lines)
    for words in lines:
        width = _line_width(words, title_font)
        _draw_words(image, words, title_font, x=(size - width) / 2, y=y, fill=INK)
        y += line_height
    return image


# "SET OF 6 SPICE TINS" is "ST", not "SO".
INITIALS_SKIP = {"A", "AN", "AND", "OF", "THE", "SET", "PACK", "BOX", "WITH", "IN"}


def render_placeholder(*, name: str, category: str, size: int) -> Image.Image:
    """The picture of a product nobody has photographed yet: its initials on its
    category's colours, so a page of new products still looks cared for."""
    palette = palette_for(category or name)
    image = _gradient(size, palette.top, palette.bottom).copy()
    draw = ImageDraw.Draw(image)
    radius = size * 0.3
    centre = size / 2
    draw.ellipse((centre - radius, centre - radius, centre + radius, centre + radius), fill=palette.motif_soft)
    words = [word for word in name.split() if word[:1].isalpha() and word.upper() not in INITIALS_SKIP]
    initials = "".join(word[0] for word in words)[:2].upper() or name[:1].upper() or "?"
    font = _font(max(10, round(size * 0.22)), bold=True)
    draw.text((centre, centre), initials, font=font, fill=palette.label, anchor="mm")
    return image
