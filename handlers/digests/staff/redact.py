"""/redact N: staff remove one feedback text that could identify someone (a name, a health
detail) without erasing its author. The digest shows each text with its number (#N); from
then on every digest, new or already sent and shown again, shows a mark in its place, and
the destruction is logged. Staff never learn who wrote it."""

from __future__ import annotations

from handlers.core.events import Outgoing
from handlers.core.text_input import parse_int
from handlers.core.turn import Turn
from handlers.i18n.core import _, format_number
from handlers.staff.roles import not_staff, staff_assemblies
from storage.base import utcnow
from storage.digest_queries import redact_feedback


async def redact_command(turn: Turn, args: str) -> list[Outgoing]:
    """/redact N: remove feedback text number N of the sender's assemblies."""
    assemblies = await staff_assemblies(turn, "redact")
    if assemblies is None:
        return [not_staff()]
    number = parse_int(args.strip().lstrip("#"))
    if number is None or number < 1:
        return [
            Outgoing(
                _(
                    "Send /redact and the number shown beside the text in the digest, like "
                    "/redact 12."
                )
            )
        ]
    if not await redact_feedback(turn.session, number, [a.id for a in assemblies], utcnow()):
        return [
            Outgoing(
                _("There is no feedback #{number} in your assemblies.").format(
                    number=format_number(number)
                )
            )
        ]
    return [
        Outgoing(
            _(
                "Feedback #{number} is removed: every digest shows a mark in its place. Its "
                "author was not told and is not erased."
            ).format(number=format_number(number))
        )
    ]
