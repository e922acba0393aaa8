"""How much one staff member may send to everyone: notices and poll openings, per hour.

A facilitator's account that is lost or misused could otherwise message every member again and
again. Each notice a staff member sends in chat, and each poll they open (its invitation), is
kept with who sent it; past ``Turn.broadcasts_per_hour`` in the last hour the next one is refused,
saying when it can go. The count is read from the stored notices, in the turn that would send,
while the person is held (``storage.person_lock``), so it holds across processes and restarts.
Sends from the command line (`reslog notice send`, `reslog poll open`) are the operator's and
are not limited.
"""

from __future__ import annotations

import math
from datetime import timedelta

from handlers.core.turn import Turn
from handlers.i18n.core import format_number, ngettext
from storage.base import utcnow
from storage.notices import sent_by_since
from storage.staff import first_staff_id

HOUR = timedelta(hours=1)


async def sender_id(turn: Turn) -> int | None:
    """The staff row that a notice or a poll opening of this turn is recorded under."""
    return await first_staff_id(turn.session, turn.incoming.channel, turn.address_hash)


async def over_broadcast_limit(turn: Turn, staff_id: int | None) -> str | None:
    """Why one more notice to members cannot go now, if this staff member has sent as many as
    they may in the last hour (the caller offers its button again, to press once it may);
    None when it may go."""
    limit = turn.broadcasts_per_hour
    if limit is None or staff_id is None:
        return None
    now = utcnow()
    sent = await sent_by_since(turn.session, staff_id, now - HOUR)
    if len(sent) < limit:
        return None
    frees = sent[len(sent) - limit] + HOUR  # when the oldest of the last ``limit`` leaves the hour
    minutes = max(1, math.ceil((frees - now).total_seconds() / 60))
    sent_text = ngettext(
        "You have sent {count} notice or poll to the members in the last hour, as many as one "
        "staff member may. Nothing was sent.",
        "You have sent {count} notices and polls to the members in the last hour, as many as "
        "one staff member may. Nothing was sent.",
        limit,
    ).format(count=format_number(limit))
    wait_text = ngettext(
        "The next one can go in {minutes} minute.",
        "The next one can go in {minutes} minutes.",
        minutes,
    ).format(minutes=format_number(minutes))
    return f"{sent_text} {wait_text}"
