"""/open and /close in chat: a facilitator opens or closes a poll of an assembly they run.

``/open`` without a name offers the draft polls as buttons, ``/close`` the open ones; either
way the facilitator is told what will happen (how many members are invited, or how many who
answered get the results, as staff may see it: under K only "fewer than K", see
``handlers.privacy.headcount``) and confirms with a button. The confirmation acts on the poll's
stored state, so a second press is told the poll is open (or closed) already.
"""

from __future__ import annotations

from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _, format_number, isolate, localized, ngettext
from handlers.i18n.lazy import render
from handlers.notices.queue import audience_of
from handlers.polls.lifecycle import PollStateError, close_poll, open_poll
from handlers.polls.staff.pick import PollNotFound, pick_poll, poll_buttons, staff_polls
from handlers.privacy.headcount import Headcount
from handlers.results.by_language import municipality_k
from handlers.staff.broadcasts import over_broadcast_limit, sender_id
from handlers.staff.desk import action_button
from handlers.staff.roles import not_staff, staff_assemblies
from storage.models import Notice, Poll
from storage.vocabulary import PollStatus


async def ask_open(turn: Turn, args: str) -> list[Outgoing]:
    """/open [poll]: which poll, then what opening it does."""
    return await _ask(turn, args, "open")


async def ask_close(turn: Turn, args: str) -> list[Outgoing]:
    """/close [poll]: which poll, then what closing it does."""
    return await _ask(turn, args, "close")


async def _ask(turn: Turn, args: str, action: str) -> list[Outgoing]:
    """Offer the polls, or ask to confirm the change to the one named."""
    managed = await staff_assemblies(turn, action)
    if managed is None:
        return [not_staff()]
    if args.strip():
        try:
            poll = await pick_poll(turn, managed, args.split()[0])
        except PollNotFound as problem:
            return [Outgoing(render(problem.message))]
        return await confirmation(turn, poll, action)
    polls = await staff_polls(
        turn, managed, [PollStatus.DRAFT] if action == "open" else [PollStatus.OPEN]
    )
    if not polls:
        text = _("No poll is waiting to be opened.") if action == "open" else _("No poll is open.")
        return [Outgoing(text)]
    text = _("Which poll should open?") if action == "open" else _("Which poll should close?")
    return [Outgoing(text, poll_buttons(polls, f"{action}?"))]


async def confirmation(turn: Turn, poll: Poll, action: str) -> list[Outgoing]:
    """What opening or closing this poll will do, with the button that does it."""
    title = isolate(localized(poll.title))
    k = await municipality_k(turn.session, poll)
    if action == "open":
        audience = await audience_of(turn.session, Notice(assembly_id=poll.assembly_id))
        seen = Headcount(len(audience), k)
        text = (
            ngettext(
                "Open {title} now? Fewer than {count} member will be invited to answer.",
                "Open {title} now? Fewer than {count} members will be invited to answer.",
                seen.number,
            )
            if seen.fewer
            else ngettext(
                "Open {title} now? {count} member will be invited to answer.",
                "Open {title} now? {count} members will be invited to answer.",
                seen.number,
            )
        )
        button = action_button(_("Open now"), f"open:{poll.id}")
    else:
        audience = await audience_of(
            turn.session, Notice(assembly_id=poll.assembly_id, audience={"answered": poll.id})
        )
        seen = Headcount(len(audience), k)
        text = (
            ngettext(
                "Close {title} now? Answers stop being accepted, and fewer than {count} person "
                "who answered gets the results.",
                "Close {title} now? Answers stop being accepted, and fewer than {count} people "
                "who answered get the results.",
                seen.number,
            )
            if seen.fewer
            else ngettext(
                "Close {title} now? Answers stop being accepted, and the {count} person who "
                "answered gets the results.",
                "Close {title} now? Answers stop being accepted, and the {count} people who "
                "answered get the results.",
                seen.number,
            )
        )
        button = action_button(_("Close now"), f"close:{poll.id}")
    text = text.format(title=title, count=format_number(seen.number))
    return [Outgoing(text, (button, action_button(_("Not now"), "dismiss")))]


async def on_poll_action(turn: Turn, action: str, poll_id: str) -> list[Outgoing]:
    """A poll button: ``open?``/``close?`` ask to confirm, ``open``/``close`` do it."""
    managed = await staff_assemblies(turn, action.rstrip("?")) or []
    poll = await turn.session.get(Poll, int(poll_id)) if poll_id.isdigit() else None
    if poll is None or poll.assembly_id not in {a.id for a in managed}:
        return [Outgoing(_("This poll no longer exists."))]
    if action.endswith("?"):
        return await confirmation(turn, poll, action.rstrip("?"))
    try:
        if action == "open":
            opener = await sender_id(turn)
            refusal = await over_broadcast_limit(turn, opener)
            if refusal is not None:
                return [Outgoing(refusal, (action_button(_("Open now"), f"open:{poll.id}"),))]
            count = await open_poll(turn.session, poll, opened_by=opener)
        else:
            count = await close_poll(turn.session, poll)
    except PollStateError as problem:
        return [Outgoing(render(problem.message))]
    title = isolate(localized(poll.title))
    seen = Headcount(count, await municipality_k(turn.session, poll))
    if action == "open" and seen.fewer:
        text = ngettext(
            "{title} is open. The invitation is on its way to fewer than {count} member.",
            "{title} is open. The invitation is on its way to fewer than {count} members.",
            seen.number,
        )
    elif action == "open":
        text = ngettext(
            "{title} is open. The invitation is on its way to {count} member.",
            "{title} is open. The invitation is on its way to {count} members.",
            seen.number,
        )
    elif seen.fewer:
        text = ngettext(
            "{title} is closed. The results are on their way to fewer than {count} person "
            "who answered.",
            "{title} is closed. The results are on their way to fewer than {count} people "
            "who answered.",
            seen.number,
        )
    else:
        text = ngettext(
            "{title} is closed. The results are on their way to the {count} person who answered.",
            "{title} is closed. The results are on their way to the {count} people who answered.",
            seen.number,
        )
    return [Outgoing(text.format(title=title, count=format_number(seen.number)))]
