"""Reading what people type: cleaning text, reading numbers in any digits, matching choices."""

from __future__ import annotations

import re
import unicodedata

from handlers.core.events import Choice

MAX_TEXT_LENGTH = 4096

# Bidirectional embedding, override and isolate controls: a sender can use them to disguise text.
_BIDI_CONTROLS = dict.fromkeys(
    [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069], None
)
_DIGIT_TRANSLATION = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_NUMBER = re.compile(r"^[+-]?\d+$")
_SEPARATORS = re.compile(r"[\s,،;؛/]+")


def clean_text(raw: str) -> str:
    """Normalise text and drop control and direction-override characters (newlines and tabs stay)."""
    text = unicodedata.normalize("NFC", raw).translate(_BIDI_CONTROLS)
    kept = [ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")]
    return "".join(kept).strip()


def to_western_digits(text: str) -> str:
    """Arabic-Indic (٤٢) and Persian (۴۲) digits as 0-9."""
    return text.translate(_DIGIT_TRANSLATION)


def parse_int(text: str) -> int | None:
    """The whole number the text holds, in any digits, or None."""
    candidate = to_western_digits(text).strip().replace(" ", "")
    if not _NUMBER.match(candidate) or len(candidate) > 12:
        return None
    return int(candidate)


def fold(text: str) -> str:
    """Text folded for loose matching: case, accents and dotted/dotless i do not matter."""
    decomposed = unicodedata.normalize("NFKD", text.replace("İ", "i").replace("ı", "i"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def match_choice(text: str, choices: tuple[Choice, ...]) -> Choice | None:
    """The choice a typed reply names: its number in the list, or its label."""
    number = parse_int(text)
    if number is not None:
        return choices[number - 1] if 1 <= number <= len(choices) else None
    folded = fold(text)
    for choice in choices:
        if fold(choice.label) == folded:
            return choice
    return None


def chosen_value(text: str, choices: tuple[Choice, ...]) -> str | None:
    """The value of the button a typed reply names (its data after the nonce), or None."""
    matched = match_choice(text, choices)
    return matched.data.partition(":")[2] if matched is not None else None


def parse_numbers(text: str) -> list[int] | None:
    """Several list numbers in one reply ("1 3", "1,3", "١ ٣"), or None if any part is not one."""
    parts = [part for part in _SEPARATORS.split(to_western_digits(text)) if part]
    numbers = [parse_int(part) for part in parts]
    if not numbers or any(number is None for number in numbers):
        return None
    return [number for number in numbers if number is not None]
