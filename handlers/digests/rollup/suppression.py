"""Suppressing a table some of whose entries are already published elsewhere, in agreement with it.

A roll-up's column for a member union is that union's own figures, which its own digest has
published with its own pattern of hidden entries; a union's community table has the same
column totals as its table of who joined. ``suppress_agreeing`` takes the entries already
published (as display strings) and makes the new table agree with them before its own
complementary suppression and audit (``handlers.privacy.suppression``):

- an entry published as a number is *locked*: never hidden on this table's account, and
  known exactly to the reader, so the audit never counts on it to move;
- an entry published as hidden is hidden here too, with what the other table says of it
  (``<K``: at most K-1; ``x``: at least K) added to what the reader knows; the audit then
  makes sure it cannot be worked out from this table either.

So this table shows nothing about those entries that the other did not, and everything it
hides is safe within it, counting on nothing the other table shows. What it does not check is
the two tables solved together: a change of a shared hidden entry that each table absorbs,
but only through other shared entries moving in ways the other table cannot follow.

A column known to be all zeros (a member whose own digest said "nothing happened") is left
out: the rest is suppressed as above, so no hidden entry counts on those zeros to move, and
the column reads ``<K`` throughout. Adding zeros changes no total, so the reader learns from
the whole table what the rest alone shows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from handlers.privacy.suppression import (
    HIDDEN,
    WITHHELD,
    Bounds,
    CountTable,
    Entry,
    Grid,
    SafeTable,
    check_threshold,
    small,
    suppress,
)

Published = Mapping[Entry, tuple[str, int]]


def published_bounds(text: str, k: int) -> Bounds | None:
    """What a reader knows of an entry shown so in a table of threshold K; None for a number."""
    if text == WITHHELD:
        return (0, None)
    if text == HIDDEN:
        return (k, None)
    if text == small(k):
        return (0, k - 1)
    return None


def suppress_agreeing(
    table: CountTable, k: int, published: Published, zeros: Collection[int] = ()
) -> SafeTable:
    """The table suppressed so that the entries already published (text, that table's K) agree;
    the columns ``zeros`` are known to be all zeros, and are left out of it."""
    check_threshold(k)
    if not zeros:
        return _agreeing(table, k, published)
    if any(table.counts[a][b] for a in range(len(table.row_labels)) for b in zeros):
        raise ValueError("a column known to be zeros has counts")
    kept = [b for b in range(len(table.column_labels)) if b not in zeros]
    if not kept:
        return suppress(table, k)  # every count is zero
    rest = CountTable(
        table.row_labels,
        tuple(table.column_labels[b] for b in kept),
        tuple(tuple(row[b] for b in kept) for row in table.counts),
        table.column_totals,
    )
    columns = len(table.column_labels)
    where = {b: index for index, b in enumerate([*kept, columns])}
    moved = {(a, where[b]): shown for (a, b), shown in published.items() if b in where}
    return _with_zeros(table, _agreeing(rest, k, moved), where)


def _with_zeros(table: CountTable, rest: SafeTable, where: Mapping[int, int]) -> SafeTable:
    """The suppressed rest of a table with its columns of zeros put back, reading ``<K``."""
    filler = WITHHELD if rest.withheld else small(rest.k)

    def put_back(shown: Sequence[str]) -> tuple[str, ...]:
        return tuple(
            shown[where[b]] if b in where else filler for b in range(len(table.column_labels))
        )

    return replace(
        rest,
        column_labels=table.column_labels,
        cells=tuple(put_back(row) for row in rest.cells),
        column_totals=None if rest.column_totals is None else put_back(rest.column_totals),
    )


def _agreeing(table: CountTable, k: int, published: Published) -> SafeTable:
    """``suppress_agreeing`` of a table without columns of zeros."""
    grid = Grid.of(table, k)
    locked: set[Entry] = set()
    for entry, (text, their_k) in published.items():
        if entry not in grid.values:
            raise ValueError(f"no entry {entry} in the table")
        bounds = published_bounds(text, their_k)
        if bounds is None:
            if int(text) != grid.values[entry]:
                raise ValueError(f"entry {entry} is published as {text}, not {grid.values[entry]}")
            locked.add(entry)
            grid.known[entry] = (grid.values[entry], grid.values[entry])
        else:
            grid.hidden.add(entry)
            low, high = grid.known.get(entry, (0, None))
            new_low, new_high = bounds
            grid.known[entry] = (
                max(low, new_low),
                new_high if high is None else high if new_high is None else min(high, new_high),
            )
    grid.locked = frozenset(locked)
    grid.protect()
    return grid.display(table)
