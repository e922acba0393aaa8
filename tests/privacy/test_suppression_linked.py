"""Linked suppression: tables sharing the respondents row tell nothing together that each hides.

The property tests search, by brute force and independently of the audit, every set of tables
a reader could believe: a respondents row within what it shows, and for it every table within
what it shows (``<K`` is 0..K-1, ``x`` at least K, ``-`` anything, the known bounds held),
adding up to that row. A hidden entry is safe when some such set gives it another value.
The same search checks single tables with known bounds and unpublished column totals.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.privacy.linked import suppress_linked
from handlers.privacy.suppression import (
    HIDDEN,
    UNBOUNDED,
    WITHHELD,
    Bounds,
    CountTable,
    SafeTable,
    small,
    suppress,
)

Counts = tuple[tuple[int, ...], ...]


def _span(text: str, k: int, cap: int) -> tuple[int, int]:
    """What a reader knows of one shown entry."""
    if text == small(k):
        return 0, k - 1
    if text == HIDDEN:
        return k, cap
    if text == WITHHELD:
        return 0, cap
    return int(text), int(text)


def _meet(a: tuple[int, int], b: Bounds, cap: int) -> tuple[int, int]:
    return max(a[0], b[0]), min(a[1], cap if b[1] is None else b[1])


def _worlds(
    shown: SafeTable,
    totals: Sequence[int] | None,
    cap: int,
    known: Sequence[Sequence[Bounds]] | None = None,
    column_bounds: Sequence[Bounds] | None = None,
) -> Iterator[Counts]:
    """Every table of counts that looks like ``shown``: with these column totals, or within bounds."""
    k = shown.k
    rows, columns = len(shown.cells), len(shown.column_labels)
    cells = [
        [
            _meet(_span(text, k, cap), known[a][b] if known else UNBOUNDED, cap)
            for b, text in enumerate(row)
        ]
        for a, row in enumerate(shown.cells)
    ]
    row_totals = [_span(text, k, cap) for text in shown.row_totals]
    grid = [[0] * columns for _row in range(rows)]

    def columns_ok() -> bool:
        sums = [sum(grid[a][b] for a in range(rows)) for b in range(columns)]
        if totals is not None:
            return sums == list(totals)
        if column_bounds is not None:
            return all(
                low <= total <= (cap if high is None else high)
                for total, (low, high) in zip(sums, column_bounds, strict=True)
            )
        return True

    def fill(position: int) -> Iterator[Counts]:
        if position == rows * columns:
            if columns_ok():
                yield tuple(tuple(row) for row in grid)
            return
        a, b = divmod(position, columns)
        low, high = cells[a][b]
        for value in range(low, high + 1):
            grid[a][b] = value
            if totals is not None and sum(grid[r][b] for r in range(a + 1)) > totals[b]:
                break
            if b == columns - 1 and not row_totals[a][0] <= sum(grid[a]) <= row_totals[a][1]:
                continue
            yield from fill(position + 1)
        grid[a][b] = 0

    yield from fill(0)


def _respondent_rows(shown: SafeTable, cap: int, truth: Sequence[int]) -> list[tuple[int, ...]]:
    """Every respondents row that looks like the shown one, nearest the truth first."""
    found = list(_worlds(shown, None, cap))
    return sorted(
        (row[0] for row in found),
        key=lambda r: sum(abs(x - t) for x, t in zip(r, truth, strict=True)),
    )


def _linked_cases() -> st.SearchStrategy[tuple[tuple[int, ...], list[Counts], int]]:
    @st.composite
    def build(draw: st.DrawFn) -> tuple[tuple[int, ...], list[Counts], int]:
        columns = draw(st.integers(1, 3))
        k = draw(st.integers(2, 3))
        tables = []
        first_rows = draw(st.integers(2, 3))
        first = draw(
            st.lists(
                st.lists(st.integers(0, 4), min_size=columns, max_size=columns),
                min_size=first_rows,
                max_size=first_rows,
            )
        )
        respondents = tuple(sum(col) for col in zip(*first, strict=True))
        tables.append(tuple(tuple(row) for row in first))
        if draw(st.booleans()):
            # A second table of the same people: split each column's total between two rows.
            top = [draw(st.integers(0, total)) for total in respondents]
            tables.append((tuple(top), tuple(t - x for t, x in zip(respondents, top, strict=True))))
        return respondents, tables, k

    return build()


def _exposed_linked(respondents: tuple[int, ...], tables: list[Counts], k: int) -> list[str]:
    """The hidden entries a reader of all the shown tables together can work out."""
    columns = len(respondents)
    labels = tuple(f"c{b}" for b in range(columns))
    counts = [CountTable(tuple(f"r{a}" for a in range(len(t))), labels, t) for t in tables]
    result = suppress_linked(labels, respondents, counts, k)
    cap = sum(respondents) + 2 * k
    heads = _respondent_rows(result.respondents, cap, respondents)
    worlds_by_head = {
        head: [list(_worlds(shown, head, cap)) for shown in result.tables] for head in heads
    }
    possible = {head: worlds for head, worlds in worlds_by_head.items() if all(worlds)}
    exposed = []
    truth_head = tuple(respondents)
    for b, text in enumerate((*result.respondents.cells[0], result.respondents.row_totals[0])):
        if text in (small(k), HIDDEN, WITHHELD):
            value = sum(respondents) if b == columns else respondents[b]
            others = [h for h in possible if (sum(h) if b == columns else h[b]) != value]
            if not others:
                exposed.append(f"respondents {b}")
    for index, (shown, truth) in enumerate(zip(result.tables, tables, strict=True)):
        for a, row in enumerate(shown.cells):
            for b, text in enumerate((*row, shown.row_totals[a])):
                if text not in (small(k), HIDDEN, WITHHELD):
                    continue
                value = sum(truth[a]) if b == columns else truth[a][b]
                if not any(
                    (sum(w[a]) if b == columns else w[a][b]) != value
                    for worlds in possible.values()
                    for w in worlds[index]
                ):
                    exposed.append(f"table {index} ({a}, {b})")
    assert truth_head in possible
    return exposed


@settings(max_examples=120, deadline=None)
@given(_linked_cases())
def test_no_hidden_entry_can_be_worked_out_from_linked_tables_together(
    case: tuple[tuple[int, ...], list[Counts], int],
) -> None:
    respondents, tables, k = case
    assert _exposed_linked(respondents, tables, k) == []


@settings(max_examples=150, deadline=None)
@given(_linked_cases())
def test_linked_tables_show_the_respondents_row_exactly_as_it_is_shown_alone(
    case: tuple[tuple[int, ...], list[Counts], int],
) -> None:
    respondents, tables, k = case
    labels = tuple(f"c{b}" for b in range(len(respondents)))
    counts = [CountTable(tuple(f"r{a}" for a in range(len(t))), labels, t) for t in tables]
    result = suppress_linked(labels, respondents, counts, k)
    head = (*result.respondents.cells[0], result.respondents.row_totals[0])
    for shown in result.tables:
        if not shown.withheld:
            assert shown.column_totals is not None
            assert (*shown.column_totals, shown.grand_total) == head
        texts = [t for row in shown.cells for t in row] + list(shown.row_totals)
        assert all(t in (small(k), HIDDEN, WITHHELD) or int(t) >= k for t in texts)


def test_a_table_suppressed_alone_hides_a_total_that_the_respondents_row_shows() -> None:
    # Alone, the second table hides its column totals 3 and 4; the respondents row shows
    # them, and then column y reads "<3 + x = 3": x is 3 and the small count 0.
    labels = ("x", "y", "z")
    first = ((5, 1, 4), (0, 2, 0))
    second = ((0, 0, 4), (5, 3, 0))
    alone = suppress(CountTable(("c", "d"), labels, second), 3)
    assert alone.column_totals == ("5", "x", "x")
    assert alone.cells[0][1] == "<3" and alone.cells[1][1] == HIDDEN
    tables = [CountTable(("a", "b"), labels, first), CountTable(("c", "d"), labels, second)]
    linked = suppress_linked(labels, (5, 3, 4), tables, 3)
    assert linked.respondents.cells == (("5", "3", "4"),)
    assert linked.tables[0].column_totals == ("5", "3", "4")
    assert linked.tables[1].withheld  # no way to show it that keeps column y's cells apart
    assert _exposed_linked((5, 3, 4), [first, second], 3) == []


def test_linked_tables_must_add_up_to_the_respondents_row() -> None:
    table = CountTable(("a",), ("x", "y"), ((1, 2),))
    with pytest.raises(ValueError, match="not the respondents row"):
        suppress_linked(("x", "y"), (1, 3), [table], 2)
    with pytest.raises(ValueError, match="same columns"):
        suppress_linked(("x", "z"), (1, 2), [table], 2)
    with pytest.raises(ValueError, match="at least 2"):
        suppress_linked(("x", "y"), (1, 2), [table], 1)


@st.composite
def _bounded_tables(draw: st.DrawFn) -> tuple[CountTable, int]:
    """A multiple-choice table: cells at most the column's answered count, totals unpublished."""
    columns = draw(st.integers(1, 3))
    rows = draw(st.integers(1, 2))
    answered = [draw(st.integers(0, 4)) for _b in range(columns)]
    counts = tuple(
        tuple(draw(st.integers(0, answered[b])) for b in range(columns)) for _a in range(rows)
    )
    sums = [sum(col) for col in zip(*counts, strict=True)]
    column_bounds = tuple((min(n, s), rows * n) for n, s in zip(answered, sums, strict=True))
    cell_bounds = tuple(tuple((0, answered[b]) for b in range(columns)) for _a in range(rows))
    table = CountTable(
        tuple(f"r{a}" for a in range(rows)),
        tuple(f"c{b}" for b in range(columns)),
        counts,
        bounds=cell_bounds,
        unpublished_column_totals=column_bounds,
    )
    return table, draw(st.integers(2, 3))


@settings(max_examples=150, deadline=None)
@given(_bounded_tables())
def test_no_hidden_cell_can_be_worked_out_with_known_bounds_and_unpublished_totals(
    case: tuple[CountTable, int],
) -> None:
    table, k = case
    shown = suppress(table, k)
    assert shown.column_totals is None and shown.grand_total is None
    cap = sum(map(sum, table.counts)) + 2 * k
    assert table.bounds is not None and table.unpublished_column_totals is not None
    worlds = list(_worlds(shown, None, cap, table.bounds, table.unpublished_column_totals))
    assert table.counts in worlds
    # What the bounds alone (a table showing nothing) leave open, the shown table leaves open.
    blank = SafeTable(
        shown.row_labels,
        shown.column_labels,
        tuple((WITHHELD,) * len(row) for row in shown.cells),
        (WITHHELD,) * len(shown.row_totals),
        None,
        None,
        k,
        True,
    )
    open_anyway = list(_worlds(blank, None, cap, table.bounds, table.unpublished_column_totals))
    columns = len(table.column_labels)

    def entry(world: Counts, a: int, b: int) -> int:
        return sum(world[a]) if b == columns else world[a][b]

    for a, row in enumerate(shown.cells):
        for b, text in enumerate((*row, shown.row_totals[a])):
            if text in (small(k), HIDDEN, WITHHELD):
                value = entry(table.counts, a, b)
                if any(entry(w, a, b) != value for w in open_anyway):
                    assert any(entry(w, a, b) != value for w in worlds), (table, shown, a, b)


def test_bounds_that_exclude_the_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="outside its bounds"):
        CountTable(("a",), ("x",), ((3,),), bounds=(((0, 2),),))
    with pytest.raises(ValueError, match="column total lies outside"):
        CountTable(("a",), ("x",), ((3,),), unpublished_column_totals=((4, None),))
