"""Draw the sample digest's pictures for docs/: its charts, and its Telegram message as a phone shows it.

Run from the repository: ``PYTHONPATH=. .venv/bin/python scripts/make_digest_samples.py``. The digest is the
tests' sample (``tests/support/digest_samples.py``), in Turkish and in Arabic. The message is
drawn with Pillow, which shapes Arabic and lays it out right to left through libraqm.
"""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from bot.digests.formats.charts import digest_charts
from bot.digests.formats.telegram_html import digest_messages
from bot.shaping import font_path
from tests.support.digest_samples import municipality_digest, rollup_digest

DOCS = Path(__file__).resolve().parent.parent / "docs"
WIDTH, MARGIN, SIZE, LEADING = 720, 28, 19, 1.45
BUBBLE, PAPER, INK, QUOTE = "#ffffff", "#dfe8ee", "#1b2631", "#0d5c6b"
TAG = re.compile(r"</?[a-z]+>")


def wrapped(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float
) -> list[str]:
    """A line cut at spaces to fit ``width`` pixels."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}".strip()
        if current and draw.textlength(candidate, font=font) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current]


def first_strong_rtl(text: str) -> bool:
    """Whether the first strongly directional letter of a text is right to left."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def message_picture(message: str, rtl: bool) -> Image.Image:
    """One Telegram HTML message drawn as a chat bubble: bold lines bold, quotes with a bar."""
    regular = ImageFont.truetype(str(font_path("DejaVuSans")), SIZE)
    bold = ImageFont.truetype(str(font_path("DejaVuSans-Bold")), SIZE)
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    rows: list[tuple[str, ImageFont.FreeTypeFont, bool]] = []
    for raw in message.split("\n"):
        quote = raw.startswith("<blockquote>")
        font = bold if raw.startswith("<b>") else regular
        text = html.unescape(TAG.sub("", raw))
        inner = WIDTH - 2 * MARGIN - (24 if quote else 0)
        rows += [(piece, font, quote) for piece in wrapped(scratch, text, font, inner)]
    step = int(SIZE * LEADING)
    picture = Image.new("RGB", (WIDTH, 2 * MARGIN + step * len(rows)), PAPER)
    draw = ImageDraw.Draw(picture)
    draw.rounded_rectangle((8, 8, WIDTH - 8, picture.height - 8), radius=18, fill=BUBBLE)
    for index, (text, font, quote) in enumerate(rows):
        y = MARGIN + index * step
        indent = 24 if quote else 0
        right = first_strong_rtl(text) if quote else rtl  # a quote runs the way it is written
        direction = "rtl" if right else "ltr"
        length = draw.textlength(text, font=font, direction=direction)
        x = WIDTH - MARGIN - indent - length if right else MARGIN + indent
        if quote:
            bar = WIDTH - MARGIN - 8 if rtl else MARGIN
            draw.rectangle((bar, y, bar + 4, y + step - 4), fill=QUOTE)
        draw.text((x, y), text, font=font, fill=INK, direction=direction)
    return picture


def main() -> None:
    """Write the charts and the message pictures of the Turkish and the Arabic sample digest."""
    if not features.check("raqm"):
        raise SystemExit("Pillow was built without libraqm: Arabic would not be shaped")
    for language in ("tr", "ar"):
        digest = municipality_digest(language)
        for chart in digest_charts(digest):
            (DOCS / f"digest-chart-{chart.name}-{language}.png").write_bytes(chart.png)
        (rollup,) = digest_charts(rollup_digest(language))
        (DOCS / f"digest-chart-union-{language}.png").write_bytes(rollup.png)
        for number, message in enumerate(digest_messages(digest), start=1):
            picture = message_picture(message, rtl=language == "ar")
            picture.save(DOCS / f"digest-telegram-{language}-{number}.png", optimize=True)
    print(f"wrote the digest samples to {DOCS}")


if __name__ == "__main__":
    main()
