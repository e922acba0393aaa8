"""Words that act as commands when they are the whole message: opting out, opting in, joining.

People on WhatsApp (and on Telegram, for the same reason) write words, not /commands: STOP,
DUR, İPTAL or توقف stop notices, START, BAŞLA or ابدأ turn them on again, and "join CODE",
"katıl CODE" or "انضم CODE" join an assembly. Case, accents, the dotted and dotless i, Arabic
hamza and the elongation stroke do not matter; a keyword inside a longer message is just text.
"""

from __future__ import annotations

from handlers.text_input import fold

STOP_WORDS = frozenset({"stop", "dur", "iptal", "توقف"})
START_WORDS = frozenset({"start", "basla", "ابدا"})
JOIN_WORDS = frozenset({"join", "katil", "انضم"})
TATWEEL = "\u0640"
TRIMMED = ".!?،؟ "


def _word(text: str) -> str:
    """One word folded for matching, without surrounding punctuation."""
    return fold(text.replace(TATWEEL, "")).strip(TRIMMED)


def keyword_command(text: str) -> tuple[str, str] | None:
    """The command a keyword message stands for, with its argument, or None."""
    words = text.split()
    if len(words) == 1 and _word(words[0]) in STOP_WORDS:
        return "stop", ""
    if len(words) == 1 and _word(words[0]) in START_WORDS:
        return "start", ""
    if len(words) == 2 and _word(words[0]) in JOIN_WORDS:
        return "start", words[1].strip(TRIMMED)
    return None
