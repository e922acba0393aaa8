"""``/start staff-<token>``: a one-time invitation makes whoever opens it staff.

Returns a welcome naming the role and its place, or, for a token that is unknown, used or
expired, a clear answer that the invitation no longer works. Either way nothing is kept about a
participant: staff are found by their own keyed address hash. The outcome is logged by the
staff row id, never the address or the token.
"""

from __future__ import annotations

import logging

from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _, isolate, localized
from storage.base import utcnow
from storage.models import Assembly, Municipality, Staff
from storage.staff import ADMINISTRATOR, FACILITATOR, INVITE_HASH_CHANNEL, redeem_invite

log = logging.getLogger(__name__)

STAFF_START = "staff-"


async def accept_staff_invite(turn: Turn, token: str) -> list[Outgoing]:
    """Redeem the invitation for the sender."""
    incoming = turn.incoming
    staff = await redeem_invite(
        turn.session,
        turn.cipher.lookup_hash(INVITE_HASH_CHANNEL, token),
        incoming.channel,
        turn.address_hash,
        turn.cipher.encrypt(incoming.address),
        utcnow(),
    )
    if staff is None:
        log.info("a staff invitation was refused: unknown, used or expired")
        return [Outgoing(_("This staff invitation no longer works. Please ask for a new one."))]
    log.info("staff %s joined as %s by invitation", staff.id, staff.role)
    return [Outgoing(await _welcome(turn, staff))]


async def _welcome(turn: Turn, staff: Staff) -> str:
    """What the new staff member can now do, in their language."""
    if staff.role == ADMINISTRATOR:
        return _(
            "You are now an administrator of every assembly. /delivery shows how notices went."
        )
    if staff.role == FACILITATOR and staff.assembly_id is not None:
        assembly = await turn.session.get(Assembly, staff.assembly_id)
        name = localized(assembly.name) if assembly else ""
        return _(
            "You are now a facilitator of {assembly}. /delivery shows how its notices went."
        ).format(assembly=isolate(name))
    municipality = (
        await turn.session.get(Municipality, staff.municipality_id)
        if staff.municipality_id is not None
        else None
    )
    name = localized(municipality.name) if municipality else ""
    return _(
        "You are now staff of {municipality}, for all its assemblies. /delivery shows how "
        "their notices went."
    ).format(municipality=isolate(name))
