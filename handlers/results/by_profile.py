"""Poll results broken down by one profile question: counted in SQL, suppressed as linked tables.

The columns are the profile question's options, then "prefer not to say" (``DECLINED``), then
``NO_ANSWER``: a member who never answered that profile question (or whose answer is no longer
one of its options), or a response whose participant erased themselves. Every response lands
in exactly one column, so each question's table adds up, per column, to the respondents row.

Every question with one answer per person (single, scale, yes/no) is a table of its options,
plus a "did not answer this question" row when anyone skipped it; multiple-choice, number and
text questions have an answered / did not answer table. All of them share the respondents row
as their column totals and are suppressed together (``handlers.privacy.linked``), so no
hidden count follows from the totals, another row, another column or another question. A
multiple-choice question's options are suppressed as their own table, each count known to be
at most the number who answered in its column; the answered counts are known, in turn, to lie
within what the shown options allow. A median shows only where at least K answered and the
table is not withheld, as in the breakdown by language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n.core import LANGUAGES, N_, _, localized, use_language
from handlers.i18n.lazy import render
from handlers.privacy.suppression import SafeTable
from handlers.results.by_language import MEDIAN, ResultsError, row_labels
from handlers.results.disclosure import (
    ANSWERED,
    DECLINED,
    NOT_ANSWERED,
    ONE_ANSWER_KINDS,
    RESPONDENTS,
    ShownDimension,
)
from handlers.results.figures import FigureRow, PollFigures, poll_figures
from storage.errors import LazyText, Plain, layout, lazy, lines
from storage.models import Assembly, Poll, Question
from storage.tallies import NO_ANSWER
from storage.vocabulary import QuestionKind


class UnknownProfileKeyError(ResultsError):
    """The assembly has no profile question with this key; says which it has."""

    def __init__(self, key: str, code: str, questions: Sequence[dict[str, Any]]) -> None:
        keys = ", ".join(q["key"] for q in questions) or "none"
        english = f"assembly {code} has no profile question {key!r}; its profile questions: {keys}"
        said: LazyText | str = N_(
            "This assembly has no profile questions to break results down by."
        )
        if questions:
            said = lines(
                lazy(N_("There is no profile question {key}. The profile questions are:"), key=key),
                *map(_question_line, questions),
            )
        super().__init__(said, english=english)


def profile_question_lines(questions: Sequence[dict[str, Any]]) -> list[str]:
    """One line per profile question: its key and its text in the current language."""
    return [render(_question_line(q)) for q in questions]


def _question_line(question: dict[str, Any]) -> LazyText:
    """A profile question as a list item: its key, and its text in the reader's language."""
    return layout("• {key}: {text}", key=str(question["key"]), text=Plain(dict(question["text"])))


@dataclass(frozen=True)
class ProfileColumn:
    """One column of the breakdown: a profile option's key (or a special one) and its label."""

    key: str
    label: str


@dataclass(frozen=True)
class ProfileRow:
    """One line of a results table: what it counts, the total, and the figure per column."""

    label: str
    total: str
    by_option: dict[str, str]


@dataclass(frozen=True)
class ProfileQuestionResult:
    """One question's results by profile answer; ``answered`` is None where the rows add up to it."""

    number: int
    kind: str
    text: str
    answered: ProfileRow | None
    rows: tuple[ProfileRow, ...]
    not_answered: ProfileRow | None
    median: ProfileRow | None
    withheld: bool


@dataclass(frozen=True)
class ProfileResults:
    """A poll's results by one profile question, every figure already suppressed."""

    slug: str
    title: str
    status: str
    k: int
    language: str
    by: str
    question: str
    columns: tuple[ProfileColumn, ...]
    respondents: ProfileRow
    questions: tuple[ProfileQuestionResult, ...]
    rounding: int = 1


def find_profile_question(assembly: Assembly, key: str) -> dict[str, Any]:
    """The assembly's profile question with this key, or UnknownProfileKeyError."""
    for question in assembly.profile or []:
        if question.get("key") == key:
            return question
    raise UnknownProfileKeyError(key, assembly.join_code, assembly.profile or [])


async def results_by_profile(
    session: AsyncSession,
    poll: Poll,
    key: str,
    *,
    language: str,
    k: int | None = None,
    figures: PollFigures | None = None,
    audience: str = "results",
) -> ProfileResults:
    """Every question's results by the answers to one profile question; labels in ``language``.

    The figures are the poll's published ones (``handlers.results.figures``), or ``figures`` when
    already at hand; the output is logged as published to ``audience``."""
    if language not in LANGUAGES:
        raise ResultsError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    assembly = await session.get(Assembly, poll.assembly_id)
    assert assembly is not None
    profile_question = find_profile_question(assembly, key)
    if figures is None:
        figures = await poll_figures(session, poll, audience=audience, k=k)
    if key not in figures.dimensions:  # asked only after the poll's figures were fixed
        published = [q for q in assembly.profile or [] if str(q["key"]) in figures.dimensions]
        raise UnknownProfileKeyError(key, assembly.join_code, published)
    shown = figures.dimensions[key]
    labelled = {column.key: column for column in _columns(profile_question, language)}
    columns = tuple(labelled.get(c, ProfileColumn(c, c)) for c in shown.columns)
    builder = _Builder(shown.columns, shown, figures, key, language)
    respondents, questions = builder.build(poll.questions)
    return ProfileResults(
        slug=poll.slug,
        title=localized(poll.title, language),
        status=poll.status,
        k=figures.k,
        language=language,
        by=key,
        question=localized(profile_question["text"], language),
        columns=columns,
        respondents=respondents,
        questions=questions,
        rounding=figures.rounding,
    )


def _columns(question: dict[str, Any], language: str) -> tuple[ProfileColumn, ...]:
    """The profile question's options, then "prefer not to say" and "no answer", labelled."""
    with use_language(language):
        specials = (
            ProfileColumn(DECLINED, _("prefer not to say")),
            ProfileColumn(NO_ANSWER, _("no answer")),
        )
    options = tuple(
        ProfileColumn(option["key"], localized(option["text"], language))
        for option in question["options"]
    )
    return options + specials


@dataclass
class _Builder:
    """Turns one breakdown of the poll's disclosure plan into labelled result rows."""

    keys: tuple[str, ...]
    shown: ShownDimension
    figures: PollFigures
    key: str
    language: str

    def build(
        self, questions: Sequence[Question]
    ) -> tuple[ProfileRow, tuple[ProfileQuestionResult, ...]]:
        """The respondents row and every question's results."""
        head = self._row(self.shown.respondents, 0, RESPONDENTS)
        return head, tuple(
            self._question(number, question, self.shown.linked.get(question.id), head)
            for number, question in enumerate(questions, start=1)
        )

    def _row(self, table: SafeTable, index: int, label: str | None = None) -> ProfileRow:
        """One row of a suppressed table."""
        return ProfileRow(
            label or table.row_labels[index],
            table.row_totals[index],
            dict(zip(self.keys, table.cells[index], strict=True)),
        )

    def _question(
        self, number: int, question: Question, table: SafeTable | None, head: ProfileRow
    ) -> ProfileQuestionResult:
        """One question's suppressed results."""
        text = localized(question.text, self.language)
        withheld = bool(table and table.withheld)
        if question.kind in ONE_ANSWER_KINDS:
            labels = row_labels(question, self.language)
            count = len(labels)
            if table is None:  # one option, and everyone chose it
                alone = tuple(ProfileRow(label, head.total, head.by_option) for label in labels)
                return ProfileQuestionResult(
                    number, question.kind, text, head, alone, None, None, False
                )
            shown = [self._row(table, i, labels[i]) for i in range(count)]
            skipped = self._row(table, count, NOT_ANSWERED) if len(table.cells) > count else None
            answered = None if skipped or self.figures.rounding > 1 else head
            return ProfileQuestionResult(
                number, question.kind, text, answered, tuple(shown), skipped, None, withheld
            )
        first = self._row(table, 0, ANSWERED) if table else head
        answered_row = ProfileRow(ANSWERED, first.total, first.by_option)
        not_answered = (
            self._row(table, 1, NOT_ANSWERED)
            if table is not None and len(table.cells) > 1
            else None
        )
        rows: tuple[ProfileRow, ...] = ()
        if question.kind == QuestionKind.MULTI and question.id in self.shown.options:
            options = self.shown.options[question.id]
            labels = row_labels(question, self.language)
            rows = tuple(self._row(options, i, labels[i]) for i in range(len(labels)))
            withheld = options.withheld  # the answered row alone may read "-"
        median = self._median(question) if question.kind == QuestionKind.NUMBER else None
        return ProfileQuestionResult(
            number, question.kind, text, answered_row, rows, not_answered, median, withheld
        )

    def _median(self, question: Question) -> ProfileRow:
        """The median answer per column and overall, as the poll's figures give it."""
        row: FigureRow = self.figures.medians[self.key][question.id]
        return ProfileRow(MEDIAN, row.total, dict(zip(self.keys, row.by_column, strict=True)))
