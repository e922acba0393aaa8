"""Suppression: no shown number is small, and no hidden one can be worked out from the rest.

The property tests check what ``suppress`` shows against an independent brute force: every
table of counts that would look the same to a reader (``<K`` is 0..K-1, ``x`` is K or more,
totals add up) is searched for one that gives a hidden entry another value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.privacy.suppression import (
    HIDDEN,
    WITHHELD,
    CountTable,
    SafeTable,
    small,
    suppress,
    suppress_counts,
)

LANGS = ("tr", "ar", "en")


@st.composite
def count_tables(
    draw: st.DrawFn, max_rows: int = 3, max_columns: int = 3, max_count: int = 12
) -> tuple[CountTable, int]:
    """A random table of counts and a threshold K."""
    rows = draw(st.integers(1, max_rows))
    columns = draw(st.integers(1, max_columns))
    counts = draw(
        st.lists(
            st.lists(st.integers(0, max_count), min_size=columns, max_size=columns),
            min_size=rows,
            max_size=rows,
        )
    )
    table = CountTable(
        tuple(f"row {a}" for a in range(rows)),
        tuple(f"col {b}" for b in range(columns)),
        tuple(tuple(row) for row in counts),
        draw(st.booleans()),
    )
    return table, draw(st.integers(2, 6))


def _is_hidden(text: str, k: int) -> bool:
    return text in (small(k), HIDDEN, WITHHELD)


def _lines_with_shown_total(shown: SafeTable) -> list[list[str]]:
    """Each row, column, and total line whose total is shown: the entries that add up to it."""
    k = shown.k
    lines = [
        list(cells)
        for cells, total in zip(shown.cells, shown.row_totals, strict=True)
        if not _is_hidden(total, k)
    ]
    if shown.column_totals is not None and shown.grand_total is not None:
        columns = list(zip(*shown.cells, strict=True))
        lines += [
            list(column)
            for column, total in zip(columns, shown.column_totals, strict=True)
            if not _is_hidden(total, k)
        ]
        if not _is_hidden(shown.grand_total, k):
            lines += [list(shown.row_totals), list(shown.column_totals)]
    return lines


def _all_texts(shown: SafeTable) -> list[str]:
    texts = [text for row in shown.cells for text in row] + list(shown.row_totals)
    texts += list(shown.column_totals or ()) + ([shown.grand_total] if shown.grand_total else [])
    return texts


def text_bounds(text: str, k: int, cap: int) -> tuple[int, int]:
    """What a figure shown so, in a table of threshold K, tells a reader of its value."""
    if text == small(k):
        return 0, k - 1
    if text == HIDDEN:
        return k, cap
    if text == WITHHELD:
        return 0, cap
    return int(text), int(text)


@dataclass
class _Reader:
    """What a reader knows from a shown table: bounds of every entry, and that totals add up.

    ``known`` adds what the reader knows of some entries from elsewhere (another digest), by
    target as ``another_table_changes`` names them.
    """

    shown: SafeTable
    truth: CountTable
    cap: int
    known: Mapping[tuple[str, int, int], tuple[int, int]] = field(default_factory=dict)

    def bounds(self, text: str, entry: tuple[str, int, int]) -> tuple[int, int]:
        """What the table says of an entry, narrowed by what is known of it from elsewhere."""
        low, high = text_bounds(text, self.shown.k, self.cap)
        known_low, known_high = self.known.get(entry, (0, self.cap))
        return max(low, known_low), min(high, known_high)

    def another_table_changes(self, target: tuple[str, int, int]) -> bool:
        """Whether some table that looks the same gives the target entry another value.

        ``target`` is ("cell", a, b), ("row", a, 0), ("column", b, 0) or ("grand", 0, 0).
        """
        counts = self.truth.counts
        rows, columns = len(counts), len(counts[0])
        cells = [
            [self.bounds(t, ("cell", a, b)) for b, t in enumerate(row)]
            for a, row in enumerate(self.shown.cells)
        ]
        row_bounds = [self.bounds(t, ("row", a, 0)) for a, t in enumerate(self.shown.row_totals)]
        both = self.shown.column_totals is not None
        column_bounds = [
            self.bounds(t, ("column", b, 0))
            for b, t in enumerate(self.shown.column_totals or [WITHHELD] * columns)
        ]
        grand = self.bounds(self.shown.grand_total or WITHHELD, ("grand", 0, 0))
        truth = {
            **{("row", a): sum(row) for a, row in enumerate(counts)},
            **{("column", b): sum(col) for b, col in enumerate(zip(*counts, strict=True))},
            ("grand", 0): sum(map(sum, counts)),
        }
        row_sum, column_sum = [0] * rows, [0] * columns

        def allowed(kind: str, index: int, value: int, low: int, high: int) -> bool:
            """In bounds, and not the true value if this total is the target."""
            if (target[0], target[1]) == (kind, index) and value == truth[kind, index]:
                return False
            return low <= value <= high

        def row_ok(a: int) -> bool:
            return allowed("row", a, row_sum[a], *row_bounds[a])

        def column_ok(b: int) -> bool:
            return allowed("column", b, column_sum[b], *column_bounds[b])

        order = [(a, b) for a in range(rows) for b in range(columns)]
        # What the cells not yet chosen can still add, to prune early: (least, most).
        row_rest = {(a, b): _span(cells[a][c] for c in range(b + 1, columns)) for a, b in order}
        column_rest = {(a, b): _span(cells[r][b] for r in range(a + 1, rows)) for a, b in order}
        grand_rest = [_span(cells[r][c] for r, c in order[p + 1 :]) for p in range(len(order))]

        def fits(position: int) -> bool:
            a, b = order[position]
            if not _reachable(row_sum[a], row_rest[a, b], row_bounds[a]):
                return False
            if b == columns - 1 and not row_ok(a):
                return False
            if not both:
                return True
            if not _reachable(column_sum[b], column_rest[a, b], column_bounds[b]):
                return False
            if a == rows - 1 and not column_ok(b):
                return False
            return _reachable(sum(row_sum), grand_rest[position], grand)

        def search(position: int) -> bool:
            if position == len(order):
                return not both or allowed("grand", 0, sum(row_sum), *grand)
            a, b = order[position]
            low, high = cells[a][b]
            true = counts[a][b]
            for value in sorted(range(low, high + 1), key=lambda v: abs(v - true)):
                if target == ("cell", a, b) and value == true:
                    continue
                row_sum[a] += value
                column_sum[b] += value
                if fits(position) and search(position + 1):
                    return True
                row_sum[a] -= value
                column_sum[b] -= value
            return False

        return search(0)


def _span(bounds: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """The least and the most that cells within these bounds add up to."""
    pairs = list(bounds)
    return sum(low for low, _high in pairs), sum(high for _low, high in pairs)


def _reachable(so_far: int, rest: tuple[int, int], bounds: tuple[int, int]) -> bool:
    """Whether a partial sum can still end within bounds."""
    return so_far + rest[0] <= bounds[1] and so_far + rest[1] >= bounds[0]


def _hidden_targets(shown: SafeTable) -> list[tuple[str, int, int]]:
    k = shown.k
    targets = [
        ("cell", a, b)
        for a, row in enumerate(shown.cells)
        for b, text in enumerate(row)
        if _is_hidden(text, k)
    ]
    targets += [("row", a, 0) for a, t in enumerate(shown.row_totals) if _is_hidden(t, k)]
    targets += [
        ("column", b, 0) for b, t in enumerate(shown.column_totals or ()) if _is_hidden(t, k)
    ]
    if shown.grand_total is not None and _is_hidden(shown.grand_total, k):
        targets.append(("grand", 0, 0))
    return targets


@settings(max_examples=300, deadline=None)
@given(count_tables(max_rows=12, max_columns=4, max_count=40))
def test_every_shown_number_is_at_least_k(case: tuple[CountTable, int]) -> None:
    table, k = case
    shown = suppress(table, k)
    for text in _all_texts(shown):
        assert _is_hidden(text, k) or int(text) >= k, text


@settings(max_examples=300, deadline=None)
@given(count_tables(max_rows=12, max_columns=4, max_count=40))
def test_a_line_with_a_shown_total_hides_none_or_at_least_two(
    case: tuple[CountTable, int],
) -> None:
    table, k = case
    shown = suppress(table, k)
    for line in _lines_with_shown_total(shown):
        hidden = sum(_is_hidden(text, k) for text in line)
        assert hidden != 1, (shown, line)


@settings(max_examples=400, deadline=None)
@given(count_tables())
def test_no_hidden_entry_can_be_worked_out_from_what_is_shown(
    case: tuple[CountTable, int],
) -> None:
    table, k = case
    shown = suppress(table, k)
    reader = _Reader(shown, table, cap=sum(map(sum, table.counts)) + 2 * k)
    exposed = [t for t in _hidden_targets(shown) if not reader.another_table_changes(t)]
    assert exposed == [], (table.counts, shown)


@settings(max_examples=300, deadline=None)
@given(count_tables(max_rows=5, max_columns=3, max_count=10))
def test_no_hidden_entry_can_be_worked_out_in_a_poll_sized_table(
    case: tuple[CountTable, int],
) -> None:
    table, k = case
    shown = suppress(table, k)
    reader = _Reader(shown, table, cap=sum(map(sum, table.counts)) + 2 * k)
    exposed = [t for t in _hidden_targets(shown) if not reader.another_table_changes(t)]
    assert exposed == [], (table.counts, shown)


@settings(max_examples=200, deadline=None)
@given(count_tables(max_rows=12, max_columns=4, max_count=40), st.integers(0, 30))
def test_without_small_counts_nothing_is_hidden(case: tuple[CountTable, int], lift: int) -> None:
    table, k = case
    lifted = CountTable(
        table.row_labels,
        table.column_labels,
        tuple(tuple(max(count, k) + lift for count in row) for row in table.counts),
        table.column_totals,
    )
    shown = suppress(lifted, k)
    assert all(not _is_hidden(text, k) for text in _all_texts(shown))
    assert shown.cells == tuple(tuple(str(c) for c in row) for row in lifted.counts)


def test_the_reader_finds_what_primary_suppression_alone_gives_away() -> None:
    table = CountTable(("respondents",), LANGS, ((6, 7, 2),), column_totals=False)
    naive = SafeTable(table.row_labels, LANGS, (("6", "7", "<5"),), ("15",), None, None, 5)
    reader = _Reader(naive, table, cap=30)
    assert not reader.another_table_changes(("cell", 0, 2))
    assert _Reader(suppress(table, 5), table, cap=30).another_table_changes(("cell", 0, 2))
    # "x" is at least K: x + <5 = 12 - 7 pins x to 5 and the small count to 0.
    edge = CountTable(("respondents",), LANGS, ((5, 7, 0),), column_totals=False)
    bounded = SafeTable(edge.row_labels, LANGS, (("x", "7", "<5"),), ("12",), None, None, 5)
    assert not _Reader(bounded, edge, cap=30).another_table_changes(("cell", 0, 2))


def test_a_small_count_is_shown_as_under_k_and_its_row_partner_is_hidden() -> None:
    shown = suppress_counts([("respondents", [6, 7, 2])], LANGS, 5, column_totals=False)
    assert shown.cells == (("x", "7", "<5"),)
    assert shown.row_totals == ("15",)


def test_zero_is_a_small_count_too_and_a_partner_at_exactly_k_is_not_enough() -> None:
    # 0 + x = 12 - 7 would pin x to 5 and the zero to 0: a third cell is hidden.
    shown = suppress_counts([("answers", [5, 7, 0])], LANGS, 5, column_totals=False)
    assert shown.cells == (("x", "x", "<5"),)
    assert shown.row_totals == ("12",)


def test_a_total_under_k_is_hidden_with_its_row() -> None:
    shown = suppress_counts([("a", [1, 2, 0]), ("b", [9, 8, 7])], LANGS, 5)
    assert shown.cells[0] == ("<5", "<5", "<5")
    assert shown.row_totals[0] == "<5"
    # Grand total 27 is shown: so the other row total must be hidden too.
    assert shown.grand_total == "27"
    assert shown.row_totals[1] == HIDDEN
    assert shown.cells[1] == ("9", "8", "7") or HIDDEN in shown.cells[1]


def test_column_totals_take_part_in_the_rule() -> None:
    shown = suppress_counts([("a", [3, 9, 12]), ("b", [8, 1, 30]), ("c", [10, 10, 10])], LANGS, 5)
    assert shown.cells == (("<5", "x", "12"), ("x", "<5", "30"), ("10", "10", "10"))
    assert shown.row_totals == ("24", "39", "30")
    assert shown.column_totals == ("21", "20", "52")
    assert shown.grand_total == "93"


def test_a_table_that_bounds_alone_would_give_away_is_withheld() -> None:
    # Rows of 1 and 2 with K=3: every cell is at most 2, every row at least 3, and the
    # first column under 3 then forces 1 in each of its cells, whatever else is hidden.
    shown = suppress_counts([("a", [1, 2]), ("b", [1, 2])], ["tr", "ar"], 3)
    assert shown.withheld
    assert _all_texts(shown) == [WITHHELD] * 9
    assert not suppress_counts(
        [("a", [1, 2]), ("b", [1, 2])], ["tr", "ar"], 3, column_totals=False
    ).withheld


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: suppress_counts([("a", [1])], ["tr"], 1), "at least 2"),
        (lambda: CountTable(("a",), ("tr", "ar"), ((1,),)), "do not match"),
        (lambda: CountTable(("a",), ("tr",), ((-1,),)), "negative"),
        (lambda: CountTable((), ("tr",), ()), "at least one row"),
    ],
)
def test_bad_tables_and_thresholds_are_refused(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()
