"""One disclosure plan per poll: every breakdown of its results suppressed together, then audited.

A poll's results leave the system broken down by language and by each profile question of
its assembly (in chat, on the command line, in digests and their workbooks, in the message
sent at closing). A reader may hold all of them at once, so they are decided together:

1. *Each breakdown* is one linked set (``handlers.privacy.linked``): the respondents row,
   and for every question its options (or answered) and a "did not answer" row, all adding up
   column by column to the respondents. A multiple choice's options are a table of their own,
   each count at most the answered count of its column.
2. *Across breakdowns* the tables share their row totals: how many chose an option overall,
   how many skipped a question, how many responded, are the same numbers in every breakdown.
   A row total hidden in one breakdown is hidden in all of them (this only ever adds hidden
   totals, so it ends).
3. *An audit* (``handlers.results.audit``) then reads every figure of every breakdown as
   one integer program, as a reader solving them all together would. While it finds a hidden
   figure that only one value fits, the smallest shown figure beside it is hidden too and all
   runs again. If nothing is left to hide, every table is withheld.

The audit's model is the one the published figures state: each breakdown's tables, their row
and column totals, the shared totals and the multiple-choice bounds. It does not model the
cross-classification of two profile answers (no output shows one), nor the medians of number
questions (shown only where at least K answered).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from handlers.privacy.linked import suppress_linked
from handlers.privacy.suppression import (
    HIDDEN,
    UNBOUNDED,
    WITHHELD,
    Bounds,
    CountTable,
    Entry,
    Grid,
    SafeTable,
    check_threshold,
    small,
    suppress_with,
)
from handlers.results.audit import LinearModel, pinned
from storage.models import Question
from storage.tallies import NO_ANSWER, Counts, Tallies
from storage.vocabulary import QuestionKind

DECLINED = "(declined)"
ANSWERED, NOT_ANSWERED, RESPONDENTS = "answered", "did not answer", "respondents"
ONE_ANSWER_KINDS = (QuestionKind.SINGLE, QuestionKind.SCALE, QuestionKind.YESNO)
SCALE_VALUES = (1, 2, 3, 4, 5)
YESNO_VALUES = (1, 0)
MAX_ROUNDS = 400
HEAD = ("head", 0)

TableId = tuple[str, int]
Place = tuple[str, TableId, Entry]


@dataclass(frozen=True)
class Dimension:
    """One breakdown: its name (a language or a profile key), its columns and its raw counts."""

    key: str
    columns: tuple[str, ...]
    tallies: Tallies

    def vector(self, counts: Counts) -> list[int]:
        """Counts by column; "" is "prefer not to say", any value not a column is no answer."""
        found = dict.fromkeys(self.columns, 0)
        for stored, count in counts.items():
            if stored in found:
                column = stored
            elif stored == "" and DECLINED in found:
                column = DECLINED
            elif NO_ANSWER in found:
                column = NO_ANSWER
            else:
                raise ValueError(f"{stored!r} is not a column of the breakdown by {self.key}")
            found[column] += count
        return list(found.values())


@dataclass(frozen=True)
class ShownDimension:
    """One breakdown as it may be shown: the respondents row and every question's tables, by
    question id (no linked table where a question's only row is the respondents row)."""

    key: str
    columns: tuple[str, ...]
    respondents: SafeTable
    linked: dict[int, SafeTable]
    options: dict[int, SafeTable]


def row_counts(question: Question, dimension: Dimension) -> list[list[int]]:
    """A question's options (or scale and yes/no values) counted by the dimension's columns."""
    tallies = dimension.tallies
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
        return [dimension.vector(tallies.options.get(o.id, {})) for o in question.options]
    values = SCALE_VALUES if question.kind == QuestionKind.SCALE else YESNO_VALUES
    return [dimension.vector(tallies.values.get((question.id, v), {})) for v in values]


def profile_columns(question: Mapping[str, Any]) -> tuple[str, ...]:
    """A profile question's columns: its options' keys, "prefer not to say", no answer."""
    return (*(str(option["key"]) for option in question["options"]), DECLINED, NO_ANSWER)


def values_of(question: Question) -> tuple[int, ...]:
    """The values a scale or yes/no question's rows stand for, in order."""
    return SCALE_VALUES if question.kind == QuestionKind.SCALE else YESNO_VALUES


def disclose(
    questions: Sequence[Question], dimensions: Sequence[Dimension], k: int
) -> dict[str, ShownDimension]:
    """Every breakdown of a poll suppressed together so that all of them, read together,
    pin no hidden figure; by dimension key."""
    check_threshold(k)
    if len({sum(d.vector(d.tallies.respondents)) for d in dimensions}) > 1:
        raise ValueError("every breakdown must count the same respondents")
    plan = _Plan(tuple(questions), tuple(dimensions), k)
    for _round in range(MAX_ROUNDS):
        plan.suppress()
        if plan.share_hidden_totals():
            continue
        index = pinned(plan.model, plan.to_check())
        if index is None:
            return plan.shown
        if not plan.hide_beside(index):
            break
    plan.withhold_all()
    return plan.shown


def withheld_breakdowns(
    questions: Sequence[Question], dimensions: Sequence[Dimension], k: int
) -> dict[str, ShownDimension]:
    """Every breakdown of the poll with every figure withheld (an open poll's), by dimension
    key: the same tables, rows and columns the disclosure plan shows once it closes."""
    plan = _Plan(tuple(questions), tuple(dimensions), k)
    plan.suppress()
    return {key: withheld_dimension(shown) for key, shown in plan.shown.items()}


@dataclass
class _Plan:
    """The state of one poll's disclosure: extra entries each table must hide, and the result."""

    questions: tuple[Question, ...]
    dimensions: tuple[Dimension, ...]
    k: int
    extras: defaultdict[tuple[str, TableId], set[Entry]] = field(
        default_factory=lambda: defaultdict(set)
    )
    shown: dict[str, ShownDimension] = field(default_factory=dict)
    tables: dict[tuple[str, TableId], CountTable] = field(default_factory=dict)
    model: LinearModel = field(default_factory=LinearModel)
    places: dict[int, list[Place]] = field(default_factory=dict)
    exact: set[int] = field(default_factory=set)

    def suppress(self) -> None:
        """Suppress every breakdown with the extra hidden entries so far, and model it."""
        self.tables.clear()
        self.shown = {d.key: self._suppress(d) for d in self.dimensions}
        self._build_model()

    def _suppress(self, dimension: Dimension) -> ShownDimension:
        """One breakdown, its linked tables and its multiple choices' options."""
        key = dimension.key
        respondents = dimension.vector(dimension.tallies.respondents)
        options: dict[int, SafeTable] = {}
        linked_ids: list[int] = []
        linked_tables: list[CountTable] = []
        for question in self.questions:
            if question.kind == QuestionKind.MULTI and question.options:
                table = self._options_table(question, dimension)
                self.tables[key, ("options", question.id)] = table
                options[question.id] = suppress_with(
                    table, self.k, self.extras[key, ("options", question.id)]
                )
            table_of = self._linked_table(question, dimension, respondents, options)
            if table_of is not None:
                self.tables[key, ("linked", question.id)] = table_of
                linked_ids.append(question.id)
                linked_tables.append(table_of)
        self.tables[key, HEAD] = CountTable(
            (RESPONDENTS,), dimension.columns, (tuple(respondents),), column_totals=False
        )
        linked = suppress_linked(
            dimension.columns,
            respondents,
            linked_tables,
            self.k,
            RESPONDENTS,
            extras=[self.extras[key, ("linked", q)] for q in linked_ids],
            respondents_extra=self.extras[key, HEAD],
        )
        return ShownDimension(
            key,
            dimension.columns,
            linked.respondents,
            dict(zip(linked_ids, linked.tables, strict=True)),
            options,
        )

    def _options_table(self, question: Question, dimension: Dimension) -> CountTable:
        """A multiple choice's options: each count at most the answered count of its column."""
        answered = dimension.vector(dimension.tallies.answered.get(question.id, {}))
        rows = row_counts(question, dimension)
        return CountTable(
            tuple(str(o.id) for o in question.options),
            dimension.columns,
            tuple(tuple(row) for row in rows),
            bounds=tuple(tuple((0, a) for a in answered) for _row in rows),
            unpublished_column_totals=tuple((a, a * len(rows)) for a in answered),
        )

    def _linked_table(
        self,
        question: Question,
        dimension: Dimension,
        respondents: list[int],
        options: dict[int, SafeTable],
    ) -> CountTable | None:
        """The question's table sharing the respondents row; None where it is that row."""
        if question.kind in ONE_ANSWER_KINDS:
            rows = row_counts(question, dimension)
            labels = [str(i) for i in range(len(rows))]
            answered = [sum(column) for column in zip(*rows, strict=True)] if rows else []
            answered = answered or [0] * len(respondents)
        else:
            answered = dimension.vector(dimension.tallies.answered.get(question.id, {}))
            rows, labels = [answered], [ANSWERED]
        skipped = [r - a for r, a in zip(respondents, answered, strict=True)]
        if any(skipped):
            rows, labels = [*rows, skipped], [*labels, NOT_ANSWERED]
        if len(rows) <= 1:
            return None
        bounds = None
        if question.id in options:
            answered_bounds = _answered_bounds(options[question.id], self.k)
            bounds = (answered_bounds, *((UNBOUNDED,) * len(respondents) for _r in rows[1:]))
        return CountTable(
            tuple(labels), dimension.columns, tuple(tuple(r) for r in rows), bounds=bounds
        )

    def share_hidden_totals(self) -> bool:
        """Hide in every breakdown the shared totals some breakdown hides; whether any were new."""
        added = False
        for table_id, row in set(self._hidden_shared()):
            for dimension in self.dimensions:
                place = (dimension.key, table_id)
                entry = (row, len(dimension.columns))
                if place in self.tables and entry not in self.extras[place]:
                    self.extras[place].add(entry)
                    added = True
        return added

    def _hidden_shared(self) -> Iterator[tuple[TableId, int]]:
        """Totals every breakdown shares (an option's, a question's, all respondents), as a
        table and a row, that one of them hides."""
        for shown in self.shown.values():
            if _hidden(shown.respondents.row_totals[0], self.k):
                yield HEAD, 0
            for kind, tables in (("linked", shown.linked), ("options", shown.options)):
                for question_id, table in tables.items():
                    for row, total in enumerate(table.row_totals):
                        if _hidden(total, self.k):
                            yield (kind, question_id), row

    def _build_model(self) -> None:
        """The integer program of every figure shown, with the places each unknown is shown."""
        model = LinearModel()
        self.places, self.exact = defaultdict(list), set()
        total = sum(self.dimensions[0].vector(self.dimensions[0].tallies.respondents))
        everyone = model.unknown(total)
        shared: dict[tuple[TableId, int], int] = {}
        for dimension in self.dimensions:
            self._model_dimension(model, dimension, everyone, shared)
        self.model = model

    def _model_dimension(
        self,
        model: LinearModel,
        dimension: Dimension,
        everyone: int,
        shared: dict[tuple[TableId, int], int],
    ) -> None:
        """One breakdown's unknowns and equations, tied to the shared totals."""
        key = dimension.key
        shown = self.shown[key]
        head = self.tables[key, HEAD]
        width = len(dimension.columns)
        by_column = [model.unknown(value) for value in head.counts[0]]
        model.equal({**{u: 1 for u in by_column}, everyone: -1})
        self._show(model, key, HEAD, shown.respondents, [by_column], [everyone], None, everyone)
        answered_cells: dict[int, list[int]] = {}
        for question_id, safe in shown.linked.items():
            table = self.tables[key, ("linked", question_id)]
            cells, totals = _rows_adding_up(model, table, ("linked", question_id), shared)
            for b in range(width):
                model.equal({**{row[b]: 1 for row in cells}, by_column[b]: -1})
            if table.row_labels[0] == ANSWERED:
                answered_cells[question_id] = cells[0]
            place = ("linked", question_id)
            self._show(model, key, place, safe, cells, totals, by_column, everyone)
        for question_id, safe in shown.options.items():
            table = self.tables[key, ("options", question_id)]
            answered = answered_cells.get(question_id, by_column)
            cells, totals = _rows_adding_up(model, table, ("options", question_id), shared)
            for row_cells in cells:
                for cell, whole in zip(row_cells, answered, strict=True):
                    model.between({cell: 1, whole: -1}, None, 0)
            for b in range(width):
                model.between({**{row[b]: 1 for row in cells}, answered[b]: -1}, 0, None)
            place = ("options", question_id)
            self._show(model, key, place, safe, cells, totals, None, None)

    def _show(
        self,
        model: LinearModel,
        key: str,
        table_id: TableId,
        safe: SafeTable,
        cells: list[list[int]],
        row_totals: list[int],
        column_totals: list[int] | None,
        grand: int | None,
    ) -> None:
        """Bound each unknown by how the table shows it, and remember where it is shown."""
        rows, width = len(cells), len(cells[0]) if cells else 0
        shown: list[tuple[Entry, int, str]] = []
        for a, row in enumerate(cells):
            shown += [((a, b), unknown, safe.cells[a][b]) for b, unknown in enumerate(row)]
            shown.append(((a, width), row_totals[a], safe.row_totals[a]))
        if column_totals is not None and safe.column_totals is not None:
            shown += [((rows, b), u, safe.column_totals[b]) for b, u in enumerate(column_totals)]
        if grand is not None and safe.grand_total is not None:
            shown.append(((rows, width), grand, safe.grand_total))
        for entry, unknown, text in shown:
            self._bound(model, unknown, text)
            self.places[unknown].append((key, table_id, entry))

    def _bound(self, model: LinearModel, unknown: int, text: str) -> None:
        """What one shown figure tells a reader of its unknown."""
        if text == WITHHELD:
            return
        if text == small(self.k):
            model.bound(unknown, 0, self.k - 1)
        elif text == HIDDEN:
            model.bound(unknown, self.k, None)
        else:
            model.bound(unknown, int(text), int(text))
            self.exact.add(unknown)

    def to_check(self) -> list[int]:
        """The unknowns no output shows exactly that are hidden somewhere or small."""
        return [
            unknown
            for unknown in sorted(self.places)
            if unknown not in self.exact
            and (
                self.model.truth[unknown] < self.k
                or any(_hidden(self._text(p), self.k) for p in self.places[unknown])
            )
        ]

    def _text(self, place: Place) -> str:
        """How an entry of one of the tables is shown."""
        key, table_id, (a, b) = place
        shown = self.shown[key]
        safe = (
            shown.respondents
            if table_id == HEAD
            else (shown.linked if table_id[0] == "linked" else shown.options)[table_id[1]]
        )
        rows, width = len(safe.cells), len(safe.column_labels)
        if a < rows and b < width:
            return safe.cells[a][b]
        if a < rows:
            return safe.row_totals[a]
        if b < width:
            return (safe.column_totals or ("",) * width)[b]
        return safe.grand_total or ""

    def hide_beside(self, unknown: int) -> bool:
        """Hide the smallest shown figure beside a pinned one; False when none is left."""
        candidates: list[tuple[int, bool, str, TableId, Entry]] = []
        for key, table_id, entry in self.places[unknown]:
            grid = Grid.of(self.tables[key, table_id], self.k)
            for other in grid.neighbours(entry):
                if self._shown_exactly((key, table_id, other)):
                    candidates.append(
                        (grid.values[other], grid.is_total(other), key, table_id, other)
                    )
        if not candidates:
            candidates = list(self._any_shown())
        if not candidates:
            return False
        _value, _total, key, table_id, entry = min(candidates)
        self._add_extra(key, table_id, entry)
        return True

    def _any_shown(self) -> Iterator[tuple[int, bool, str, TableId, Entry]]:
        """Every entry of every table still shown exactly."""
        for (key, table_id), table in self.tables.items():
            grid = Grid.of(table, self.k)
            for entry, value in grid.values.items():
                if self._shown_exactly((key, table_id, entry)):
                    yield value, grid.is_total(entry), key, table_id, entry

    def _shown_exactly(self, place: Place) -> bool:
        """Whether an entry is shown as a number."""
        text = self._text(place)
        return text.isdigit()

    def _add_extra(self, key: str, table_id: TableId, entry: Entry) -> None:
        """Hide an entry from now on; a linked table's column totals are its respondents'."""
        table = self.tables[key, table_id]
        rows = len(table.row_labels)
        if table_id[0] == "linked" and entry[0] == rows:
            self.extras[key, HEAD].add((0, entry[1]))
        else:
            self.extras[key, table_id].add(entry)

    def withhold_all(self) -> None:
        """Nothing safe is left to show: every table of every breakdown is withheld."""
        self.shown = {key: withheld_dimension(shown) for key, shown in self.shown.items()}


def _rows_adding_up(
    model: LinearModel,
    table: CountTable,
    table_id: TableId,
    shared: dict[tuple[TableId, int], int],
) -> tuple[list[list[int]], list[int]]:
    """A table's cells as unknowns, each row adding up to its total; a row's total is one
    unknown shared by every breakdown (made by the first that needs it)."""
    cells = [[model.unknown(v) for v in row] for row in table.counts]
    totals = []
    for r, row in enumerate(table.counts):
        if (table_id, r) not in shared:
            shared[table_id, r] = model.unknown(sum(row))
        totals.append(shared[table_id, r])
    for row_cells, row_total in zip(cells, totals, strict=True):
        model.equal({**{u: 1 for u in row_cells}, row_total: -1})
    return cells, totals


def _hidden(text: str, k: int) -> bool:
    """Whether a figure is shown hidden (but not withheld)."""
    return text in (small(k), HIDDEN)


def withheld_dimension(shown: ShownDimension) -> ShownDimension:
    """A breakdown with every figure of every table withheld."""
    return ShownDimension(
        shown.key,
        shown.columns,
        _withheld(shown.respondents),
        {q: _withheld(t) for q, t in shown.linked.items()},
        {q: _withheld(t) for q, t in shown.options.items()},
    )


def _withheld(table: SafeTable) -> SafeTable:
    """A table with every figure withheld."""
    cells = tuple(tuple(WITHHELD for _c in row) for row in table.cells)
    return SafeTable(
        table.row_labels,
        table.column_labels,
        cells,
        tuple(WITHHELD for _r in table.row_totals),
        tuple(WITHHELD for _c in table.column_totals) if table.column_totals else None,
        WITHHELD if table.grand_total is not None else None,
        table.k,
        withheld=True,
    )


def _answered_bounds(options: SafeTable, k: int) -> tuple[Bounds, ...]:
    """What a multiple choice's shown options tell of those who answered it, column by column:
    at least the most any option is shown to have, at most what its options add up to."""
    return tuple(
        _column_bounds([row[b] for row in options.cells], k, options.withheld)
        for b in range(len(options.column_labels))
    )


def _column_bounds(texts: list[str], k: int, withheld: bool) -> Bounds:
    """The least and most a column of shown option counts says its answered count can be."""
    if withheld:
        return UNBOUNDED
    lows = [k if t == HIDDEN else 0 if t == small(k) else int(t) for t in texts]
    highs = [None if t == HIDDEN else k - 1 if t == small(k) else int(t) for t in texts]
    return max(lows, default=0), None if None in highs else sum(h or 0 for h in highs)
