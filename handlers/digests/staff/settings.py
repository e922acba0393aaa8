"""/digest in chat: municipal staff see and change their municipality's digest settings.

``/digest`` shows how often the digest goes, on which day and at what time, in which language,
its threshold K and its recipients (e-mail addresses partly hidden, chat ids in full), with
buttons to change each; someone running several municipalities (an administrator also sees the
unions) first picks one. The day, the language and a recipient to remove are chosen with
buttons; the time and a new recipient are typed (``handlers.digests.staff.steps``). Each change
is kept as it is made. K is set on the command line only (``reslog digest-settings --k``),
since lowering it also changes /results. Someone without a staff role gets the refusal every
staff command gives; a facilitator is told the settings are for municipal staff.
"""

from __future__ import annotations

from babel.dates import get_day_names

from handlers.core.events import Outgoing
from handlers.core.steps import StaffStep
from handlers.core.turn import Turn
from handlers.digests.period import FREQUENCIES
from handlers.digests.staff.access import (
    Subject,
    digest_subjects,
    not_municipal,
    subject_key,
    subject_named,
)
from handlers.digests.staff.input import masked_email
from handlers.i18n.core import (
    LANGUAGE_NAMES,
    _,
    current_language,
    format_number,
    isolate,
    localized,
)
from handlers.staff.desk import desk_button, desk_data, desk_end, desk_go
from handlers.staff.roles import not_staff
from storage.digest_settings import EMAIL, list_recipients, setting_for
from storage.models import DigestSetting, Municipality

CURRENT = "✓ "


class DigestStep(StaffStep):
    """/digest: which subject, its settings, and the one thing being changed."""

    PICK = "digest_pick"
    SETTINGS = "digest"
    DAY = "digest_day"
    TIME = "digest_time"
    LANGUAGE = "digest_language"
    EMAIL = "digest_email"
    CHAT = "digest_chat"
    REMOVE = "digest_remove"


async def start_digest(turn: Turn, args: str) -> list[Outgoing]:
    """/digest: the settings of the sender's municipality, or which one first."""
    subjects = await digest_subjects(turn)
    if subjects is None:
        return [not_staff()]
    if not subjects:
        return [not_municipal()]
    if len(subjects) == 1:
        return await show(turn, subjects[0])
    desk_go(turn, DigestStep.PICK)
    return await pick_prompt(turn)


async def pick_prompt(turn: Turn) -> list[Outgoing]:
    """Which municipality (or union) to set the digest of."""
    subjects = await digest_subjects(turn) or []
    buttons = tuple(desk_button(turn, localized(s.name), subject_key(s)) for s in subjects)
    return [Outgoing(_("Which digest do you want to set?"), buttons)]


async def on_pick(turn: Turn, value: str) -> list[Outgoing]:
    """A municipality or union was chosen."""
    subject = await subject_named(turn, value)
    if subject is None:
        return await pick_prompt(turn)
    return await show(turn, subject)


async def show(turn: Turn, subject: Subject, done: str = "") -> list[Outgoing]:
    """Go to the settings step and show the settings, after what was just done (if anything)."""
    desk_go(turn, DigestStep.SETTINGS, subject=subject_key(subject))
    shown = await settings_prompt(turn)
    return [Outgoing(done), *shown] if done else shown


async def current(turn: Turn) -> tuple[Subject, DigestSetting] | None:
    """The subject the staff step is about and its setting, if the sender may still set it."""
    subject = await subject_named(turn, desk_data(turn).get("subject"))
    if subject is None:
        return None
    if isinstance(subject, Municipality):
        return subject, await setting_for(turn.session, municipality_id=subject.id)
    return subject, await setting_for(turn.session, union_id=subject.id)


def lost(turn: Turn) -> list[Outgoing]:
    """The sender no longer runs what the step was about."""
    desk_end(turn)
    return [not_municipal()]


async def settings_prompt(turn: Turn) -> list[Outgoing]:
    """The settings and the buttons that change them."""
    found = await current(turn)
    if found is None:
        return lost(turn)
    subject, setting = found
    lines = [
        _("Digest of {name}").format(name=isolate(localized(subject.name))),
        schedule_line(setting, subject.timezone),
        _("Language: {language}").format(language=isolate(LANGUAGE_NAMES[setting.language])),
        _("Counts under {k} are shown as “<{k}”.").format(k=format_number(subject.suppression_k)),
        "",
    ]
    recipients = await list_recipients(turn.session, turn.cipher, setting)
    if recipients:
        lines.append(_("Recipients:"))
        lines += [f"• {recipient_label(r.kind, r.address)}" for r in recipients]
    else:
        lines.append(_("No recipients yet: add an e-mail address or a Telegram chat."))
    labels = {"off": _("Off"), "daily": _("Daily"), "weekly": _("Weekly")}
    buttons = [
        desk_button(turn, (CURRENT if setting.frequency == f else "") + labels[f], f"f:{f}")
        for f in FREQUENCIES
    ]
    buttons += [
        desk_button(turn, _("Day"), "day"),
        desk_button(turn, _("Time"), "time"),
        desk_button(turn, _("Language"), "language"),
        desk_button(turn, _("+ E-mail"), "email"),
        desk_button(turn, _("+ Telegram chat"), "chat"),
    ]
    if recipients:
        buttons.append(desk_button(turn, _("Remove a recipient"), "remove"))
    buttons.append(desk_button(turn, _("Done"), "done"))
    return [Outgoing("\n".join(lines), tuple(buttons), columns=3)]


def schedule_line(setting: DigestSetting, timezone: str) -> str:
    """When the digest goes, in words."""
    values = {"time": isolate(setting.send_time), "zone": isolate(timezone)}
    if setting.frequency == "daily":
        return _("Sent every day at {time} ({zone} time).").format(**values)
    if setting.frequency == "weekly":
        return _("Sent every {weekday} at {time} ({zone} time).").format(
            weekday=weekday_name(setting.weekday), **values
        )
    return _("Not sent: the digest is off.")


def weekday_name(weekday: int) -> str:
    """A day of the week (0 is Monday) in the reader's language."""
    return str(get_day_names("wide", locale=current_language())[weekday])


def recipient_label(kind: str, address: str) -> str:
    """A recipient as shown in chat: an e-mail address partly hidden, a chat id in full."""
    if kind == EMAIL:
        return _("E-mail: {address}").format(address=isolate(masked_email(address)))
    return _("Telegram chat: {chat}").format(chat=isolate(address))
