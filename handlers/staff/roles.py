"""Who may use a staff command: the assemblies the sender runs, read once per turn.

``staff_assemblies`` gives the assemblies a facilitator, a municipality's staff or an
administrator runs (None for someone without a role, and the refusal logged by participant row
id only); ``not_staff`` is the polite refusal every staff command answers with.
"""

from __future__ import annotations

import logging

from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _
from storage.models import Assembly
from storage.staff import managed_assemblies

log = logging.getLogger(__name__)


async def _managed(turn: Turn) -> list[Assembly] | None:
    """The assemblies the sender runs (read once per turn); None for someone without a role."""
    if not turn.managed_read:
        turn.managed = await managed_assemblies(
            turn.session, turn.incoming.channel, turn.address_hash
        )
        turn.managed_read = True
    return turn.managed


async def staff_assemblies(turn: Turn, command: str) -> list[Assembly] | None:
    """The assemblies the sender runs; None (and the refusal logged) for someone without a role."""
    assemblies = await _managed(turn)
    if assemblies is None:
        who = turn.participant.id if turn.participant else "unknown"
        log.info("/%s refused to participant %s: no staff role", command, who)
    return assemblies


async def is_staff(turn: Turn) -> bool:
    """Whether the sender holds any staff role."""
    return await _managed(turn) is not None


def not_staff() -> Outgoing:
    """The polite refusal of a staff command."""
    return Outgoing(_("This command is for the assembly's facilitators."))
