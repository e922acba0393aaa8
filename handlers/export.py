"""A poll's responses as rows for a spreadsheet: one row per response, nothing that links a person.

A row holds the response's language and one answer per question; no participant id, no
time, and the rows come in a random order, so they cannot be lined up with who joined or
answered when. Text a spreadsheet would run as a formula is defused with a leading
apostrophe. A poll with fewer than K responses is not exported, and a language with fewer
than K responses is not named: its rows say ``withheld``, and so do the rows of the next
smallest language where the counts would otherwise give it away (the one suppression module
decides, over the responses per language with their total).
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import LANGUAGES, localized
from handlers.results import ResultsError, municipality_k, value_label
from handlers.suppression import suppress_counts
from storage.models import Answer, Poll, Question, Response

LANGUAGE_COLUMN = "language"
WITHHELD_LANGUAGE = "withheld"
OPTION_SEPARATOR = "; "
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
WHOLE_NUMBER = re.compile(r"-?\d+")


@dataclass(frozen=True)
class Export:
    """A header and one row per response, in a random order."""

    header: list[str]
    rows: list[list[str]]


def defuse(text: str) -> str:
    """Text a spreadsheet would read as a formula, made plain with a leading apostrophe."""
    if text.startswith(FORMULA_START) and not WHOLE_NUMBER.fullmatch(text):
        return "'" + text
    return text


async def export_responses(session: AsyncSession, poll: Poll, *, language: str) -> Export:
    """Every response with at least one answer, labels in ``language``, shuffled."""
    if language not in LANGUAGES:
        raise ResultsError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    answers = await _answers(session, poll.id)
    k = await municipality_k(session, poll)
    if len(answers) < k:
        raise ResultsError(
            f"poll {poll.slug} has {len(answers)} responses; fewer than K={k} are not exported"
        )
    header = [LANGUAGE_COLUMN] + [
        f"{number}. {localized(question.text, language)}"
        for number, question in enumerate(poll.questions, start=1)
    ]
    named = _languages_to_name([lang for lang, _given in answers.values()], k)
    rows = [
        [
            lang if lang in named else WITHHELD_LANGUAGE,
            *(_cell(q, given.get(q.id, []), language) for q in poll.questions),
        ]
        for lang, given in answers.values()
    ]
    random.SystemRandom().shuffle(rows)
    return Export(header, rows)


def _languages_to_name(languages: list[str], k: int) -> set[str]:
    """The response languages whose count may be shown (so whose rows may say which they are)."""
    counts = Counter(languages)
    labels = sorted(counts)
    safe = suppress_counts([("responses", [counts[lang] for lang in labels])], labels, k)
    return {lang for lang, cell in zip(labels, safe.cells[0], strict=True) if cell.isdigit()}


async def _answers(
    session: AsyncSession, poll_id: int
) -> dict[int, tuple[str, dict[int, list[Answer]]]]:
    """Each answered response's language and answers by question."""
    query = (
        select(Response.id, Response.language, Answer)
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.poll_id == poll_id)
        .order_by(Answer.id)
    )
    found: dict[int, tuple[str, dict[int, list[Answer]]]] = {}
    for response_id, response_language, answer in (await session.execute(query)).all():
        _lang, by_question = found.setdefault(response_id, (response_language, defaultdict(list)))
        by_question[answer.question_id].append(answer)
    return found


def _cell(question: Question, answers: list[Answer], language: str) -> str:
    """One answer as text: chosen options joined, a number, yes or no, or the words written."""
    if not answers:
        return ""
    if question.kind in ("single", "multi"):
        chosen = {answer.option_id for answer in answers}
        labels = [localized(o.text, language) for o in question.options if o.id in chosen]
        return defuse(OPTION_SEPARATOR.join(labels))
    answer = answers[0]
    if question.kind == "text":
        return defuse(answer.value_text or "")
    return "" if answer.value_int is None else value_label(question, answer.value_int, language)
