"""Cutting a long text into messages a channel accepts, at line boundaries where possible.

Lengths are counted in UTF-16 code units, as Telegram counts them; that is never less than the
characters Twilio counts for WhatsApp, so a part that fits here fits there too.
"""

from __future__ import annotations


def text_length(text: str) -> int:
    """Length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """The text in parts of at most ``limit``, cut at line boundaries where possible."""
    if text_length(text) <= limit:
        return [text] if text.strip() else []
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        for piece in _cut_line(line, limit):
            if current and text_length(current + piece) > limit:
                parts.append(current)
                current = ""
            current += piece
    parts.append(current)
    return [part.rstrip("\n") for part in parts if part.strip()]


def _cut_line(line: str, limit: int) -> list[str]:
    """A single line too long for one message, cut at spaces where possible."""
    pieces: list[str] = []
    while text_length(line) > limit:
        end = _fitting_prefix(line, limit)
        space = line.rfind(" ", end // 2, end)
        cut = space + 1 if space > 0 else end
        pieces.append(line[:cut])
        line = line[cut:]
    pieces.append(line)
    return pieces


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)
