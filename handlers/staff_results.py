"""/results: for staff, the live results of the latest polls of the assemblies they run.

Returns one message per poll: its status, how many answered, and each question's figures with
their breakdown by language, all suppressed (``handlers.results``); never the free text.
Someone without a staff role gets the same polite refusal as for every staff command.
"""

from __future__ import annotations

from sqlalchemy import select

from handlers.delivery import not_staff, staff_assemblies
from handlers.events import Outgoing
from handlers.i18n import _, current_language, isolate
from handlers.results import PollResults, poll_results
from handlers.results_text import figure, questions_lines
from handlers.turn import Turn
from storage.models import Poll

LATEST = 3


async def show_results(turn: Turn, args: str) -> list[Outgoing]:
    """The results of the latest open or closed polls of the sender's assemblies."""
    managed = await staff_assemblies(turn, "results")
    if managed is None:
        return [not_staff()]
    polls = list(
        (
            await turn.session.execute(
                select(Poll)
                .where(Poll.assembly_id.in_([a.id for a in managed]), Poll.status != "draft")
                .order_by(Poll.opened_at.desc(), Poll.id.desc())
                .limit(LATEST)
            )
        ).scalars()
    )
    if not polls:
        return [Outgoing(_("No poll has been opened yet."))]
    return [
        Outgoing(results_text(await poll_results(turn.session, poll, language=current_language())))
        for poll in polls
    ]


def results_text(results: PollResults) -> str:
    """One poll's results for staff, in the current language."""
    status = _("open") if results.status == "open" else _("closed")
    lines = [
        _("{title} ({status})").format(title=isolate(results.title), status=status),
        _("People who answered: {count}").format(count=figure(results.respondents.total)),
    ]
    return "\n".join([*lines, *questions_lines(results, by_language=True)])
