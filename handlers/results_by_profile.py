"""Poll results broken down by one profile question: counted in SQL, suppressed as linked tables.

The columns are the profile question's options, then "prefer not to say" (``DECLINED``), then
``NO_ANSWER``: a member who never answered that profile question (or whose answer is no longer
one of its options), or a response whose participant erased themselves. Every response lands
in exactly one column, so each question's table adds up, per column, to the respondents row.

Every question with one answer per person (single, scale, yes/no) is a table of its options,
plus a "did not answer this question" row when anyone skipped it; multiple-choice, number and
text questions have an answered / did not answer table. All of them share the respondents row
as their column totals and are suppressed together (``handlers.suppression_linked``), so no
hidden count follows from the totals, another row, another column or another question. A
multiple-choice question's options are suppressed as their own table, each count known to be
at most the number who answered in its column; the answered counts are known, in turn, to lie
within what the shown options allow. A median shows only where at least K answered and the
table is not withheld, as in the breakdown by language.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import LANGUAGES, _, isolate, localized, use_language
from handlers.poll_tallies import NO_ANSWER, Counts, Tallies, tally_poll
from handlers.results import (
    MEDIAN,
    RESPONDENTS,
    SCALE_VALUES,
    YESNO_VALUES,
    ResultsError,
    municipality_k,
    shown_median,
    threshold,
    value_label,
)
from handlers.suppression import (
    HIDDEN,
    UNBOUNDED,
    WITHHELD,
    Bounds,
    CountTable,
    SafeTable,
    small,
    suppress,
)
from handlers.suppression_linked import suppress_linked
from storage.models import Assembly, Poll, Question

DECLINED = "(declined)"
ANSWERED, NOT_ANSWERED = "answered", "did not answer"
ONE_ANSWER_KINDS = ("single", "scale", "yesno")


class UnknownProfileKeyError(ResultsError):
    """The assembly has no profile question with this key; says which it has."""

    def __init__(self, key: str, code: str, questions: Sequence[dict[str, Any]]) -> None:
        self.key = key
        self.questions = tuple(questions)
        keys = ", ".join(q["key"] for q in questions) or "none"
        super().__init__(
            f"assembly {code} has no profile question {key!r}; its profile questions: {keys}"
        )

    def chat_message(self) -> str:
        """The same, for a person in chat, in the current language."""
        if not self.questions:
            return _("This assembly has no profile questions to break results down by.")
        return "\n".join(
            [
                _("There is no profile question {key}. The profile questions are:").format(
                    key=isolate(self.key)
                ),
                *profile_question_lines(self.questions),
            ]
        )


def profile_question_lines(questions: Sequence[dict[str, Any]]) -> list[str]:
    """One line per profile question: its key and its text in the current language."""
    return [f"• {isolate(q['key'])}: {localized(q['text'])}" for q in questions]


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
    tallies: Tallies | None = None,
) -> ProfileResults:
    """Every question's results by the answers to one profile question; labels in ``language``.

    ``tallies`` are the poll's by this question, when already counted (``tally_poll``)."""
    if language not in LANGUAGES:
        raise ResultsError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    assembly = await session.get(Assembly, poll.assembly_id)
    assert assembly is not None
    profile_question = find_profile_question(assembly, key)
    used_k = threshold(await municipality_k(session, poll), k)
    if tallies is None:
        tallies = (await tally_poll(session, poll, [profile_question]))[key]
    columns = _columns(profile_question, language)
    builder = _Builder(tuple(c.key for c in columns), tallies, used_k, language)
    respondents, questions = builder.build(poll.questions)
    return ProfileResults(
        slug=poll.slug,
        title=localized(poll.title, language),
        status=poll.status,
        k=used_k,
        language=language,
        by=key,
        question=localized(profile_question["text"], language),
        columns=columns,
        respondents=respondents,
        questions=questions,
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
    """Turns the raw tallies of one poll into suppressed rows, all questions linked."""

    keys: tuple[str, ...]
    tallies: Tallies
    k: int
    language: str

    def vector(self, counts: Counts) -> list[int]:
        """Counts by column; "" is "prefer not to say", an answer no longer offered is no answer."""
        found = dict.fromkeys(self.keys, 0)
        for stored, count in counts.items():
            column = DECLINED if stored == "" else stored if stored in found else NO_ANSWER
            found[column] += count
        return list(found.values())

    def respondents(self) -> list[int]:
        """The respondents per column."""
        return self.vector(self.tallies.respondents)

    def build(
        self, questions: Sequence[Question]
    ) -> tuple[ProfileRow, tuple[ProfileQuestionResult, ...]]:
        """The respondents row and every question's results, the linked tables suppressed together."""
        owned = [(q.id, table) for q in questions if (table := self._linked_table(q)) is not None]
        linked = suppress_linked(
            self.keys, self.respondents(), [table for _id, table in owned], self.k, RESPONDENTS
        )
        head = self._row(linked.respondents, 0, RESPONDENTS)
        tables = {qid: shown for (qid, _t), shown in zip(owned, linked.tables, strict=True)}
        return head, tuple(
            self._question(number, question, tables.get(question.id), head)
            for number, question in enumerate(questions, start=1)
        )

    def _rows_of(self, question: Question) -> list[tuple[str, list[int]]]:
        """The labelled count vectors of a question's options or values."""
        if question.kind in ("single", "multi"):
            return [
                (
                    localized(option.text, self.language),
                    self.vector(self.tallies.options.get(option.id, {})),
                )
                for option in question.options
            ]
        values = SCALE_VALUES if question.kind == "scale" else YESNO_VALUES
        return [
            (
                value_label(question, value, self.language),
                self.vector(self.tallies.values.get((question.id, value), {})),
            )
            for value in values
        ]

    def _answered(self, question: Question) -> list[int]:
        """Those who answered a question, by column."""
        return self.vector(self.tallies.answered.get(question.id, {}))

    def _linked_table(self, question: Question) -> CountTable | None:
        """The table of a question that shares the respondents row; None where it is that row."""
        respondents = self.respondents()
        if question.kind in ONE_ANSWER_KINDS:
            rows = self._rows_of(question)
            answered = [sum(column) for column in zip(*(c for _l, c in rows), strict=True)]
        else:
            answered = self._answered(question)
            rows = [(ANSWERED, answered)]
        skipped = [r - a for r, a in zip(respondents, answered, strict=True)]
        if any(skipped):
            rows = [*rows, (NOT_ANSWERED, skipped)]
        if len(rows) == 1:
            return None
        bounds = self._answered_bounds(question, rows) if question.kind == "multi" else None
        return CountTable(
            tuple(label for label, _c in rows),
            self.keys,
            tuple(tuple(c) for _l, c in rows),
            bounds=bounds,
        )

    def _answered_bounds(
        self, question: Question, rows: list[tuple[str, list[int]]]
    ) -> tuple[tuple[Bounds, ...], ...]:
        """What the options table, as shown, tells of those who answered a multiple choice.

        At least the most any option is shown to have, at most what its options can add up to
        (each person chose one at least), column by column.
        """
        shown = self._options_table(question)
        answered = tuple(
            _column_bounds([row[b] for row in shown.cells], self.k, shown.withheld)
            for b in range(len(self.keys))
        )
        return (answered, *((UNBOUNDED,) * len(self.keys) for _row in rows[1:]))

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
        shown = [self._row(table, i) for i in range(len(table.cells))] if table else []
        withheld = bool(table and table.withheld)
        if question.kind in ONE_ANSWER_KINDS:
            count = len(self._rows_of(question))
            skipped = shown[count] if len(shown) > count else None
            answered = None if skipped else head
            return ProfileQuestionResult(
                number, question.kind, text, answered, tuple(shown[:count]), skipped, None, withheld
            )
        first = shown[0] if shown else head
        answered_row = ProfileRow(ANSWERED, first.total, first.by_option)
        not_answered = shown[1] if len(shown) > 1 else None
        rows: tuple[ProfileRow, ...] = ()
        if question.kind == "multi":
            options = self._options_table(question)
            rows = tuple(self._row(options, i) for i in range(len(options.cells)))
            withheld = options.withheld  # the answered row alone may read "-"
        median = self._median(question, answered_row) if question.kind == "number" else None
        return ProfileQuestionResult(
            number, question.kind, text, answered_row, rows, not_answered, median, withheld
        )

    def _options_table(self, question: Question) -> SafeTable:
        """A multiple choice's options: each count at most the answered count of its column."""
        answered = self._answered(question)
        rows = self._rows_of(question)
        return suppress(
            CountTable(
                tuple(label for label, _c in rows),
                self.keys,
                tuple(tuple(c) for _l, c in rows),
                bounds=tuple(tuple((0, a) for a in answered) for _row in rows),
                unpublished_column_totals=tuple((a, a * len(rows)) for a in answered),
            ),
            self.k,
        )

    def _median(self, question: Question, answered: ProfileRow) -> ProfileRow:
        """The median answer per column and overall, only where the answered count is shown."""
        histograms: dict[str, dict[int, int]] = {key: defaultdict(int) for key in self.keys}
        for (question_id, value), counts in self.tallies.values.items():
            if question_id == question.id:
                for key, count in zip(self.keys, self.vector(counts), strict=True):
                    histograms[key][value] += count
        overall: dict[int, int] = defaultdict(int)
        for histogram in histograms.values():
            for value, count in histogram.items():
                overall[value] += count

        def shown(histogram: dict[int, int], figure: str) -> str:
            return shown_median(histogram, self.k, figure == WITHHELD)

        return ProfileRow(
            MEDIAN,
            shown(overall, answered.total),
            {key: shown(histograms[key], answered.by_option[key]) for key in self.keys},
        )


def _column_bounds(texts: list[str], k: int, withheld: bool) -> Bounds:
    """The least and most a column of shown option counts says its answered count can be."""
    if withheld:
        return UNBOUNDED
    lows = [k if t == HIDDEN else 0 if t == small(k) else int(t) for t in texts]
    highs = [None if t == HIDDEN else k - 1 if t == small(k) else int(t) for t in texts]
    return max(lows, default=0), None if None in highs else sum(h or 0 for h in highs)
