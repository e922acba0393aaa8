"""Tables that share their column totals, suppressed together so that no two of them tell more.

A poll broken down by a profile question has one table per question, each counting the same
people by the same columns: its column totals are the poll's respondents per column, shown
once above them all (the *respondents row*). Suppressing each table alone could hide a
column total in one table and show it in another, or let two tables together pin down what
each alone hides. ``suppress_linked`` prevents both:

1. The respondents row is suppressed alone (``handlers.privacy.suppression``). Its hidden entries are
   hidden in every table's column totals too, and those totals are *locked*: a table never
   hides or shows them on its own account.
2. Every change the respondents row allows (a *witness*: two of its hidden entries by one,
   one up and one down, or a column and the total alike) must be absorbed by every table
   through its own hidden entries, the other totals kept (a path in its residual graph, as
   in the audit). Then each table is audited on its own, its hidden column totals free to
   move: a cycle of the audit crosses the column totals at most once, so it changes them by
   a witness, which every other table absorbs; a hidden entry that can change in its table
   can change with all the tables agreeing, and so can a hidden respondents entry.
3. If a table absorbs some witness not, it hides its smallest shown entry in the witness's
   columns (else anywhere), or is withheld when nothing is left to hide, and all runs again.
   A withheld table shows nothing and so absorbs a witness unless what is known of its
   counts from outside pins them; then the respondents row hides its smallest shown entry.

A table whose line could only be protected by hiding a locked total is withheld as well.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from handlers.privacy.suppression import (
    CountTable,
    Entry,
    Grid,
    Node,
    SafeTable,
    check_threshold,
    reaches,
)

NOWHERE: Entry = (-1, -1)

Witness = dict[int, int]


@dataclass(frozen=True)
class LinkedSafeTables:
    """The respondents row and each table, suppressed consistently."""

    respondents: SafeTable
    tables: tuple[SafeTable, ...]


def suppress_linked(
    column_labels: Sequence[str],
    respondents: Sequence[int],
    tables: Sequence[CountTable],
    k: int,
    label: str = "respondents",
    *,
    extras: Sequence[Iterable[Entry]] | None = None,
    respondents_extra: Iterable[Entry] = (),
) -> LinkedSafeTables:
    """Suppress tables whose column totals are all ``respondents``, and that row itself.

    ``extras`` (one set per table) and ``respondents_extra`` are entries to hide from the
    start: what other outputs of the same figures hide (``handlers.results.disclosure``)."""
    check_threshold(k)
    row = CountTable((label,), tuple(column_labels), (tuple(respondents),), column_totals=False)
    for table in tables:
        if table.column_labels != row.column_labels or not table.column_totals:
            raise ValueError("linked tables need the same columns, with column totals")
        if [sum(column) for column in zip(*table.counts, strict=True)] != list(respondents):
            raise ValueError("a linked table's column totals are not the respondents row")
    head = Grid.of(row, k)
    head.hidden |= set(respondents_extra)
    head.protect()
    if head.withheld:
        return _all_withheld(head, row, tables, k)
    extras_of = extras if extras is not None else [() for _table in tables]
    if len(extras_of) != len(tables):
        raise ValueError("linked tables need one set of extra hidden entries each")
    hide: list[set[Entry]] = [set(entries) for entries in extras_of]
    forced: set[int] = set()
    while True:
        grids = [
            _linked_grid(table, k, head, hide[index], index in forced)
            for index, table in enumerate(tables)
        ]
        failure = _first_failure(head, grids)
        if failure is None:
            return LinkedSafeTables(
                head.display(row),
                tuple(grid.display(table) for grid, table in zip(grids, tables, strict=True)),
            )
        index, columns = failure
        grid = grids[index]
        near = [entry for entry in grid.values if entry[1] in columns]
        extra = grid.smallest_shown(near) or grid.smallest_shown(grid.values)
        if extra is not None:
            hide[index].add(extra)
        elif index not in forced:
            forced.add(index)
        else:
            # Even withheld, the table pins the respondents entry (by what is known of it):
            # the respondents row hides more.
            more = head.smallest_shown(head.values)
            if more is None:
                return _all_withheld(head, row, tables, k)
            head.hidden.add(more)
            head.protect()
            if head.withheld:
                return _all_withheld(head, row, tables, k)


def _linked_grid(table: CountTable, k: int, head: Grid, extra: set[Entry], withheld: bool) -> Grid:
    """One table with its column totals locked to the respondents row, protected."""
    grid = Grid.of(table, k)
    grid.locked = frozenset((grid.rows, b) for b in range(grid.columns + 1))
    grid.hidden |= {(grid.rows, b) for _a, b in head.hidden} | extra
    if withheld:
        grid.withheld = True
    else:
        grid.protect()
    return grid


def _first_failure(head: Grid, grids: list[Grid]) -> tuple[int, set[int]] | None:
    """A table that does not absorb some witness of the respondents row, and its columns."""
    for entry in sorted(head.hidden):
        for witness in _witnesses(head, entry):
            for index, grid in enumerate(grids):
                if not _absorbs(grid, witness):
                    return index, set(witness)
    return None


def _witnesses(head: Grid, entry: Entry) -> Iterator[Witness]:
    """Changes by one of this hidden entry and another that keep the respondents row adding up."""
    total = head.columns

    def can(item: Entry, change: int) -> bool:
        low, high = head.bounds(item)
        value = head.values[item]
        return value + change >= low and (high is None or value + change <= high)

    for other in sorted(head.hidden - {entry}):
        together = (entry[1] == total) != (other[1] == total)
        for change in (1, -1):
            partner = change if together else -change
            if can(entry, change) and can(other, partner):
                yield {entry[1]: change, other[1]: partner}


def _absorbs(grid: Grid, witness: Witness) -> bool:
    """Whether the table's hidden entries can follow this change of its locked column totals."""
    excess: dict[Node, int] = defaultdict(int)
    for column, change in witness.items():
        entry = (grid.rows, column)
        row, node = grid.nodes(entry)
        flow = -change if grid.negated(entry) else change  # sign-adjusted: row -> column
        excess[node] += flow
        excess[row] -= flow
    sources = [node for node, amount in excess.items() if amount > 0]
    sinks = [node for node, amount in excess.items() if amount < 0]
    if not sources:
        return True
    if len(sources) != 1 or len(sinks) != 1 or excess[sources[0]] != 1:
        return False
    return reaches(grid.edges(locked_move=False), sources[0], sinks[0], NOWHERE)


def _all_withheld(
    head: Grid, row: CountTable, tables: Sequence[CountTable], k: int
) -> LinkedSafeTables:
    """Everything withheld, when even the respondents row alone would give a count away."""
    shown = []
    for table in tables:
        grid = Grid.of(table, k)
        grid.withheld = True
        shown.append(grid.display(table))
    return LinkedSafeTables(head.display(row), tuple(shown))
