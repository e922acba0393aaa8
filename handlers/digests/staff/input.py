"""Reading a digest recipient as typed, on the command line or in chat, and showing one safely.

A Telegram chat id is a whole number (a group's is negative, like -1001234567890). An e-mail
address is checked with email-validator (its form only: no DNS look-up) and normalised: the
domain in lower case. A bad one raises ``RecipientInputError``: ``str()`` is the English line
the command line prints (with email-validator's own reason), ``message`` says it in chat.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from handlers.core.text_input import to_western_digits
from handlers.i18n.core import N_
from storage.errors import DomainError, lazy

CHAT_ID = re.compile(r"^-?[1-9]\d{0,19}$")
MASK = "•••"


class RecipientInputError(DomainError):
    """A chat id or an e-mail address that cannot be used: ``msgid`` names it as ``{value}``."""

    def __init__(self, msgid: str, value: str, detail: str = "") -> None:
        line = msgid.format(value=repr(value))
        super().__init__(lazy(msgid, value=value), english=f"{line} ({detail})" if detail else line)


def normal_chat_id(text: str) -> str:
    """A Telegram chat or group id as a plain whole number ("-100123")."""
    value = to_western_digits(text).strip().replace(" ", "").replace("\u2212", "-")
    if not CHAT_ID.match(value):
        raise RecipientInputError(
            N_(
                "The chat id {value} is not a number. A Telegram chat id is a whole number; "
                "a group's starts with a minus, like -1001234567890."
            ),
            text.strip(),
        )
    return value


def normal_email(text: str) -> str:
    """An e-mail address, checked and with its domain in lower case."""
    value = text.strip()
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise RecipientInputError(
            N_("{value} is not an e-mail address. Write it like name@example.org."),
            value,
            str(exc),
        ) from None
    return str(checked.normalized)


def masked_email(address: str) -> str:
    """An e-mail address with most of its name hidden: ay•••@example.org."""
    name, _sep, domain = address.rpartition("@")
    shown = name[:2] if len(name) > 3 else name[:1]
    return f"{shown}{MASK}@{domain}"
