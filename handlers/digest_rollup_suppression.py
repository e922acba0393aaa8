"""Suppressing a table some of whose entries are already published elsewhere, in agreement with it.

A roll-up's column for a member union is that union's own figures, which its own digest has
published with its own pattern of hidden entries; a union's community table has the same
column totals as its table of who joined. ``suppress_agreeing`` takes the entries already
published (as display strings) and makes the new table agree with them before its own
complementary suppression and audit (``handlers.suppression``):

- an entry published as a number is *locked*: never hidden on this table's account, and
  known exactly to the reader, so the audit never counts on it to move;
- an entry published as hidden is hidden here too, with what the other table says of it
  (``<K``: at most K-1; ``x``: at least K) added to what the reader knows; the audit then
  makes sure it cannot be worked out from this table either.

So this table shows nothing about those entries that the other did not, and everything it
hides is safe within it, counting on nothing the other table shows. What it does not check is
the two tables solved together: a change of a shared hidden entry that each table absorbs,
but only through other shared entries moving in ways the other table cannot follow.
"""

from __future__ import annotations

from collections.abc import Mapping

from handlers.suppression import (
    HIDDEN,
    WITHHELD,
    Bounds,
    CountTable,
    Entry,
    Grid,
    SafeTable,
    check_threshold,
    small,
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


def suppress_agreeing(table: CountTable, k: int, published: Published) -> SafeTable:
    """The table suppressed so that the entries already published (text, that table's K) agree."""
    check_threshold(k)
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
