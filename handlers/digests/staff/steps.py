"""The steps of /digest after the settings are shown: a frequency, a day, a language, a time, a
recipient to add or one to remove.

Each step keeps its change at once and shows the settings again; a bad time, chat id or e-mail
address is said in the reader's language and changes nothing. "Back" returns to the settings.
"""

from __future__ import annotations

from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.digests.period import FREQUENCIES, PeriodError, parse_send_time
from handlers.digests.staff.access import subject_key
from handlers.digests.staff.input import RecipientInputError, normal_chat_id, normal_email
from handlers.digests.staff.settings import (
    DigestStep,
    current,
    lost,
    recipient_label,
    settings_prompt,
    show,
    weekday_name,
)
from handlers.i18n.core import LANGUAGE_NAMES, LANGUAGES, _
from handlers.i18n.lazy import render
from handlers.staff.desk import desk_button, desk_end, desk_go
from storage.base import utcnow
from storage.digest_settings import (
    EMAIL,
    TELEGRAM,
    add_recipient,
    list_recipients,
    remove_recipient_by_id,
)

STEPS = {
    "day": DigestStep.DAY,
    "time": DigestStep.TIME,
    "language": DigestStep.LANGUAGE,
    "email": DigestStep.EMAIL,
    "chat": DigestStep.CHAT,
    "remove": DigestStep.REMOVE,
}
BACK = "back"


async def on_settings_button(turn: Turn, value: str) -> list[Outgoing]:
    """A button of the settings: a frequency, what to change next, or done."""
    found = await current(turn)
    if found is None:
        return lost(turn)
    subject, setting = found
    frequency = value.removeprefix("f:")
    if value.startswith("f:") and frequency in FREQUENCIES:
        setting.frequency = frequency
        setting.updated_at = utcnow()
        return await show(turn, subject, _("Saved."))
    if value == "done":
        desk_end(turn)
        return [Outgoing(_("The digest settings are kept as shown."))]
    if value not in STEPS:
        return await settings_prompt(turn)
    desk_go(turn, STEPS[value], subject=subject_key(subject))
    return await step_prompt(turn)


async def step_prompt(turn: Turn) -> list[Outgoing]:
    """The question of the step the conversation is at."""
    step = turn.desk.step if turn.desk is not None else ""
    match step:
        case DigestStep.DAY:
            return day_prompt(turn)
        case DigestStep.LANGUAGE:
            return language_prompt(turn)
        case DigestStep.TIME:
            return time_prompt(turn)
        case DigestStep.EMAIL:
            return email_prompt(turn)
        case DigestStep.CHAT:
            return chat_prompt(turn)
        case DigestStep.REMOVE:
            return await remove_prompt(turn)
    return await settings_prompt(turn)


def day_prompt(turn: Turn) -> list[Outgoing]:
    """Which day a weekly digest goes on."""
    buttons = tuple(desk_button(turn, weekday_name(day), f"d:{day}") for day in range(7))
    back = desk_button(turn, _("Back"), BACK)
    return [Outgoing(_("On which day should the weekly digest go?"), (*buttons, back), columns=2)]


def language_prompt(turn: Turn) -> list[Outgoing]:
    """Which language the digest is written in."""
    buttons = tuple(desk_button(turn, LANGUAGE_NAMES[lang], f"l:{lang}") for lang in LANGUAGES)
    back = desk_button(turn, _("Back"), BACK)
    return [Outgoing(_("In which language should the digest be written?"), (*buttons, back))]


def time_prompt(turn: Turn) -> list[Outgoing]:
    """At what local time the digest goes."""
    text = _("At what time should the digest go? Write it like 08:00 (the municipality's time).")
    return [Outgoing(text, (desk_button(turn, _("Back"), BACK),))]


def email_prompt(turn: Turn) -> list[Outgoing]:
    """Ask for an e-mail address."""
    text = _("Write the e-mail address the digest should go to, like name@example.org.")
    return [Outgoing(text, (desk_button(turn, _("Back"), BACK),))]


def chat_prompt(turn: Turn) -> list[Outgoing]:
    """Ask for a Telegram chat or group id."""
    text = _(
        "Write the id of the Telegram chat or group the digest should go to, like "
        "-1001234567890. The bot must be a member of that group to write there."
    )
    return [Outgoing(text, (desk_button(turn, _("Back"), BACK),))]


async def remove_prompt(turn: Turn) -> list[Outgoing]:
    """Which recipient to remove."""
    found = await current(turn)
    if found is None:
        return lost(turn)
    recipients = await list_recipients(turn.session, turn.cipher, found[1])
    buttons = tuple(
        desk_button(turn, recipient_label(r.kind, r.address), f"r:{r.id}") for r in recipients
    )
    back = desk_button(turn, _("Back"), BACK)
    return [Outgoing(_("Which recipient should no longer get the digest?"), (*buttons, back))]


async def on_choice(turn: Turn, value: str) -> list[Outgoing]:
    """A day, a language, a recipient to remove, or Back."""
    found = await current(turn)
    if found is None:
        return lost(turn)
    subject, setting = found
    kind, _sep, chosen = value.partition(":")
    done = ""
    if kind == "d" and chosen.isdigit() and int(chosen) < 7:
        setting.weekday = int(chosen)
        done = _("Saved.")
    elif kind == "l" and chosen in LANGUAGES:
        setting.language = chosen
        done = _("Saved.")
    elif kind == "r" and chosen.isdigit():
        removed = await remove_recipient_by_id(turn.session, turn.cipher, setting, int(chosen))
        if removed is None:
            done = _("That recipient was removed already.")
        else:
            label = recipient_label(removed.kind, removed.address)
            done = _("Removed: {recipient}. It no longer gets the digest.").format(recipient=label)
    elif value != BACK:
        return await step_prompt(turn)
    if done:
        setting.updated_at = utcnow()
    return await show(turn, subject, done)


async def on_time_text(turn: Turn, text: str) -> list[Outgoing]:
    """A time was typed."""
    found = await current(turn)
    if found is None:
        return lost(turn)
    subject, setting = found
    try:
        send_time = parse_send_time(text)
    except PeriodError as problem:
        return [Outgoing(render(problem.message)), *time_prompt(turn)]
    setting.send_time = send_time
    setting.updated_at = utcnow()
    return await show(turn, subject, _("Saved."))


async def on_email_text(turn: Turn, text: str) -> list[Outgoing]:
    """An e-mail address was typed."""
    return await _add(turn, text, EMAIL)


async def on_chat_text(turn: Turn, text: str) -> list[Outgoing]:
    """A chat id was typed."""
    return await _add(turn, text, TELEGRAM)


async def _add(turn: Turn, text: str, kind: str) -> list[Outgoing]:
    """Add a recipient, or say why it cannot be added and ask again."""
    found = await current(turn)
    if found is None:
        return lost(turn)
    subject, setting = found
    try:
        address = normal_email(text) if kind == EMAIL else normal_chat_id(text)
    except RecipientInputError as problem:
        again = email_prompt(turn) if kind == EMAIL else chat_prompt(turn)
        return [Outgoing(render(problem.message)), *again]
    label = recipient_label(kind, address)
    if not await add_recipient(turn.session, turn.cipher, setting, kind, address):
        return await show(
            turn, subject, _("{recipient} gets the digest already.").format(recipient=label)
        )
    setting.updated_at = utcnow()
    return await show(turn, subject, _("Added: {recipient}.").format(recipient=label))
