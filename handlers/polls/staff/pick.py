"""Finding the poll a staff command names, among the polls of the assemblies the sender runs.

A poll is named by its slug, or by ``CODE/slug`` where two of the sender's assemblies have a
poll with the same slug. Without a name, the polls a command can act on are offered as buttons.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.core.events import Choice
from handlers.core.turn import Turn
from handlers.i18n.core import N_, localized
from handlers.staff.desk import action_button
from storage.errors import DomainError, LazyText, layout, lazy, lines
from storage.models import Assembly, Poll
from storage.polls import assembly_polls
from storage.vocabulary import PollStatus

MAX_OFFERED = 8
LISTED = 10


class PollNotFound(DomainError):
    """No poll, or more than one, answers to the name; the message says what to write instead."""


async def staff_polls(
    turn: Turn, assemblies: Sequence[Assembly], statuses: Sequence[PollStatus]
) -> list[Poll]:
    """The polls of these assemblies in these states, the newest first."""
    return await assembly_polls(turn.session, [a.id for a in assemblies], statuses)


async def pick_poll(
    turn: Turn,
    assemblies: Sequence[Assembly],
    name: str,
    statuses: Sequence[PollStatus] = tuple(PollStatus),
) -> Poll:
    """The one poll in these states this name (SLUG or CODE/SLUG) means, or ``PollNotFound``
    saying what to write instead: the CODE/SLUG forms of a shared slug, or the polls there are."""
    code, _sep, slug = name.strip().rpartition("/")
    by_id = {a.id: a for a in assemblies if not code or a.join_code == code.upper()}
    polls = [p for p in await staff_polls(turn, list(by_id.values()), statuses) if p.slug == slug]
    if len(polls) == 1:
        return polls[0]
    if polls:
        polls.sort(key=lambda p: p.assembly_id)
        raise PollNotFound(
            lines(
                lazy(
                    N_(
                        "Several of your assemblies have a poll {slug}. Write it with the "
                        "assembly's code:"
                    ),
                    slug=slug,
                ),
                *(
                    layout("• {name}", name=f"{by_id[p.assembly_id].join_code}/{p.slug}")
                    for p in polls
                ),
            )
        )
    raise PollNotFound(await _polls_there_are(turn, assemblies, name, statuses))


async def _polls_there_are(
    turn: Turn, assemblies: Sequence[Assembly], name: str, statuses: Sequence[PollStatus]
) -> LazyText:
    """There is no such poll: say so, and list the latest there are."""
    by_id = {a.id: a for a in assemblies}
    polls = (await staff_polls(turn, assemblies, statuses))[:LISTED]
    if not polls:
        return lazy(N_("None of your assemblies has a poll {slug}."), slug=name.strip())
    several = len({p.assembly_id for p in polls}) > 1
    listed = [
        layout(
            "• {name}: {title}",
            name=f"{by_id[p.assembly_id].join_code}/{p.slug}" if several else p.slug,
            title=dict(p.title),
        )
        for p in polls
    ]
    intro = lazy(N_("There is no poll {name}. The polls are:"), name=name.strip())
    return lines(intro, *listed)


def poll_buttons(polls: Sequence[Poll], action: str) -> tuple[Choice, ...]:
    """A button per poll (the newest few) that asks for ``action`` on it."""
    return tuple(action_button(localized(p.title), f"{action}:{p.id}") for p in polls[:MAX_OFFERED])
