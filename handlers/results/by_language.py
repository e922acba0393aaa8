"""Poll results as safe aggregates: counted in SQL, broken down by language, suppressed.

Nothing this module returns is a raw count or anyone's words. Every figure is the poll's
published one (``handlers.results.figures``, through ``handlers.privacy.suppression``), so counts under K
read ``<K``; free-text answers are only counted; a number question shows its median only where
at least K people answered and that count is shown. A response counts once it has at least
one answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n.core import LANGUAGES, gettext, localized, use_language
from handlers.privacy.suppression import SafeTable
from handlers.results.disclosure import (
    ANSWERED,
    NOT_ANSWERED,
    ONE_ANSWER_KINDS,
    RESPONDENTS,
    ShownDimension,
    values_of,
)
from handlers.results.figures import FigureRow, PollFigures, poll_figures
from handlers.results.figures import ResultsError as ResultsError
from handlers.results.figures import median as median
from handlers.results.figures import municipality_k as municipality_k
from handlers.results.figures import threshold as threshold
from storage.models import Poll, Question
from storage.tallies import LANGUAGE
from storage.vocabulary import QuestionKind

MEDIAN = "median"


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
    """The results of a poll, every figure already suppressed; ``rounding`` is 1 when the
    counts are exact, else the base they are rounded to (an open poll)."""

    slug: str
    title: str
    status: str
    k: int
    language: str
    languages: tuple[str, ...]
    respondents: ResultRow
    questions: tuple[QuestionResult, ...]
    rounding: int = 1


def value_label(question: Question, value: int, language: str) -> str:
    """How a scale, yes/no or number answer reads in a language."""
    if question.kind == QuestionKind.YESNO:
        with use_language(language):
            return gettext("Yes") if value else gettext("No")
    return str(value)


async def poll_results(
    session: AsyncSession,
    poll: Poll,
    *,
    language: str,
    k: int | None = None,
    figures: PollFigures | None = None,
    audience: str = "results",
) -> PollResults:
    """Every question's results, by language, with labels in ``language``.

    The figures are the poll's published ones (``handlers.results.figures``: K fixed at first
    publication and only ever raised before it, fixed at closing, rounded while open), or
    ``figures`` when already at hand; the output is logged as published to ``audience``."""
    if language not in LANGUAGES:
        raise ResultsError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    if figures is None:
        figures = await poll_figures(session, poll, audience=audience, k=k)
    shown = figures.dimensions[LANGUAGE]
    respondents = _row(shown.respondents, 0, RESPONDENTS)
    questions = tuple(
        _question_result(number, question, shown, figures, language)
        for number, question in enumerate(poll.questions, start=1)
    )
    return PollResults(
        slug=poll.slug,
        title=localized(poll.title, language),
        status=poll.status,
        k=figures.k,
        language=language,
        languages=LANGUAGES,
        respondents=respondents,
        questions=questions,
        rounding=figures.rounding,
    )


def _row(table: SafeTable, index: int, label: str) -> ResultRow:
    """One row of a suppressed table as a result row."""
    return ResultRow(
        label, table.row_totals[index], dict(zip(LANGUAGES, table.cells[index], strict=True))
    )


def _figure_row(row: FigureRow, label: str) -> ResultRow:
    """A row of figures by language as a result row."""
    return ResultRow(label, row.total, dict(zip(LANGUAGES, row.by_column, strict=True)))


def _question_result(
    number: int,
    question: Question,
    shown: ShownDimension,
    figures: PollFigures,
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
        derived = figures.answered[LANGUAGE].get(question.id)
        answered = everyone if derived is None else _figure_row(derived, ANSWERED)
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
    if question.kind == QuestionKind.MULTI and question.id in shown.options:
        options = shown.options[question.id]
        option_rows = tuple(_row(options, i, labels[i]) for i in range(len(labels)))
        withheld = withheld or options.withheld
    median = (
        _figure_row(figures.medians[LANGUAGE][question.id], MEDIAN)
        if question.kind == QuestionKind.NUMBER
        else None
    )
    return QuestionResult(
        number, question.kind, text, answered, option_rows, median, withheld, skipped
    )


def row_labels(question: Question, language: str) -> list[str]:
    """The labels of a question's rows: its options, or its scale or yes/no values."""
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
        return [localized(option.text, language) for option in question.options]
    if question.kind in (QuestionKind.SCALE, QuestionKind.YESNO):
        return [value_label(question, value, language) for value in values_of(question)]
    return []
