"""/stop: no more notices; the person stays a member and can turn notices on with /start."""

from __future__ import annotations

from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _
from handlers.participants.forget import nothing_kept
from storage.base import utcnow


async def stop_command(turn: Turn, args: str) -> list[Outgoing]:
    """/stop: opt out of notices (someone unknown has nothing to stop)."""
    if turn.participant is None:
        return [nothing_kept()]
    return await stop_notices(turn)


async def stop_notices(turn: Turn) -> list[Outgoing]:
    """Record the opt-out and confirm it."""
    if turn.person.stopped_at is None:
        turn.person.stopped_at = utcnow()
    return [
        Outgoing(
            _(
                "You will receive no more notices. Your answers are kept. Send /start to "
                "turn notices on again, or /forget to erase your data."
            )
        )
    ]
