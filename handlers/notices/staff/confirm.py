"""The last step of /notice: how many people it reaches, how it reads, and one confirmation.

How many it reaches is said as staff may see it (``handlers.privacy.headcount``): under K only
"fewer than K".

The notice is kept as a draft while the facilitator looks at the summary. "Send" is an action
button naming the notice: confirming queues it once (``handlers.notices.queue.queue_notice``
claims the draft with a conditional update), so a second press, or a press from another
facilitator, is told the notice has already been sent. /cancel deletes the draft.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import LANGUAGE_NAMES, _, current_language, isolate, localized, ngettext
from handlers.i18n.core import format_number as number
from handlers.i18n.lazy import render
from handlers.notices.queue import NoticeProblem, audience_of, check_schedule, queue_notice
from handlers.notices.quiet_hours import after_quiet_hours
from handlers.notices.staff.steps import NoticeStep
from handlers.participants.profile import PREFER_NOT_TO_SAY, profile_question
from handlers.polls.lifecycle import PollStateError
from handlers.polls.schedule import parse_local_time
from handlers.privacy.headcount import Headcount
from handlers.staff.broadcasts import over_broadcast_limit, sender_id
from handlers.staff.desk import action_button, desk_button, desk_data, desk_end, desk_go
from handlers.staff.roles import staff_assemblies
from storage.base import utcnow
from storage.models import Assembly, Notice
from storage.notices import delete_draft
from storage.vocabulary import NoticeStatus


async def show_summary(
    turn: Turn, assembly: Assembly, texts: dict[str, str], segment: dict[str, Any]
) -> list[Outgoing]:
    """Keep the notice as a draft and show who it reaches; nobody (an empty list): the caller
    asks for another audience."""
    notice = await _draft(turn, assembly, texts, segment)
    people = await audience_of(turn.session, notice)
    if not people:
        desk_go(turn, NoticeStep.AUDIENCE, assembly=assembly.id, texts=texts, notice=notice.id)
        return []
    desk_go(turn, NoticeStep.CONFIRM, assembly=assembly.id, texts=texts, notice=notice.id)
    return [summary_message(turn, assembly, notice, len(people))]


def summary_message(turn: Turn, assembly: Assembly, notice: Notice, count: int) -> Outgoing:
    """The summary with its buttons."""
    seen = Headcount(count, assembly.municipality.suppression_k)
    reach = (
        ngettext(
            "This notice will go to fewer than {count} person: {audience}.",
            "This notice will go to fewer than {count} people: {audience}.",
            seen.number,
        )
        if seen.fewer
        else ngettext(
            "This notice will go to {count} person: {audience}.",
            "This notice will go to {count} people: {audience}.",
            seen.number,
        )
    )
    audience = describe_audience(assembly, notice.audience)
    lines = [reach.format(count=number(seen.number), audience=audience), ""]
    for language in assembly.languages:
        lines += [f"— {LANGUAGE_NAMES.get(language, language)} —", notice.text[language], ""]
    municipality = assembly.municipality
    if notice.urgent:
        lines.append(_("Marked urgent: it is sent even in the quiet hours."))
    else:
        lines.append(
            _("During the quiet hours ({start}–{end}) it waits until they end.").format(
                start=isolate(municipality.quiet_start), end=isolate(municipality.quiet_end)
            )
        )
    buttons = (
        action_button(_("Send now"), f"send:{notice.id}"),
        desk_button(turn, _("Send at a chosen time"), "at"),
        desk_button(turn, _("Not urgent") if notice.urgent else _("Mark urgent"), "urgent"),
        desk_button(turn, _("Change who receives it"), "audience"),
        desk_button(turn, _("Cancel"), "cancel"),
    )
    return Outgoing("\n".join(lines), buttons)


def describe_audience(assembly: Assembly, audience: dict[str, Any]) -> str:
    """The audience in words, in the current language."""
    if audience.get("languages"):
        names = ", ".join(LANGUAGE_NAMES.get(lang, lang) for lang in audience["languages"])
        return _("people who read {languages}").format(languages=isolate(names))
    for key, answers in (audience.get("profile") or {}).items():
        question = profile_question(assembly, key) or {"text": {}, "options": []}
        labels = {str(o["key"]): localized(o["text"]) for o in question["options"]}
        labels[PREFER_NOT_TO_SAY] = _("Prefer not to say")
        chosen = ", ".join(labels.get(answer, answer) for answer in answers)
        return _("{question}: {answers}").format(
            question=isolate(localized(question["text"])), answers=isolate(chosen)
        )
    return _("everyone in {assembly}").format(assembly=isolate(localized(assembly.name)))


async def on_confirm_step(turn: Turn, value: str) -> list[Outgoing]:
    """A button of the summary: urgent on or off, or cancel."""
    data = desk_data(turn)
    kept = await _kept_draft(turn)
    if kept is None:
        desk_end(turn)
        return [Outgoing(_("This notice is no longer a draft."))]
    notice, assembly = kept
    if value == "urgent":
        notice.urgent = not notice.urgent
        people = await audience_of(turn.session, notice)
        desk_go(turn, NoticeStep.CONFIRM, **data)
        reply = summary_message(turn, assembly, notice, len(people))
        return [Outgoing(reply.text, reply.choices, replace=True)]
    if value == "cancel":
        return await cancel_notice(turn)
    if value == "at":
        desk_go(turn, NoticeStep.TIME, **data)
        return await time_prompt(turn)
    return [summary_message(turn, assembly, notice, len(await audience_of(turn.session, notice)))]


async def summary_again(turn: Turn) -> list[Outgoing]:
    """The summary, shown again (the confirmation step's question)."""
    return await on_confirm_step(turn, "")


async def time_prompt(turn: Turn) -> list[Outgoing]:
    """When the notice should go."""
    assembly = await turn.session.get(Assembly, desk_data(turn).get("assembly"))
    zone = assembly.municipality.timezone if assembly else ""
    return [
        Outgoing(
            _("When should the notice go?")
            + "\n"
            + _("Write the day and time like 05.12.2026 10:00 ({zone} time).").format(
                zone=isolate(zone)
            )
        )
    ]


async def on_time_text(turn: Turn, text: str) -> list[Outgoing]:
    """The time the notice goes was written: queue it for then."""
    kept = await _kept_draft(turn)
    if kept is None:
        desk_end(turn)
        return [Outgoing(_("This notice is no longer a draft."))]
    notice, assembly = kept
    try:
        moment = parse_local_time(text, assembly.municipality.timezone)
    except PollStateError as problem:
        return [Outgoing(render(problem.message)), *await time_prompt(turn)]
    notice.send_at = moment
    try:
        check_schedule(moment, utcnow())
    except NoticeProblem as problem:
        notice.send_at = None
        return [Outgoing(render(problem.message)), *await time_prompt(turn)]
    return await send_notice(turn, str(notice.id))


async def _kept_draft(turn: Turn) -> tuple[Notice, Assembly] | None:
    """The draft the staff conversation is writing and its assembly, while it is a draft."""
    data = desk_data(turn)
    notice_id, assembly_id = data.get("notice"), data.get("assembly")
    if not isinstance(notice_id, int) or not isinstance(assembly_id, int):
        return None
    notice = await turn.session.get(Notice, notice_id)
    assembly = await turn.session.get(Assembly, assembly_id)
    if notice is None or assembly is None or notice.status != NoticeStatus.DRAFT:
        return None
    return notice, assembly


async def cancel_notice(turn: Turn) -> list[Outgoing]:
    """Stop writing the notice; its draft, if any, is deleted."""
    notice_id = desk_data(turn).get("notice")
    if isinstance(notice_id, int):
        await delete_draft(turn.session, notice_id)
    desk_end(turn)
    return [Outgoing(_("Cancelled: nothing was sent."))]


async def send_notice(turn: Turn, notice_id: str) -> list[Outgoing]:
    """The "Send" button: queue the notice once, if the sender runs its assembly."""
    managed = {a.id: a for a in await staff_assemblies(turn, "notice") or []}
    notice = await turn.session.get(Notice, int(notice_id)) if notice_id.isdigit() else None
    if notice is None or notice.assembly_id not in managed:
        return [Outgoing(_("This notice no longer exists."))]
    refusal = await over_broadcast_limit(turn, await sender_id(turn))
    if refusal is not None:
        return [Outgoing(refusal, (action_button(_("Send now"), f"send:{notice.id}"),))]
    now = utcnow()
    try:
        count = await queue_notice(turn.session, notice, now)
    except NoticeProblem as problem:
        return [Outgoing(render(problem.message))]
    if desk_data(turn).get("notice") == notice.id:
        desk_end(turn)
    return [Outgoing(_sent_text(managed[notice.assembly_id], notice, count, now))]


def _sent_text(assembly: Assembly, notice: Notice, count: int, now: Any) -> str:
    """What the facilitator is told once the notice is queued."""
    municipality = assembly.municipality
    start = notice.send_at or now
    leaves = (
        start
        if notice.urgent
        else after_quiet_hours(
            start, municipality.timezone, municipality.quiet_start, municipality.quiet_end
        )
    )
    seen = Headcount(count, municipality.suppression_k)
    text = (
        ngettext(
            "The notice is on its way to fewer than {count} person.",
            "The notice is on its way to fewer than {count} people.",
            seen.number,
        )
        if seen.fewer
        else ngettext(
            "The notice is on its way to {count} person.",
            "The notice is on its way to {count} people.",
            seen.number,
        )
    ).format(count=number(seen.number))
    if leaves > now:
        when = format_datetime(
            leaves, "short", tzinfo=ZoneInfo(municipality.timezone), locale=current_language()
        )
        text += " " + _("It goes out at {when}.").format(when=isolate(when))
    return f"{text} " + _("/delivery shows how far it has gone.")


async def _draft(
    turn: Turn, assembly: Assembly, texts: dict[str, str], segment: dict[str, Any]
) -> Notice:
    """The notice's draft row, written now or updated with the new audience."""
    notice_id = desk_data(turn).get("notice")
    notice = await turn.session.get(Notice, notice_id) if isinstance(notice_id, int) else None
    if notice is None or notice.status != NoticeStatus.DRAFT:
        notice = Notice(
            assembly_id=assembly.id,
            kind="notice",
            text=texts,
            audience=segment,
            created_by=await sender_id(turn),
        )
        turn.session.add(notice)
    notice.audience = segment
    await turn.session.flush()
    return notice
