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
from handlers.poll_disclosure import (
    ANSWERED,
    NOT_ANSWERED,
    ONE_ANSWER_KINDS,
    RESPONDENTS,
    Dimension,
    ShownDimension,
    disclose,
    profile_columns,
    values_of,
)
from handlers.poll_tallies import LANGUAGE, Tallies, tally_poll
from handlers.suppression import WITHHELD, SafeTable
from storage.models import Assembly, Municipality, Poll, Question

MEDIAN = "median"


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
    not_answered: ResultRow | None = None


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


async def poll_disclosure(
    session: AsyncSession,
    poll: Poll,
    k: int,
    tallies: dict[str, Tallies] | None = None,
) -> dict[str, ShownDimension]:
    """Every breakdown of the poll (by language, by each profile question of its assembly),
    suppressed together (``handlers.poll_disclosure``); ``tallies`` when already counted."""
    assembly = await session.get(Assembly, poll.assembly_id)
    assert assembly is not None
    profile = list(assembly.profile or [])
    if tallies is None:
        tallies = await tally_poll(session, poll, profile)
    dimensions = [Dimension(LANGUAGE, LANGUAGES, tallies[LANGUAGE])]
    dimensions += [
        Dimension(str(q["key"]), profile_columns(q), tallies[str(q["key"])]) for q in profile
    ]
    return disclose(poll.questions, dimensions, k)


async def poll_results(
    session: AsyncSession,
    poll: Poll,
    *,
    language: str,
    k: int | None = None,
    tallies: dict[str, Tallies] | None = None,
    disclosure: dict[str, ShownDimension] | None = None,
) -> PollResults:
    """Every question's results, by language, with labels in ``language``; K only raised.

    ``tallies`` are the poll's (``tally_poll``) and ``disclosure`` its plan
    (``poll_disclosure``, at the same K), when already at hand."""
    if language not in LANGUAGES:
        raise ResultsError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    used_k = threshold(await municipality_k(session, poll), k)
    if tallies is None:
        assembly = await session.get(Assembly, poll.assembly_id)
        assert assembly is not None
        tallies = await tally_poll(session, poll, list(assembly.profile or []))
    if disclosure is None:
        disclosure = await poll_disclosure(session, poll, used_k, tallies)
    shown = disclosure[LANGUAGE]
    respondents = _row(shown.respondents, 0, RESPONDENTS)
    questions = tuple(
        _question_result(number, question, shown, tallies[LANGUAGE], used_k, language)
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


def _row(table: SafeTable, index: int, label: str) -> ResultRow:
    """One row of a suppressed table as a result row."""
    return ResultRow(
        label, table.row_totals[index], dict(zip(LANGUAGES, table.cells[index], strict=True))
    )


def _derived(respondents: ResultRow, skipped: ResultRow) -> ResultRow:
    """Those who answered, as respondents less those who did not: exact only where both are."""

    def less(whole: str, part: str) -> str:
        return str(int(whole) - int(part)) if whole.isdigit() and part.isdigit() else WITHHELD

    return ResultRow(
        ANSWERED,
        less(respondents.total, skipped.total),
        {
            lang: less(respondents.by_language[lang], skipped.by_language[lang])
            for lang in LANGUAGES
        },
    )


def _question_result(
    number: int,
    question: Question,
    shown: ShownDimension,
    tallies: Tallies,
    k: int,
    language: str,
) -> QuestionResult:
    """One question's suppressed results, from the poll's disclosure plan."""
    text = localized(question.text, language)
    head = _row(shown.respondents, 0, RESPONDENTS)
    linked = shown.linked.get(question.id)
    withheld = bool(linked and linked.withheld)
    labels = row_labels(question, language)
    if question.kind in ONE_ANSWER_KINDS:
        count = len(labels)
        if linked is None:  # one option, and everyone chose it
            rows = tuple(ResultRow(label, head.total, head.by_language) for label in labels)
            everyone = ResultRow(ANSWERED, head.total, head.by_language)
            return QuestionResult(number, question.kind, text, everyone, rows, None, False)
        rows = tuple(_row(linked, i, labels[i]) for i in range(count))
        skipped = _row(linked, count, NOT_ANSWERED) if len(linked.cells) > count else None
        everyone = ResultRow(ANSWERED, head.total, head.by_language)
        answered = everyone if skipped is None else _derived(head, skipped)
        return QuestionResult(number, question.kind, text, answered, rows, None, withheld, skipped)
    answered = (
        _row(linked, 0, ANSWERED)
        if linked is not None
        else ResultRow(ANSWERED, head.total, head.by_language)
    )
    skipped = (
        _row(linked, 1, NOT_ANSWERED) if linked is not None and len(linked.cells) > 1 else None
    )
    option_rows: tuple[ResultRow, ...] = ()
    if question.kind == "multi" and question.id in shown.options:
        options = shown.options[question.id]
        option_rows = tuple(_row(options, i, labels[i]) for i in range(len(labels)))
        withheld = withheld or options.withheld
    median = _median_row(question, tallies, k, withheld) if question.kind == "number" else None
    return QuestionResult(
        number, question.kind, text, answered, option_rows, median, withheld, skipped
    )


def row_labels(question: Question, language: str) -> list[str]:
    """The labels of a question's rows: its options, or its scale or yes/no values."""
    if question.kind in ("single", "multi"):
        return [localized(option.text, language) for option in question.options]
    if question.kind in ("scale", "yesno"):
        return [value_label(question, value, language) for value in values_of(question)]
    return []


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
