"""Cutting a long text into messages a channel accepts, at line boundaries where possible.

The one splitter of the project: each channel passes its own limit (``MAX_TEXT`` of
``bot.channels.telegram.render`` and of ``bot.channels.whatsapp.render``). Lengths are counted in
UTF-16 code units, as Telegram counts them; that is never less than the characters Twilio counts
for WhatsApp, so a part that fits here fits there too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence


def text_length(text: str) -> int:
    """Length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """The text in parts of at most ``limit``, cut at line boundaries where possible."""
    if text_length(text) <= limit:
        return [text] if text.strip() else []
    return split_pieces(text.splitlines(), limit)


def split_pieces(pieces: Sequence[str], limit: int) -> list[str]:
    """Pieces, one below the other, in as few parts of at most ``limit`` as hold them.

    A piece (a line, or a section of lines) is cut only if it is longer than a part: between
    its lines, and a line too long by itself at spaces. Blank lines at the edge of a part are
    dropped, and so are blank parts.
    """
    parts: list[str] = []
    current = ""
    for atom, new_line in _atoms(pieces, limit):
        if not current:  # empty lines do not start a part
            current = atom
            continue
        joined = current + ("\n" if new_line else "") + atom
        if text_length(joined) > limit:
            parts.append(current)
            joined = atom
        current = joined
    parts.append(current)
    return [part.strip("\n") for part in parts if part.strip()]


def _atoms(pieces: Sequence[str], limit: int) -> Iterator[tuple[str, bool]]:
    """What ``split_pieces`` never cuts, each with whether it starts a line: a piece that fits
    a part, else each of its lines, else each cut of a line too long by itself."""
    for piece in pieces:
        if text_length(piece) <= limit:
            yield piece, True
            continue
        for line in piece.splitlines() or [""]:
            for index, cut in enumerate(_cut_line(line, limit)):
                yield cut, index == 0


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
