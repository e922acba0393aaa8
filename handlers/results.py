"""Poll results as safe aggregates: counted in SQL, broken down by language, suppressed.

Nothing this module returns is a raw count or anyone's words. Every figure passes through
``handlers.suppression``, so counts under K read ``<K``; free-text answers are only
counted; a number question shows its median only where at least K people answered and
that count is shown. A response counts once it has at least one answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import LANGUAGES, gettext, localized, use_language
from handlers.poll_tallies import LANGUAGE, Counts, Tallies, tally_poll
from handlers.suppression import SafeTable, suppress_counts
from storage.models import Assembly, Municipality, Poll, Question

SCALE_VALUES = (1, 2, 3, 4, 5)
YESNO_VALUES = (1, 0)
RESPONDENTS, ANSWERED, MEDIAN = "respondents", "answered", "median"


class ResultsError(ValueError):
    """Results cannot be given as asked; the message is one line."""


@dataclass(frozen=True)
class ResultRow:
    """One line of a results table: what it counts, the total, and the figure per language."""

    label: str
    total: str
    by_language: dict[str, str]


@dataclass(frozen=True)
class QuestionResult:
    """The results of one question; ``rows`` is empty for number and text questions."""

    number: int
    kind: str
    text: str
    answered: ResultRow
    rows: tuple[ResultRow, ...]
    median: ResultRow | None
    withheld: bool


@dataclass(frozen=True)
class PollResults:
    """The results of a poll, every figure already suppressed."""

    slug: str
    title: str
    status: str
    k: int
    language: str
    languages: tuple[str, ...]
    respondents: ResultRow
    questions: tuple[QuestionResult, ...]


Query = Select[*tuple[Any, ...]]


def threshold(municipality_k: int, requested: int | None) -> int:
    """The K to use: the municipality's, or a higher one asked for; never a lower one."""
    if requested is None:
        return municipality_k
    if requested < municipality_k:
        raise ResultsError(
            f"K {requested} is below the municipality's K of {municipality_k}; K can only be raised"
        )
    return requested


async def municipality_k(session: AsyncSession, poll: Poll) -> int:
    """The suppression threshold of the municipality running the poll's assembly."""
    query = (
        select(Municipality.suppression_k)
        .join(Assembly, Assembly.municipality_id == Municipality.id)
        .where(Assembly.id == poll.assembly_id)
    )
    return int((await session.execute(query)).scalar_one())


def value_label(question: Question, value: int, language: str) -> str:
    """How a scale, yes/no or number answer reads in a language."""
    if question.kind == "yesno":
        with use_language(language):
            return gettext("Yes") if value else gettext("No")
    return str(value)


async def poll_results(
    session: AsyncSession,
    poll: Poll,
    *,
    language: str,
    k: int | None = None,
    tallies: Tallies | None = None,
) -> PollResults:
    """Every question's results, by language, with labels in ``language``; K only raised.

    ``tallies`` are the poll's by language, when already counted (``tally_poll``)."""
    if language not in LANGUAGES:
        raise ResultsError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    used_k = threshold(await municipality_k(session, poll), k)
    if tallies is None:
        tallies = (await tally_poll(session, poll))[LANGUAGE]
    respondents, _withheld = _single_row(RESPONDENTS, tallies.respondents, used_k)
    questions = tuple(
        _question_result(number, question, tallies, used_k, language)
        for number, question in enumerate(poll.questions, start=1)
    )
    return PollResults(
        slug=poll.slug,
        title=localized(poll.title, language),
        status=poll.status,
        k=used_k,
        language=language,
        languages=LANGUAGES,
        respondents=respondents,
        questions=questions,
    )


def _by_language(counts: Counts) -> list[int]:
    """Counts in the order of LANGUAGES, zero where nobody answered."""
    return [counts.get(lang, 0) for lang in LANGUAGES]


def _rows(table: SafeTable) -> tuple[ResultRow, ...]:
    """The body of a suppressed table as result rows."""
    return tuple(
        ResultRow(label, total, dict(zip(LANGUAGES, cells, strict=True)))
        for label, total, cells in zip(table.row_labels, table.row_totals, table.cells, strict=True)
    )


def _column_totals(table: SafeTable, label: str) -> ResultRow:
    """The column totals of a suppressed table as one result row."""
    assert table.column_totals is not None and table.grand_total is not None
    return ResultRow(
        label, table.grand_total, dict(zip(LANGUAGES, table.column_totals, strict=True))
    )


def _single_row(label: str, counts: Counts, k: int) -> tuple[ResultRow, bool]:
    """One row of counts by language with its total, suppressed; and whether it was withheld."""
    table = suppress_counts([(label, _by_language(counts))], LANGUAGES, k, column_totals=False)
    return _rows(table)[0], table.withheld


def _question_result(
    number: int, question: Question, tallies: Tallies, k: int, language: str
) -> QuestionResult:
    """One question's suppressed results."""
    text = localized(question.text, language)
    if question.kind in ("number", "text"):
        answered, withheld = _single_row(ANSWERED, tallies.answered.get(question.id, {}), k)
        median = _median_row(question, tallies, k, withheld) if question.kind == "number" else None
        return QuestionResult(number, question.kind, text, answered, (), median, withheld)
    labelled = _labelled_counts(question, tallies, language)
    if question.kind == "multi":
        table = suppress_counts(labelled, LANGUAGES, k, column_totals=False)
        answered, withheld = _single_row(ANSWERED, tallies.answered.get(question.id, {}), k)
        return QuestionResult(
            number, question.kind, text, answered, _rows(table), None, withheld or table.withheld
        )
    table = suppress_counts(labelled, LANGUAGES, k)
    answered_row = _column_totals(table, ANSWERED)
    return QuestionResult(
        number, question.kind, text, answered_row, _rows(table), None, table.withheld
    )


def _labelled_counts(
    question: Question, tallies: Tallies, language: str
) -> list[tuple[str, list[int]]]:
    """Each option or value of a question with its counts by language."""
    if question.kind in ("single", "multi"):
        return [
            (localized(option.text, language), _by_language(tallies.options.get(option.id, {})))
            for option in question.options
        ]
    values = SCALE_VALUES if question.kind == "scale" else YESNO_VALUES
    return [
        (
            value_label(question, value, language),
            _by_language(tallies.values.get((question.id, value), {})),
        )
        for value in values
    ]


def _median_row(question: Question, tallies: Tallies, k: int, withheld: bool) -> ResultRow:
    """The median answer per language and overall, only where at least K answered."""
    histograms: dict[str, dict[int, int]] = {lang: {} for lang in LANGUAGES}
    for (question_id, value), counts in tallies.values.items():
        if question_id == question.id:
            for lang, count in counts.items():
                histograms[lang][value] = count
    overall: dict[int, int] = defaultdict(int)
    for histogram in histograms.values():
        for value, count in histogram.items():
            overall[value] += count
    shown = {lang: shown_median(histograms[lang], k, withheld) for lang in LANGUAGES}
    return ResultRow(MEDIAN, shown_median(overall, k, withheld), shown)


def shown_median(histogram: dict[int, int], k: int, withheld: bool) -> str:
    """The median of a histogram, or "" when fewer than K answered or the counts are withheld."""
    if withheld or sum(histogram.values()) < k:
        return ""
    return _format(median(histogram.items()))


def median(histogram: Iterable[tuple[int, int]]) -> float:
    """The median of values given as (value, how many) pairs."""
    pairs = sorted((value, count) for value, count in histogram if count > 0)
    size = sum(count for _value, count in pairs)
    if size == 0:
        raise ValueError("the median of nothing")
    middle = (_nth(pairs, (size - 1) // 2) + _nth(pairs, size // 2)) / 2
    return middle


def _nth(pairs: Sequence[tuple[int, int]], index: int) -> int:
    """The value at a 0-based position of sorted (value, count) pairs."""
    seen = 0
    for value, count in pairs:
        seen += count
        if index < seen:
            return value
    raise IndexError(index)


def _format(number: float) -> str:
    """A median as shown: whole, or with one decimal."""
    return str(int(number)) if number.is_integer() else f"{number:.1f}"
