"""What the assembly said: a closed poll's results, sent to every member who answered it.

The text, one per language of the assembly, is built from ``handlers.results`` only, so every
figure has passed the suppression module (counts under K read "<K", a table that would give a
small group away is withheld). Free-text answers are never in it. The ``results`` notice and
its outbox rows are written in the caller's transaction, the one that closes the poll.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import _, isolate, localize_digits, use_language
from handlers.notice_queue import audience_of, queue_notice
from handlers.results import PollResults, QuestionResult, poll_results
from handlers.suppression import HIDDEN, WITHHELD
from storage.models import Assembly, Notice, Poll


def outcome_text(results: PollResults) -> str:
    """The results in the current language, as one message."""
    lines = [
        _("What the assembly said: {title}").format(title=isolate(results.title)),
        _("People who answered: {count}").format(count=_figure(results.respondents.total)),
    ]
    for question in results.questions:
        if question.kind == "text":
            continue
        lines += ["", f"{localize_digits(str(question.number))}. {question.text}"]
        lines += _question_lines(question)
    lines += [
        "",
        _(
            "Counts under {k} are shown as <{k} and some others are hidden with them, so that "
            "nobody's answer can be worked out. Thank you for taking part."
        ).format(k=localize_digits(str(results.k))),
    ]
    return "\n".join(lines)


def _question_lines(question: QuestionResult) -> list[str]:
    """One question's figures."""
    if question.withheld:
        return [_("Too few answers to show.")]
    if question.kind == "number":
        median = question.median.total if question.median else WITHHELD
        return [_("Middle answer: {median}").format(median=_figure(median))]
    return [
        f"• {localize_digits(row.label) if question.kind == 'scale' else row.label}: "
        f"{_figure(row.total)}"
        for row in question.rows
    ]


def _figure(shown: str) -> str:
    """A suppressed figure for a participant: a number or "<K" in their digits, else "hidden"."""
    if shown in (HIDDEN, WITHHELD):
        return _("hidden")
    return localize_digits(shown)


async def outcome_texts(session: AsyncSession, poll: Poll, assembly: Assembly) -> dict[str, str]:
    """The results message in each language of the assembly."""
    texts = {}
    for language in assembly.languages:
        results = await poll_results(session, poll, language=language)
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
    if not await audience_of(session, notice):
        return 0
    session.add(notice)
    await session.flush()
    return await queue_notice(session, notice, now)
