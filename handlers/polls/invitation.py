"""Inviting an assembly's members to a poll that has just opened.

Writes an ``invitation`` notice, its text in every language of the assembly, and one outbox row
per member who accepted the data notice and did not send /stop, in the caller's transaction:
the poll opens and its invitations exist together, or neither does. The dispatcher sends them,
after the quiet hours if the poll opens at night.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n.core import _, isolate, localized, use_language
from handlers.notices.queue import queue_unless_nobody
from storage.models import Assembly, Notice, Poll


def invitation_texts(poll: Poll, assembly: Assembly) -> dict[str, str]:
    """The invitation in each language of the assembly."""
    texts = {}
    for language in assembly.languages:
        with use_language(language):
            texts[language] = _("A new poll is open: {title}. Send /polls to answer it.").format(
                title=isolate(localized(poll.title))
            )
    return texts


async def invite_members(
    session: AsyncSession,
    poll: Poll,
    assembly: Assembly,
    now: datetime,
    opened_by: int | None = None,
) -> int:
    """Queue the invitation to every member; how many it goes to (none: no notice is kept).
    ``opened_by`` is the staff member who opened the poll in chat (None: the schedule, or the
    command line)."""
    notice = Notice(
        assembly_id=assembly.id,
        kind="invitation",
        poll_id=poll.id,
        text=invitation_texts(poll, assembly),
        audience={},
        created_by=opened_by,
    )
    return await queue_unless_nobody(session, notice, now)
