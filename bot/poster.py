"""The assembly's poster: one A4 page, a Turkish half and an Arabic half, each with QR codes.

Every line is shaped and put in visual order first (``bot.shaping``), then drawn with Pillow's
basic layout, the same on every machine. The page is laid
out once, in pixels at 300 dpi, as a list of shapes; ``render_png`` draws them with Pillow and
``render_pdf`` with reportlab (vector text and QR modules, so the print is sharp at any size).
The fonts are the DejaVu Sans that matplotlib ships: Turkish letters and Arabic presentation forms.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Literal, NamedTuple
from urllib.parse import quote

import qrcode  # type: ignore[import-untyped]
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from bot.shaping import font_path, visual
from handlers.i18n.core import N_, RTL_LANGUAGES, gettext, isolate, use_language

POSTER_LANGUAGES = ("tr", "ar")
DPI = 300
WIDTH, HEIGHT = 2480, 3508  # A4 portrait at 300 dpi
HALF = HEIGHT // 2
MARGIN = 150
QR_COLUMN = 840
GAP = 110

REGULAR, BOLD, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"
INK, BODY, MUTED, BAND, RULE = "#1b2631", "#2e3b47", "#56636f", "#0d5c6b", "#c9d3db"

Align = Literal["left", "right", "center"]
Matrix = tuple[tuple[bool, ...], ...]


class PosterLink(NamedTuple):
    """One way to join: the channel's name (a msgid, said in each half's language) and its link."""

    label: str
    url: str


@dataclass(frozen=True)
class PosterContent:
    """What the poster says: the assembly, its municipality, and the links to join it."""

    join_code: str
    assembly: Mapping[str, str]
    municipality: Mapping[str, str]
    links: tuple[PosterLink, ...]


@dataclass(frozen=True)
class Box:
    """A filled rectangle, in pixels from the top left."""

    x0: int
    y0: int
    x1: int
    y1: int
    color: str
    radius: int = 0


@dataclass(frozen=True)
class Text:
    """One line already in visual order, placed by its baseline."""

    x: int
    y: int
    text: str
    font: str
    size: int
    color: str
    align: Align


@dataclass(frozen=True)
class QrCode:
    """A QR code's modules (quiet zone included), dark ones drawn."""

    x: int
    y: int
    module: int
    matrix: Matrix


Shape = Box | Text | QrCode


def telegram_link(bot_username: str, join_code: str) -> PosterLink:
    """The Telegram deep link that opens the bot with the join code."""
    return PosterLink(N_("Telegram"), f"https://t.me/{bot_username}?start={join_code}")


def whatsapp_link(number: str, join_code: str) -> PosterLink:
    """WhatsApp's click-to-chat link: it opens a chat with the bot's number, "join CODE" typed.

    The English keyword is used on both halves: every keyword joins, and it keeps the link
    under the code short and legible (katıl and انضم would be percent-escaped).
    """
    text = quote(f"join {join_code}")
    return PosterLink(N_("WhatsApp"), f"https://wa.me/{number.removeprefix('+')}?text={text}")


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """A font for measuring and drawing, with Pillow's basic layout (the text is shaped here)."""
    return ImageFont.truetype(str(font_path(name)), size, layout_engine=ImageFont.Layout.BASIC)


def width(text: str, font: str, size: int) -> float:
    """How wide a visual line is drawn, in pixels."""
    return float(_font(font, size).getlength(text))


def wrap(text: str, font: str, size: int, room: int, rtl: bool) -> list[str]:
    """Visual lines of the text broken between words to fit ``room`` pixels."""
    lines: list[str] = []
    current: list[str] = []
    for word in text.split():
        if current and width(visual(" ".join([*current, word]), font, rtl), font, size) > room:
            lines.append(" ".join(current))
            current = []
        current.append(word)
    if current:
        lines.append(" ".join(current))
    return [visual(line, font, rtl) for line in lines]


def fit(
    text: str, font: str, size: int, room: int, rtl: bool, max_lines: int
) -> tuple[int, list[str]]:
    """The largest size, down to half of ``size``, at which the text fits in ``max_lines`` lines."""
    smallest = size // 2
    while True:
        lines = wrap(text, font, size, room, rtl)
        fits = len(lines) <= max_lines and all(width(line, font, size) <= room for line in lines)
        if fits or size <= smallest:
            return size, lines
        size = max(smallest, size * 9 // 10)


def url_lines(url: str, size: int, room: int) -> list[str]:
    """A link broken before its query, then wherever it must, to fit ``room`` pixels."""
    if width(url, MONO, size) <= room:
        return [url]
    head, mark, query = url.partition("?")
    parts = [head, mark + query] if mark else [url]
    per_line = max(1, int(room // width("M", MONO, size)))
    return [part[i : i + per_line] for part in parts for i in range(0, len(part), per_line)]


def qr_matrix(url: str) -> Matrix:
    """The QR code of a link (error correction M, a quiet zone of 4 modules)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


class _Column:
    """Lines set one under another in a column, aligned to its start side."""

    def __init__(self, left: int, right: int, top: int, rtl: bool) -> None:
        self.left, self.right, self.y, self.rtl = left, right, top, rtl
        self.shapes: list[Shape] = []

    def lines(
        self, lines: list[str], font: str, size: int, color: str, align: Align, leading: float = 1.3
    ) -> None:
        """Add visual lines; ``align`` center puts them in the middle of the column."""
        x = {"left": self.left, "right": self.right, "center": (self.left + self.right) // 2}[align]
        for line in lines:
            self.shapes.append(Text(x, self.y + round(size * 0.93), line, font, size, color, align))
            self.y += round(size * leading)

    def text(self, text: str, font: str, size: int, color: str, leading: float = 1.3) -> None:
        """Add wrapped text aligned to the start side of the language."""
        lines = wrap(text, font, size, self.right - self.left, self.rtl)
        self.lines(lines, font, size, color, "right" if self.rtl else "left", leading)


def _half(content: PosterContent, language: str, top: int) -> Iterator[Shape]:
    """One language's half of the page, from ``top`` down."""
    rtl = language in RTL_LANGUAGES
    start: Align = "right" if rtl else "left"
    band_top = top + 110
    band_bottom = band_top + 270
    yield Box(MARGIN, band_top, WIDTH - MARGIN, band_bottom, BAND, radius=36)
    inner = WIDTH - 2 * MARGIN - 140
    size, names = fit(content.assembly[language], BOLD, 100, inner, rtl, max_lines=2)
    band = _Column(MARGIN + 70, WIDTH - MARGIN - 70, 0, rtl)
    band.y = (band_top + band_bottom) // 2 - round(size * 1.2 * len(names)) // 2
    band.lines(names, BOLD, size, "#ffffff", start, leading=1.2)
    yield from band.shapes

    body_top, body_bottom = band_bottom + 100, top + HALF - 190
    qr_left = MARGIN if rtl else WIDTH - MARGIN - QR_COLUMN
    text_left = qr_left + QR_COLUMN + GAP if rtl else MARGIN
    text_right = WIDTH - MARGIN if rtl else qr_left - GAP
    words = _Column(text_left, text_right, body_top, rtl)
    words.text(gettext("Join the assembly"), BOLD, 112, INK, leading=1.2)
    words.y += 40
    words.text(
        gettext(
            "Answer short polls and tell the municipality what you think, "
            "in Turkish, Arabic or English."
        ),
        REGULAR,
        56,
        BODY,
        leading=1.4,
    )
    words.y += 40
    words.text(
        gettext("The municipality only ever sees totals. Nobody sees how you answered."),
        REGULAR,
        46,
        MUTED,
        leading=1.4,
    )
    words.y += 70
    words.text(gettext("Scan with your phone camera"), BOLD, 60, INK)
    words.text(
        gettext("Join code: {code}").format(code=isolate(content.join_code)), REGULAR, 56, BODY
    )
    yield from words.shapes
    yield from _codes(content.links, qr_left, body_top, body_bottom, rtl)

    yield Box(MARGIN, top + HALF - 160, WIDTH - MARGIN, top + HALF - 156, RULE)
    room = WIDTH - 2 * MARGIN
    size, names = fit(_municipality_name(content.municipality, language), BOLD, 56, room, rtl, 1)
    footer = _Column(MARGIN, WIDTH - MARGIN, top + HALF - 125, rtl)
    footer.lines(names[:1], BOLD, size, MUTED, start)
    yield from footer.shapes


def _codes(
    links: tuple[PosterLink, ...], left: int, top: int, bottom: int, rtl: bool
) -> Iterator[Shape]:
    """A QR code per link, stacked in the column, each with its label above and its link below."""
    column = _Column(left, left + QR_COLUMN, top, rtl)
    label_size, url_size = 60, 42
    matrices = [qr_matrix(link.url) for link in links]
    url_texts = [url_lines(link.url, url_size, QR_COLUMN) for link in links]
    text_height = sum(
        round(label_size * 1.3) + 50 + round(url_size * 1.3) * len(u) for u in url_texts
    )
    side = min(
        QR_COLUMN, (bottom - top - text_height - 60 * (len(links) - 1)) // max(1, len(links))
    )
    for link, matrix, urls in zip(links, matrices, url_texts, strict=True):
        column.lines([visual(gettext(link.label), BOLD, rtl)], BOLD, label_size, INK, "center")
        module = max(1, side // len(matrix))
        size = module * len(matrix)
        column.shapes.append(QrCode(left + (QR_COLUMN - size) // 2, column.y, module, matrix))
        column.y += size + 10
        column.lines(urls, MONO, url_size, BODY, "center")
        column.y += 60
    return iter(column.shapes)


def _municipality_name(names: Mapping[str, str], language: str) -> str:
    """The municipality's name in the language, else its Turkish (official) one."""
    return names.get(language) or names.get("tr") or next(iter(names.values()), "")


def lay_out_poster(content: PosterContent) -> tuple[Shape, ...]:
    """The whole page as shapes: the Turkish half above the Arabic one."""
    shapes: list[Shape] = []
    for index, language in enumerate(POSTER_LANGUAGES):
        with use_language(language):
            shapes.extend(_half(content, language, index * HALF))
    return tuple(shapes)


def _runs(row: tuple[bool, ...]) -> Iterator[tuple[int, int]]:
    """The (start, end) of each run of dark modules in a row."""
    start = None
    for index, dark in enumerate((*row, False)):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            yield start, index
            start = None


ANCHORS = {"left": "ls", "right": "rs", "center": "ms"}


def render_png(shapes: tuple[Shape, ...]) -> bytes:
    """The page as a 300-dpi PNG."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "#ffffff")
    draw = ImageDraw.Draw(image)
    for shape in shapes:
        if isinstance(shape, Box):
            box = (shape.x0, shape.y0, shape.x1 - 1, shape.y1 - 1)
            draw.rounded_rectangle(box, radius=shape.radius, fill=shape.color)
        elif isinstance(shape, Text):
            font = _font(shape.font, shape.size)
            draw.text(
                (shape.x, shape.y),
                shape.text,
                fill=shape.color,
                font=font,
                anchor=ANCHORS[shape.align],
            )
        else:
            m = shape.module
            for r, row in enumerate(shape.matrix):
                for a, b in _runs(row):
                    y = shape.y + r * m
                    draw.rectangle(
                        (shape.x + a * m, y, shape.x + b * m - 1, y + m - 1), fill="#000000"
                    )
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(DPI, DPI), optimize=True)
    return out.getvalue()


def render_pdf(shapes: tuple[Shape, ...], title: str = "") -> bytes:
    """The page as a one-page A4 PDF with the fonts embedded."""
    for name in (REGULAR, BOLD, MONO):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(font_path(name))))
    scale = A4[0] / WIDTH
    page_height = A4[1]
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("reslog poster")
    for shape in shapes:
        if isinstance(shape, Box):
            canvas.setFillColor(HexColor(shape.color))
            x, y = shape.x0 * scale, page_height - shape.y1 * scale
            w, h = (shape.x1 - shape.x0) * scale, (shape.y1 - shape.y0) * scale
            canvas.roundRect(x, y, w, h, shape.radius * scale, stroke=0, fill=1)
        elif isinstance(shape, Text):
            canvas.setFillColor(HexColor(shape.color))
            canvas.setFont(shape.font, shape.size * scale)
            x, y = shape.x * scale, page_height - shape.y * scale
            draw = {
                "left": canvas.drawString,
                "right": canvas.drawRightString,
                "center": canvas.drawCentredString,
            }[shape.align]
            draw(x, y, shape.text)
        else:
            canvas.setFillColor(HexColor("#000000"))
            m = shape.module * scale
            overlap = m * 0.02  # rows overlap a little, so no viewer shows seams between them
            for r, row in enumerate(shape.matrix):
                for a, b in _runs(row):
                    x = shape.x * scale + a * m
                    y = page_height - shape.y * scale - (r + 1) * m
                    canvas.rect(x, y - overlap, (b - a) * m, m + 2 * overlap, stroke=0, fill=1)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
