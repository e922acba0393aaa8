"""Rendering the core's ``Outgoing`` messages as WhatsApp texts: choices become numbered lists.

WhatsApp through Twilio has no inline keyboard, so each message's choices are listed under its
text ("1. Türkçe"), numbered from 1 across all the messages of one reply, in order: that is how
the core reads a typed number back (``handlers.core.dispatch.dispatch``). The numbers are written in
the reader's digits (Arabic-Indic in Arabic, through ``format_number``); a choice whose label is
its own number (the 1 to 5 of a scale) is written once. Short choices that the core lays out
side by side (``columns``: yes/no, a scale) share a line. Under the list one line says how to
answer, in the reader's language, or in every language while none is chosen yet.

A multiple-choice question (recognised by its Done button) is answered with several numbers in
one message ("1 3"); its Done and "keep this answer" buttons are left out of the list, since
typing their numbers does nothing there, but they keep their place in the numbering.

``replace`` (edit the pressed message) means nothing here: every message is sent anew. A file
(``/mydata``'s JSON) is not sent: its contents are in the message's own text, and sending it
would mean serving a person's data at a public URL for Twilio to fetch; the text says the file
comes on Telegram only. Texts over WhatsApp's 1600 characters are cut at line boundaries.
Characters XML cannot carry are dropped, since the texts travel in TwiML.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.channels.text_parts import split_text, text_length
from handlers.core.events import Choice, Outgoing
from handlers.core.text_input import to_western_digits
from handlers.i18n.core import _, format_number, isolate, use_language

MAX_TEXT = 1600
ROW_WIDTH = 40  # a row of side-by-side choices longer than this is listed one per line
ROW_GAP = "    "
UNLISTED_IN_MULTI = frozenset({"done", "keep"})
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(replies: Sequence[Outgoing], languages: Sequence[str]) -> list[str]:
    """The WhatsApp texts for one reply; ``languages[0]`` is the reader's (its digits are used).

    Pass every language, the reader's likely one first, while the person has not chosen one.
    """
    texts: list[str] = []
    first = 1
    for reply in replies:
        with use_language(languages[0]):
            body = _message(reply, first, languages)
        texts.extend(split_text(xml_safe(body), MAX_TEXT))
        first += len(reply.choices)
    return texts


def _message(reply: Outgoing, first: int, languages: Sequence[str]) -> str:
    """One message's text, its choices listed from ``first``, and how to answer them."""
    paragraphs = [reply.text] if reply.text.strip() else []
    several = is_multiple_choice(reply.choices)
    listed = [
        _item(first + offset, choice)
        for offset, choice in enumerate(reply.choices)
        if not (several and choice_value(choice) in UNLISTED_IN_MULTI)
    ]
    if listed:
        paragraphs.append("\n".join(_rows(listed, reply.columns)))
        numbers = [first + offset for offset in range(len(listed))]
        paragraphs.append("\n".join(_how_to_answer(several, numbers, languages)))
    if reply.file is not None:
        paragraphs.append("\n".join(_file_note(reply.file.name, languages)))
    return "\n\n".join(paragraphs)


def choice_value(choice: Choice) -> str:
    """What pressing the button sends, without the step's nonce ("12:done" -> "done")."""
    return choice.data.partition(":")[2]


def is_multiple_choice(choices: Sequence[Choice]) -> bool:
    """Whether the choices are a question answered with several options (it has a Done button)."""
    return any(choice_value(choice) == "done" for choice in choices)


def _item(number: int, choice: Choice) -> str:
    """One listed choice: "1. Türkçe", or just "1" when the label is the number itself."""
    written = format_number(number)
    if to_western_digits(choice.label).strip() == str(number):
        return written
    return f"{written}. {choice.label}"


def _rows(items: list[str], columns: int) -> list[str]:
    """The listed choices, ``columns`` to a line where they are short enough to share one."""
    width = max(1, columns)
    rows = [ROW_GAP.join(items[i : i + width]) for i in range(0, len(items), width)]
    if width > 1 and all(text_length(row) <= ROW_WIDTH for row in rows):
        return rows
    return items


def _how_to_answer(several: bool, numbers: list[int], languages: Sequence[str]) -> list[str]:
    """The line that says how to answer, in each of ``languages``."""
    lines = []
    digits = languages[0]
    picked = [numbers[0], numbers[min(2, len(numbers) - 1)]] if len(numbers) > 1 else numbers
    with use_language(digits):
        example = " ".join(format_number(n) for n in picked)
    for language in languages:
        with use_language(language):
            if several:
                lines.append(
                    _(
                        "Reply with the numbers of all your answers in one message, like {example}."
                    ).format(example=example)
                )
            else:
                lines.append(_("Reply with the number of your answer."))
    return lines


def _file_note(name: str, languages: Sequence[str]) -> list[str]:
    """Why the file that goes with this message does not come on WhatsApp."""
    lines = []
    for language in languages:
        with use_language(language):
            lines.append(
                _(
                    "On Telegram this message also comes as a file ({name}); "
                    "on WhatsApp only the text above is sent."
                ).format(name=isolate(name))
            )
    return lines


def xml_safe(text: str) -> str:
    """The text without the characters an XML document cannot hold."""
    return _NOT_XML.sub("", text)
