"""A poll's results for a spreadsheet: the suppressed tables by default, rows only when asked.

``result_rows`` writes the tables of ``handlers.results.by_language`` (by language) or
``handlers.results.by_profile`` (by a profile question) figure by figure, each as the display
string the results show ("12", "<5", "x", "-"): one row per question, option or value, and
column. Nothing is counted here, so the file never shows more than the results, now or once
their suppression improves.

``response_rows`` is the row-level file for the municipality's own analyst: one row per
response, with its answers to every question that is not free text. Rows can be counted, so it
holds every count the results hide; it therefore carries nothing more that singles a group or
a person out: no language or profile column (a language column would give back every hidden
cell by language), no free-text answer (its words and the language they are written in), no
participant id, no time, in a random order, and only for a closed poll with at least K
responses (two files of an open poll would differ by the newest responses). Text a spreadsheet
would run as a formula is defused with a leading apostrophe.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n.core import LANGUAGES, localized
from handlers.results.by_language import (
    PollResults,
    ResultRow,
    ResultsError,
    municipality_k,
    value_label,
)
from handlers.results.by_profile import ProfileResults, ProfileRow
from storage.models import Answer, Poll, Question
from storage.polls import answers_by_response
from storage.vocabulary import PollStatus, QuestionKind

TABLE_HEADER = ["question", "row", "column", "shown"]
TOTAL = "total"
OPTION_SEPARATOR = "; "
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
WHOLE_NUMBER = re.compile(r"-?\d+")


@dataclass(frozen=True)
class Export:
    """A header and the rows under it."""

    header: list[str]
    rows: list[list[str]]


def defuse(text: str) -> str:
    """Text a spreadsheet would read as a formula, made plain with a leading apostrophe."""
    if text.startswith(FORMULA_START) and not WHOLE_NUMBER.fullmatch(text):
        return "'" + text
    return text


def result_rows(results: PollResults | ProfileResults) -> Export:
    """The results' tables as rows of question, row, column and the figure as shown."""
    return Export(list(TABLE_HEADER), list(_result_rows(results)))


def _result_rows(results: PollResults | ProfileResults) -> Iterator[list[str]]:
    """Respondents first, then each question's rows in the order the results print them."""
    yield from _figures(results, "", results.respondents)
    for question in results.questions:
        title = f"{question.number}. {question.text}"
        lines: list[ResultRow | ProfileRow | None] = [*question.rows, question.not_answered]
        lines += [question.answered, question.median]
        for line in lines:
            if line is not None:
                yield from _figures(results, title, line)


def _figures(
    results: PollResults | ProfileResults, question: str, line: ResultRow | ProfileRow
) -> Iterator[list[str]]:
    """One line of a table: its total, then its figure in each column, as shown."""
    if isinstance(line, ResultRow):
        assert isinstance(results, PollResults)
        columns = [(language, line.by_language[language]) for language in results.languages]
    else:
        assert isinstance(results, ProfileResults)
        columns = [(column.key, line.by_option[column.key]) for column in results.columns]
    for column, shown in [(TOTAL, line.total), *columns]:
        yield [defuse(question), defuse(line.label), defuse(column), shown]


async def response_rows(session: AsyncSession, poll: Poll, *, language: str) -> Export:
    """Every response with at least one answer, without its free text, labels in ``language``,
    shuffled; refused for a poll not closed or with fewer than K responses."""
    if language not in LANGUAGES:
        raise ResultsError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    if poll.status != PollStatus.CLOSED:
        raise ResultsError(
            f"poll {poll.slug} is {poll.status}: its responses are written row by row only "
            "once it is closed (two files of an open poll differ by its newest responses)"
        )
    answers = await answers_by_response(session, poll.id)
    k = await municipality_k(session, poll)
    if len(answers) < k:
        raise ResultsError(
            f"poll {poll.slug} has {len(answers)} responses; fewer than K={k} are not exported"
        )
    questions = [
        (number, question)
        for number, question in enumerate(poll.questions, start=1)
        if question.kind != QuestionKind.TEXT
    ]
    header = [f"{number}. {localized(question.text, language)}" for number, question in questions]
    rows = [
        [_cell(question, given.get(question.id, []), language) for _n, question in questions]
        for given in answers.values()
    ]
    random.SystemRandom().shuffle(rows)
    return Export([defuse(title) for title in header], rows)


def _cell(question: Question, answers: list[Answer], language: str) -> str:
    """One answer as text: chosen options joined, a number, or yes or no."""
    if not answers:
        return ""
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
        chosen = {answer.option_id for answer in answers}
        labels = [localized(o.text, language) for o in question.options if o.id in chosen]
        return defuse(OPTION_SEPARATOR.join(labels))
    answer = answers[0]
    return "" if answer.value_int is None else value_label(question, answer.value_int, language)
