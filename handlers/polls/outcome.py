"""What the assembly said: a closed poll's results, sent to every member who answered it.

The text, one per language of the assembly, is built from ``handlers.results.by_language`` only, so every
figure has passed the suppression module (counts under K read "<K", a table that would give a
small group away is withheld). Free-text answers are never in it. The ``results`` notice and
its outbox rows are written in the caller's transaction, the one that closes the poll.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n.core import _, isolate, use_language
from handlers.notices.queue import queue_unless_nobody
from handlers.results.by_language import PollResults, poll_results
from handlers.results.text import figure, questions_lines
from storage.models import Assembly, Notice, Poll


def outcome_text(results: PollResults) -> str:
    """The results in the current language, as one message."""
    lines = [
        _("What the assembly said: {title}").format(title=isolate(results.title)),
        _("People who answered: {count}").format(count=figure(results.respondents.total)),
    ]
    lines += questions_lines(results)
    lines += [
        "",
        _(
            "Counts under {k} are shown as <{k} and some others are hidden with them, so that "
            "nobody's answer can be worked out. Thank you for taking part."
        ).format(k=figure(str(results.k))),
    ]
    return "\n".join(lines)


async def outcome_texts(session: AsyncSession, poll: Poll, assembly: Assembly) -> dict[str, str]:
    """The results message in each language of the assembly."""
    texts = {}
    for language in assembly.languages:
        results = await poll_results(
            session, poll, language=language, audience="results message to those who answered"
        )
        with use_language(language):
            texts[language] = outcome_text(results)
    return texts


async def send_outcome(session: AsyncSession, poll: Poll, assembly: Assembly, now: datetime) -> int:
    """Queue the results to every member who answered; how many (none: no notice is kept)."""
    notice = Notice(
        assembly_id=assembly.id,
        kind="results",
        poll_id=poll.id,
        text=await outcome_texts(session, poll, assembly),
        audience={"answered": poll.id},
    )
    return await queue_unless_nobody(session, notice, now)
