"""/schedule in chat: a facilitator sets when a poll opens and closes, and when the reminder goes.

Steps: the poll (if not named) → for a draft, when it opens → when it closes → how long before
closing the reminder goes to members who have not answered. Times are the municipality's local
time; ``handlers.polls.schedule`` checks and keeps them, and the worker's scheduler acts on them.
A time in the past, a closing before the opening, a draft with texts missing: each is said in
the facilitator's language, and nothing changes until every answer is in.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _, current_language, format_number, isolate, localized, ngettext
from handlers.i18n.lazy import render
from handlers.polls.lifecycle import PollStateError
from handlers.polls.schedule import parse_lead_time, parse_local_time, schedule_poll
from handlers.polls.staff.pick import PollNotFound, pick_poll, poll_buttons, staff_polls
from handlers.polls.staff.steps import ScheduleStep
from handlers.staff.desk import desk_button, desk_data, desk_end, desk_go
from handlers.staff.roles import not_staff, staff_assemblies
from storage.base import utcnow
from storage.models import Assembly, Poll
from storage.vocabulary import PollStatus

MINUTES_PER_HOUR = 60


async def start_schedule(turn: Turn, args: str) -> list[Outgoing]:
    """/schedule [poll]."""
    managed = await staff_assemblies(turn, "schedule")
    if managed is None:
        return [not_staff()]
    if not args.strip():
        polls = await staff_polls(turn, managed, [PollStatus.DRAFT, PollStatus.OPEN])
        if not polls:
            return [Outgoing(_("There is no draft or open poll to schedule."))]
        return [Outgoing(_("Which poll do you want to schedule?"), poll_buttons(polls, "schedule"))]
    try:
        poll = await pick_poll(turn, managed, args.split()[0])
    except PollNotFound as problem:
        return [Outgoing(render(problem.message))]
    return await begin(turn, poll)


async def on_schedule_button(turn: Turn, poll_id: str) -> list[Outgoing]:
    """A "schedule:<poll>" button."""
    managed = await staff_assemblies(turn, "schedule") or []
    poll = await turn.session.get(Poll, int(poll_id)) if poll_id.isdigit() else None
    if poll is None or poll.assembly_id not in {a.id for a in managed}:
        return [Outgoing(_("This poll no longer exists."))]
    return await begin(turn, poll)


async def begin(turn: Turn, poll: Poll) -> list[Outgoing]:
    """Ask for the opening time of a draft, or the closing time of an open poll."""
    if poll.status == PollStatus.CLOSED:
        return [Outgoing(_("This poll is closed, so its times cannot change."))]
    step = ScheduleStep.OPEN if poll.status == PollStatus.DRAFT else ScheduleStep.CLOSE
    desk_go(turn, step, poll=poll.id)
    return await time_prompt(turn)


async def time_prompt(turn: Turn) -> list[Outgoing]:
    """When it opens, or when it closes."""
    poll, assembly = await _poll(turn)
    if poll is None or assembly is None:
        return _gone(turn)
    zone = isolate(assembly.municipality.timezone)
    title = isolate(localized(poll.title))
    opening = turn.desk is not None and turn.desk.step == ScheduleStep.OPEN
    question = (
        _("When should {title} open?") if opening else _("When should {title} close?")
    ).format(title=title)
    how = _("Write the day and time like 05.12.2026 10:00 ({zone} time).").format(zone=zone)
    buttons = (desk_button(turn, _("I will open it myself"), "manual"),) if opening else ()
    return [Outgoing(f"{question}\n{how}", buttons)]


async def on_time_button(turn: Turn, value: str) -> list[Outgoing]:
    """ "I will open it myself": no opening time, go on to the closing time."""
    if value == "manual" and turn.desk is not None and turn.desk.step == ScheduleStep.OPEN:
        desk_go(turn, ScheduleStep.CLOSE, **desk_data(turn))
    return await time_prompt(turn)


async def on_time_text(turn: Turn, text: str) -> list[Outgoing]:
    """A time was written."""
    poll, assembly = await _poll(turn)
    if poll is None or assembly is None:
        return _gone(turn)
    try:
        moment = parse_local_time(text, assembly.municipality.timezone)
    except PollStateError as problem:
        return [Outgoing(render(problem.message)), *await time_prompt(turn)]
    if moment <= utcnow():
        return [
            Outgoing(_("That time has already passed. Please choose a time in the future.")),
            *await time_prompt(turn),
        ]
    data = desk_data(turn)
    if turn.desk is not None and turn.desk.step == ScheduleStep.OPEN:
        desk_go(turn, ScheduleStep.CLOSE, **data, opens=moment.isoformat())
        return await time_prompt(turn)
    desk_go(turn, ScheduleStep.REMIND, **data, closes=moment.isoformat())
    return await remind_prompt(turn)


async def remind_prompt(turn: Turn) -> list[Outgoing]:
    """How long before closing the reminder goes."""
    return [
        Outgoing(
            _(
                "How long before it closes should members who have not answered be reminded? "
                "Write it like 24h, 90m or 2d; 0 sends no reminder."
            ),
            (
                desk_button(turn, _("24 hours before"), "1440"),
                desk_button(turn, _("No reminder"), "0"),
            ),
            columns=2,
        )
    ]


async def on_remind_button(turn: Turn, value: str) -> list[Outgoing]:
    """A lead time button."""
    return await _finish(turn, int(value)) if value.isdigit() else await remind_prompt(turn)


async def on_remind_text(turn: Turn, text: str) -> list[Outgoing]:
    """A lead time was written."""
    try:
        minutes = parse_lead_time(text)
    except PollStateError as problem:
        return [Outgoing(render(problem.message)), *await remind_prompt(turn)]
    return await _finish(turn, minutes)


async def _finish(turn: Turn, minutes: int) -> list[Outgoing]:
    """Keep the schedule, or say why it cannot be kept (and ask again from the start)."""
    poll, assembly = await _poll(turn)
    if poll is None or assembly is None:
        return _gone(turn)
    data = desk_data(turn)
    opens = datetime.fromisoformat(data["opens"]) if data.get("opens") else None
    closes = datetime.fromisoformat(data["closes"]) if data.get("closes") else None
    try:
        await schedule_poll(
            turn.session,
            poll,
            opens_at=opens,
            closes_at=closes,
            remind_before_minutes=minutes,
            now=utcnow(),
        )
    except PollStateError as problem:
        desk_end(turn)
        return [Outgoing(render(problem.message))]
    desk_end(turn)
    return [Outgoing(describe_schedule(poll, assembly))]


def describe_schedule(poll: Poll, assembly: Assembly) -> str:
    """The poll's schedule in the reader's language and the municipality's time."""
    zone = assembly.municipality.timezone
    lines = [_("Schedule of {title}:").format(title=isolate(localized(poll.title)))]
    if poll.status == PollStatus.DRAFT:
        lines.append(
            _("opens {when}").format(when=_when(poll.opens_at, zone))
            if poll.opens_at
            else _("opens when you send /open")
        )
    lines.append(
        _("closes {when}").format(when=_when(poll.closes_at, zone))
        if poll.closes_at
        else _("closes when you send /close")
    )
    minutes = poll.remind_before_minutes
    if poll.closes_at and minutes:
        hours, rest = divmod(minutes, MINUTES_PER_HOUR)
        lead = (
            ngettext("{count} hour", "{count} hours", hours).format(count=format_number(hours))
            if not rest
            else ngettext("{count} minute", "{count} minutes", minutes).format(
                count=format_number(minutes)
            )
        )
        lines.append(_("reminder to those who have not answered: {lead} before").format(lead=lead))
    return "\n".join(lines)


def _when(moment: datetime | None, zone: str) -> str:
    """A moment in the municipality's time, written for the reader."""
    if moment is None:
        return ""
    return isolate(
        format_datetime(moment, "medium", tzinfo=ZoneInfo(zone), locale=current_language())
    )


async def _poll(turn: Turn) -> tuple[Poll | None, Assembly | None]:
    """The poll being scheduled and its assembly, if the sender still runs it."""
    managed = await staff_assemblies(turn, "schedule") or []
    poll_id = desk_data(turn).get("poll")
    poll = await turn.session.get(Poll, poll_id) if isinstance(poll_id, int) else None
    assembly = next((a for a in managed if poll is not None and a.id == poll.assembly_id), None)
    return (poll, assembly) if assembly is not None else (None, None)


def _gone(turn: Turn) -> list[Outgoing]:
    """The poll is gone, or no longer the sender's."""
    desk_end(turn)
    return [Outgoing(_("This poll no longer exists."))]
