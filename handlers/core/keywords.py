"""Words that act as commands when they are the whole message: opting out, opting in, joining.

People on WhatsApp (and on Telegram, for the same reason) write words, not /commands: STOP,
DUR, İPTAL or توقف stop notices, START, BAŞLA or ابدأ turn them on again, "join CODE",
"katıl CODE" or "انضم CODE" join an assembly, and HELP, POLLS, MYDATA, PRIVACY and FORGET
(YARDIM, ANKETLER, VERİLERİM, GİZLİLİK, UNUT; مساعدة، استطلاعات، بياناتي، خصوصية، انسني) do
what their /command does (forgetting still asks to confirm). Case, accents, the dotted and dotless i, Arabic
hamza and the elongation stroke do not matter; a keyword inside a longer message is just text.
"""

from __future__ import annotations

from handlers.core.text_input import fold

JOIN_WORDS = frozenset({"join", "katil", "انضم"})
# Each command's words, folded (see ``_word``): English, Turkish, Arabic.
COMMAND_WORDS: dict[str, frozenset[str]] = {
    "stop": frozenset({"stop", "dur", "iptal", "توقف"}),
    "start": frozenset({"start", "basla", "ابدا"}),
    "help": frozenset({"help", "yardim", "مساعدة"}),
    "polls": frozenset({"polls", "anketler", "استطلاعات"}),
    "mydata": frozenset({"mydata", "verilerim", "بياناتي"}),
    "forget": frozenset({"forget", "unut", "انسني"}),
    "privacy": frozenset({"privacy", "gizlilik", "خصوصية", "الخصوصية"}),
}
TATWEEL = "\u0640"
TRIMMED = ".!?،؟ "


def _word(text: str) -> str:
    """One word folded for matching, without surrounding punctuation."""
    return fold(text.replace(TATWEEL, "")).strip(TRIMMED)


def keyword_command(text: str) -> tuple[str, str] | None:
    """The command a keyword message stands for, with its argument, or None."""
    words = text.split()
    if len(words) == 1:
        word = _word(words[0])
        return next(((name, "") for name, known in COMMAND_WORDS.items() if word in known), None)
    if len(words) == 2 and _word(words[0]) in JOIN_WORDS:
        return "start", words[1].strip(TRIMMED)
    return None
