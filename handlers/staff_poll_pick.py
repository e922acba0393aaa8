"""Finding the poll a staff command names, among the polls of the assemblies the sender runs.

A poll is named by its slug, or by ``CODE/slug`` where two of the sender's assemblies have a
poll with the same slug. Without a name, the polls a command can act on are offered as buttons.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from handlers.events import Choice
from handlers.i18n import _, isolate, localized
from handlers.staff_desk import action_button
from handlers.turn import Turn
from storage.models import Assembly, Poll

MAX_OFFERED = 8


class PollNotFound(LookupError):
    """No poll, or more than one, answers to the name; the message says which and why."""


async def staff_polls(
    turn: Turn, assemblies: Sequence[Assembly], statuses: Sequence[str]
) -> list[Poll]:
    """The polls of these assemblies in these states, the newest first."""
    query = (
        select(Poll)
        .where(Poll.assembly_id.in_([a.id for a in assemblies]), Poll.status.in_(list(statuses)))
        .order_by(Poll.created_at.desc(), Poll.id.desc())
    )
    return list((await turn.session.execute(query)).scalars())


async def pick_poll(turn: Turn, assemblies: Sequence[Assembly], name: str) -> Poll:
    """The one poll of these assemblies this name means, or ``PollNotFound``."""
    code, sep, slug = name.strip().rpartition("/")
    by_id = {a.id: a for a in assemblies}
    if sep:
        by_id = {a.id: a for a in assemblies if a.join_code == code.upper()}
    polls = [p for p in await staff_polls(turn, list(by_id.values()), _ALL) if p.slug == slug]
    if len(polls) == 1:
        return polls[0]
    if not polls:
        raise PollNotFound(
            _("None of your assemblies has a poll {slug}.").format(slug=isolate(name.strip()))
        )
    names = ", ".join(isolate(f"{by_id[p.assembly_id].join_code}/{p.slug}") for p in polls)
    raise PollNotFound(
        _("More than one of your assemblies has a poll {slug}: write one of {names}.").format(
            slug=isolate(slug), names=names
        )
    )


def poll_buttons(polls: Sequence[Poll], action: str) -> tuple[Choice, ...]:
    """A button per poll (the newest few) that asks for ``action`` on it."""
    return tuple(action_button(localized(p.title), f"{action}:{p.id}") for p in polls[:MAX_OFFERED])


_ALL = ("draft", "open", "closed")
