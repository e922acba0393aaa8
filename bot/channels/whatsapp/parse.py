"""Reading a Twilio WhatsApp webhook's form as an ``Incoming`` event for the conversation core.

Only what the core needs is read: who wrote (``From``, the E.164 number after ``whatsapp:``),
the message's id (``MessageSid``, the key that makes a redelivery harmless), and the text
(``Body``). A message with media (``NumMedia`` above 0, with or without a caption) is marked
``unsupported="media"`` and a shared location ``unsupported="location"``: the core answers that
only text is read. A message with a letter in Arabic script suggests Arabic (``client_language``),
which the core offers first to someone new. The sender's WhatsApp name (``ProfileName``) is
never read. A form without a sender or an id, or from a number that is not on WhatsApp (an SMS
to the same Twilio number), is ``Unreadable`` with the reason. Parsing does no I/O.

Sample (the fields Twilio posts for a text; more may come and are ignored)::

    MessageSid=SM3f0c1e5a9b7d4c2e8f6a1b3c5d7e9f01  AccountSid=AC...  NumMedia=0
    From=whatsapp:+905321234567  To=whatsapp:+908501234567  Body=/start ZEYTINBURNU
    ProfileName=Amal  WaId=905321234567  SmsStatus=received  ApiVersion=2010-04-01
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from bot.settings import PHONE_NUMBER
from handlers.core.events import Incoming

CHANNEL = "whatsapp"
ADDRESS_PREFIX = "whatsapp:"
MESSAGE_KEY_PREFIX = "w:"
MESSAGE_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")


@dataclass(frozen=True)
class Unreadable:
    """A form that is not a WhatsApp message we can read: answered 400 with ``reason``."""

    reason: str


def parse_inbound(form: Mapping[str, str]) -> Incoming | Unreadable:
    """The event a WhatsApp message carries, or why the form cannot be one."""
    sid = form.get("MessageSid", "").strip()
    if not sid:
        return Unreadable("MessageSid is missing")
    if not MESSAGE_SID.fullmatch(sid):
        return Unreadable("MessageSid is not a Twilio message id")
    sender = form.get("From", "").strip()
    if not sender:
        return Unreadable("From is missing")
    address = sender.removeprefix(ADDRESS_PREFIX)
    if address == sender or not PHONE_NUMBER.fullmatch(address):
        return Unreadable("From is not a WhatsApp number (whatsapp:+<country><number>)")
    media = _media_count(form.get("NumMedia", "0"))
    if media is None:
        return Unreadable("NumMedia is not a number")
    text = form.get("Body", "")
    return Incoming(
        channel=CHANNEL,
        address=address,
        text=None if media or _is_location(form) else text,
        client_language="ar" if has_arabic_letter(text) else None,
        unsupported="media" if media else "location" if _is_location(form) else None,
        message_id=MESSAGE_KEY_PREFIX + sid,
    )


def _media_count(value: str) -> int | None:
    """How many media files the message carries, or None if the field is not a count."""
    value = value.strip() or "0"
    return int(value) if value.isascii() and value.isdigit() else None


def _is_location(form: Mapping[str, str]) -> bool:
    """Whether the person shared a location rather than writing."""
    return bool(form.get("Latitude", "").strip() and form.get("Longitude", "").strip())


def has_arabic_letter(text: str) -> bool:
    """Whether the text has a letter in Arabic script (Arabic-Indic digits alone do not count)."""
    return any(
        unicodedata.category(char).startswith("L")
        and unicodedata.name(char, "").startswith("ARABIC")
        for char in text
    )
