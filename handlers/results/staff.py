"""/results: for staff, the live results of the polls of the assemblies they run.

``/results`` returns one message per latest poll: its status, how many answered, and each
question's figures with their breakdown by language, all suppressed (``handlers.results.by_language``),
never the free text; it ends with how to ask for one poll, or for one poll by a profile
question. ``/results SLUG`` (or ``CODE/SLUG`` where two assemblies have the slug) shows that
poll; ``/results SLUG KEY`` shows it by the answers to a profile question
(``handlers.results.by_profile``). An unknown or ambiguous poll, or an unknown question, is
answered with what exists. Someone without a staff role gets the same polite refusal as for
every staff command. A message too long for the channel is cut between lines by the channel.
"""

from __future__ import annotations

from typing import Any

from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _, current_language, isolate
from handlers.i18n.lazy import render
from handlers.polls.staff.pick import PollNotFound, pick_poll
from handlers.results.by_language import PollResults, poll_results
from handlers.results.by_profile import (
    UnknownProfileKeyError,
    find_profile_question,
    profile_question_lines,
    results_by_profile,
)
from handlers.results.text import (
    figure,
    open_poll_note,
    profile_lines,
    questions_lines,
    status_text,
)
from handlers.staff.roles import not_staff, staff_assemblies
from storage.models import Assembly
from storage.polls import latest_opened_polls
from storage.vocabulary import PollStatus

LATEST = 3
OPENED = (PollStatus.OPEN, PollStatus.CLOSED)
BY_LANGUAGE = "language"


def _audience(turn: Turn) -> str:
    """Who the results go to, as the published-figures log records it."""
    who = turn.participant.id if turn.participant else "unknown"
    return f"/results in chat, participant {who}"


async def show_results(turn: Turn, args: str) -> list[Outgoing]:
    """The latest polls' results, or one poll's, by language or by a profile question."""
    managed = await staff_assemblies(turn, "results")
    if managed is None:
        return [not_staff()]
    words = args.split()
    if not words:
        return await _latest(turn, managed)
    if len(words) > 2:
        return [Outgoing(_usage())]
    try:
        poll = await pick_poll(turn, managed, words[0], OPENED)
    except PollNotFound as problem:
        return [Outgoing(render(problem.message))]
    assembly = next(a for a in managed if a.id == poll.assembly_id)
    key = words[1] if len(words) == 2 else BY_LANGUAGE
    if key == BY_LANGUAGE and not _has_question(assembly, key):
        results = await poll_results(
            turn.session, poll, language=current_language(), audience=_audience(turn)
        )
        return _messages(results_lines(results))
    try:
        by_profile = await results_by_profile(
            turn.session, poll, key, language=current_language(), audience=_audience(turn)
        )
    except UnknownProfileKeyError as exc:
        return [Outgoing(render(exc.message))]
    return _messages(profile_lines(by_profile))


async def _latest(turn: Turn, managed: list[Assembly]) -> list[Outgoing]:
    """Today's answer to a bare /results: the latest polls by language, then how to ask for more."""
    polls = await latest_opened_polls(turn.session, [a.id for a in managed], LATEST)
    if not polls:
        return [Outgoing(_("No poll has been opened yet."))]
    blocks = [
        results_lines(
            await poll_results(
                turn.session, poll, language=current_language(), audience=_audience(turn)
            )
        )
        for poll in polls
    ]
    assemblies = {a.id: a for a in managed}
    blocks[-1] += ["", *_hint([assemblies[poll.assembly_id] for poll in polls])]
    return [message for block in blocks for message in _messages(block)]


def results_text(results: PollResults) -> str:
    """One poll's results for staff, in the current language."""
    return "\n".join(results_lines(results))


def results_lines(results: PollResults) -> list[str]:
    """One poll's results for staff, line by line."""
    lines = [
        _("{title} ({status})").format(
            title=isolate(results.title), status=status_text(results.status)
        ),
        _("People who answered: {count}").format(count=figure(results.respondents.total)),
    ]
    if results.rounding > 1:
        return [*lines, open_poll_note(results.rounding)]
    return [*lines, *questions_lines(results, by_language=True)]


def _hint(assemblies: list[Assembly]) -> list[str]:
    """How to ask for one poll, or for it by a profile question, and the questions there are."""
    questions: dict[str, dict[str, Any]] = {}
    for assembly in assemblies:
        for question in assembly.profile or []:
            questions.setdefault(question["key"], question)
    if not questions:
        return [_("For one poll only: /results POLL")]
    return [
        _(
            "For one poll only: /results POLL; broken down by a profile question: "
            "/results POLL QUESTION. The profile questions are:"
        ),
        *profile_question_lines(list(questions.values())),
    ]


def _usage() -> str:
    """How the command is written."""
    return _("Write /results, /results POLL, or /results POLL QUESTION.")


def _has_question(assembly: Assembly, key: str) -> bool:
    """Whether the assembly's profile has a question with this key."""
    try:
        find_profile_question(assembly, key)
    except UnknownProfileKeyError:
        return False
    return True


def _messages(lines: list[str]) -> list[Outgoing]:
    """Lines as one message; the channel cuts it between lines where it is too long for one."""
    text = "\n".join(lines).strip("\n")
    return [Outgoing(text)] if text else []
