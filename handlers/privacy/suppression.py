"""Safe counts: the one module that decides what a count looks like when it leaves the system.

``suppress`` takes a table of counts (rows x columns, such as options x languages) and a
threshold K and returns every cell, row total, and (when asked) column total and grand total
as a display string. The rule, applied to cells and totals alike:

1. Primary suppression. A count under K, zero included, is shown as ``<K``.
2. Complementary suppression. A *line* is a row with its total, a column with its total,
   the row totals with the grand total, or the column totals with the grand total (the
   last three only when column totals are shown). Whenever a line has exactly one hidden
   entry, its smallest shown entry (a cell before a total on a tie, then the first) is
   hidden too, shown as ``x``; this repeats until no line has exactly one hidden entry.
3. Audit. Someone reading the table knows each ``<K`` lies in 0..K-1 and each ``x`` is at
   least K (else it would read ``<K``). A hidden entry is safe when some other table with
   the same shown numbers, within those bounds, gives it a different value. If one is not
   safe, the smallest shown entry of its row or column is hidden as well (``x``), and
   steps 2 and 3 run again, until every hidden entry is safe.
4. Withholding. If even with everything hidden the bounds alone pin an entry down, the
   whole table is withheld and every entry reads ``-``. (K=3, rows (1, 2) and (1, 2): a
   cell is at most 2 and a row at least 3, so each row has at least 1 in the first column,
   whose ``<3`` then leaves exactly 1 in each.) This is rare and needs tiny tables.

The audit is exact, not a rule of thumb. Negating the totals (the grand total twice) turns
the table's equations into "every line sums to a constant", so the tables that agree with
what is shown differ from the true one by circulations on the graph whose nodes are lines
and whose edges are the hidden entries; every such difference splits into unit cycles
that each stay within the bounds. So a hidden entry can change exactly when it lies on a
cycle of hidden entries that can each move by one in the cycle's direction, which a
search over that small graph decides.

A table may also say what a reader knows of each count beyond the table (``bounds``: a
multiple-choice option's count is at most the number who answered the question); the audit
then keeps every hidden entry movable within those bounds too, which the cycle argument
allows. Its column totals may be unpublished (``unpublished_column_totals``): never shown,
known only within bounds, and not themselves protected (the number of choices made in a
column, which is at least the number who answered there). Tables that share their column totals (a poll's questions broken down by the same
columns, all adding up to its respondents) are suppressed together by
``handlers.privacy.linked``, which uses the ``locked`` entries of the grid below.

What it does not know about: other tables published beside this one (the same people
counted again by another figure) unless linked so, and what a reader who knows this
procedure could infer from which cells it chose to hide, or from a table being withheld.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

HIDDEN = "x"
WITHHELD = "-"
MIN_K = 2

Entry = tuple[int, int]
Node = tuple[str, int]
Bounds = tuple[int, int | None]
FREE = ("c", -1)
UNBOUNDED: Bounds = (0, None)


@dataclass(frozen=True)
class CountTable:
    """Counts to publish: one row per label (an option), one column per label (a language)."""

    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    column_totals: bool = True
    bounds: tuple[tuple[Bounds, ...], ...] | None = None
    unpublished_column_totals: tuple[Bounds, ...] | None = None

    def __post_init__(self) -> None:
        """Refuse a table that is empty, ragged or negative, or whose bounds exclude its counts."""
        if not self.row_labels or not self.column_labels:
            raise ValueError("a count table needs at least one row and one column")
        if len(self.counts) != len(self.row_labels) or any(
            len(row) != len(self.column_labels) for row in self.counts
        ):
            raise ValueError("the counts do not match the row and column labels")
        if any(count < 0 for row in self.counts for count in row):
            raise ValueError("a count cannot be negative")
        if self.bounds is not None:
            if len(self.bounds) != len(self.counts) or any(
                len(row) != len(self.column_labels) for row in self.bounds
            ):
                raise ValueError("the bounds do not match the counts")
            for counts, bounds in zip(self.counts, self.bounds, strict=True):
                for count, (low, high) in zip(counts, bounds, strict=True):
                    if count < low or (high is not None and count > high):
                        raise ValueError("a count lies outside its bounds")
        if self.unpublished_column_totals is not None:
            if not self.column_totals or len(self.unpublished_column_totals) != len(
                self.column_labels
            ):
                raise ValueError("unpublished column totals need one bound per column")
            for column, (low, high) in zip(
                zip(*self.counts, strict=True), self.unpublished_column_totals, strict=True
            ):
                if sum(column) < low or (high is not None and sum(column) > high):
                    raise ValueError("a column total lies outside its bounds")


@dataclass(frozen=True)
class SafeTable:
    """A count table as it may be shown: every number a string, small and revealing ones hidden."""

    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]
    row_totals: tuple[str, ...]
    column_totals: tuple[str, ...] | None
    grand_total: str | None
    k: int
    withheld: bool = False


def small(k: int) -> str:
    """How a count under K is shown."""
    return f"<{k}"


def suppress(table: CountTable, k: int) -> SafeTable:
    """The table as display strings, with primary and complementary suppression applied."""
    check_threshold(k)
    grid = Grid.of(table, k)
    grid.protect()
    return grid.display(table)


def suppress_with(table: CountTable, k: int, extra: Iterable[Entry] = ()) -> SafeTable:
    """The table suppressed as ``suppress`` does, with some entries hidden from the start
    (entries another output hides, which this one must hide too)."""
    check_threshold(k)
    grid = Grid.of(table, k)
    grid.hidden |= set(extra)
    grid.protect()
    return grid.display(table)


def check_threshold(k: int) -> None:
    """Refuse a threshold too low to protect anyone."""
    if k < MIN_K:
        raise ValueError(f"the suppression threshold K must be at least {MIN_K}, not {k}")


@dataclass
class Grid:
    """The table with its totals as one grid: row ``rows`` holds column totals, column ``columns`` row totals."""

    values: dict[Entry, int]
    rows: int
    columns: int
    both: bool
    k: int
    primary: set[Entry]
    hidden: set[Entry]
    withheld: bool = False
    known: dict[Entry, Bounds] = field(default_factory=dict)
    locked: frozenset[Entry] = frozenset()
    unshown: frozenset[Entry] = frozenset()

    @classmethod
    def of(cls, table: CountTable, k: int) -> Grid:
        """Lay out the counts and their totals, and hide every count under K."""
        rows, columns = len(table.row_labels), len(table.column_labels)
        values = {(a, b): table.counts[a][b] for a in range(rows) for b in range(columns)}
        for a in range(rows):
            values[a, columns] = sum(table.counts[a])
        if table.column_totals:
            for b in range(columns + 1):
                values[rows, b] = sum(values[a, b] for a in range(rows))
        primary = {entry for entry, value in values.items() if value < k}
        known = {
            (a, b): table.bounds[a][b]
            for a in range(rows)
            for b in range(columns)
            if table.bounds is not None and table.bounds[a][b] != UNBOUNDED
        }
        grid = cls(
            values, rows, columns, table.column_totals, k, primary, set(primary), known=known
        )
        if table.unpublished_column_totals is not None:
            grid.hide_unpublished(table.unpublished_column_totals)
        return grid

    def hide_unpublished(self, column_bounds: tuple[Bounds, ...]) -> None:
        """Column totals (and the grand total) a reader never sees, and knows only the bounds of."""
        highs = [high for _low, high in column_bounds]
        grand: Bounds = (
            sum(low for low, _high in column_bounds),
            None if None in highs else sum(high or 0 for high in highs),
        )
        for b, bounds in enumerate((*column_bounds, grand)):
            self.known[self.rows, b] = bounds
        self.unshown = frozenset((self.rows, b) for b in range(self.columns + 1))
        self.primary -= self.unshown
        self.hidden = (self.hidden - self.unshown) | self.unshown

    def lines(self) -> list[tuple[Entry, ...]]:
        """Every set of entries bound by one equation: a row or column with its total."""
        last_row = self.rows + 1 if self.both else self.rows
        found = [tuple((a, b) for b in range(self.columns + 1)) for a in range(last_row)]
        if self.both:
            found += [tuple((a, b) for a in range(self.rows + 1)) for b in range(self.columns + 1)]
        return found

    def is_total(self, entry: Entry) -> bool:
        """Whether an entry is a total rather than a count of the table."""
        return entry[0] == self.rows or entry[1] == self.columns

    def smallest_shown(self, entries: Iterable[Entry]) -> Entry | None:
        """The shown entry to hide next among these: smallest, a cell before a total, then first.

        Locked entries are shown or hidden by someone else and are never chosen here.
        """
        shown = [e for e in entries if e not in self.hidden and e not in self.locked]
        return min(shown, key=lambda e: (self.values[e], self.is_total(e), e), default=None)

    def complete(self) -> None:
        """Hide entries until no line has exactly one hidden entry (withhold if only locked ones are left)."""
        changed = True
        while changed and not self.withheld:
            changed = False
            for line in self.lines():
                if self.unshown.intersection(line):
                    continue  # a total nobody sees: the audit decides what it protects
                if sum(entry in self.hidden for entry in line) == 1:
                    extra = self.smallest_shown(line)
                    if extra is None:
                        self.withheld = True
                        return
                    self.hidden.add(extra)
                    changed = True

    def protect(self) -> None:
        """Complementary suppression, then hide more until every hidden entry is safe, or withhold."""
        while True:
            self.complete()
            if self.withheld:
                return
            exposed = self.unsafe_entry()
            if exposed is None:
                return
            extra = self.smallest_shown(self.neighbours(exposed)) or self.smallest_shown(
                self.values
            )
            if extra is None:
                self.withheld = True
                return
            self.hidden.add(extra)

    def neighbours(self, entry: Entry) -> set[Entry]:
        """The entries sharing a line with this one."""
        return {other for line in self.lines() if entry in line for other in line}

    def nodes(self, entry: Entry) -> tuple[Node, Node]:
        """The row-side and column-side line of an entry (one free node if columns have no total)."""
        return ("r", entry[0]), (("c", entry[1]) if self.both else FREE)

    def bounds(self, entry: Entry) -> Bounds:
        """What a reader knows of a hidden entry: from how it is shown, and from outside the table."""
        if self.withheld or entry in self.unshown:
            low, high = 0, None
        elif entry in self.primary:
            low, high = 0, self.k - 1
        else:
            low, high = self.k, None
        known_low, known_high = self.known.get(entry, UNBOUNDED)
        if known_high is not None:
            high = known_high if high is None else min(high, known_high)
        return max(low, known_low), high

    def negated(self, entry: Entry) -> bool:
        """Whether the entry counts negatively in its lines (a total; the grand total twice)."""
        return (self.both and entry[0] == self.rows) != (entry[1] == self.columns)

    def moves(self, entry: Entry) -> tuple[bool, bool]:
        """Whether the entry, sign-adjusted as in the module docstring, can go up and down by one."""
        value = self.values[entry]
        low, high = self.bounds(entry)
        up, down = high is None or value < high, value > low
        return (down, up) if self.negated(entry) else (up, down)

    def edges(self, *, locked_move: bool = True) -> dict[Node, list[tuple[Node, Entry]]]:
        """The residual graph: up-moves run row to column, down-moves column to row.

        A withheld table shows nothing, so every entry of it may move; locked entries move
        only where hidden, and not at all without ``locked_move``.
        """
        graph: dict[Node, list[tuple[Node, Entry]]] = {}
        for entry in self.values if self.withheld else self.hidden:
            if entry in self.locked and not (locked_move and entry in self.hidden):
                continue
            row, column = self.nodes(entry)
            up, down = self.moves(entry)
            if up:
                graph.setdefault(row, []).append((column, entry))
            if down:
                graph.setdefault(column, []).append((row, entry))
        return graph

    def unsafe_entry(self) -> Entry | None:
        """A hidden entry that no other table agreeing with what is shown changes, if any."""
        graph = self.edges()
        for entry in sorted(self.hidden - self.locked - self.unshown):
            row, column = self.nodes(entry)
            up, down = self.moves(entry)
            if not (
                (up and reaches(graph, column, row, entry))
                or (down and reaches(graph, row, column, entry))
            ):
                return entry
        return None

    def text(self, entry: Entry) -> str:
        """One entry as shown."""
        if self.withheld:
            return WITHHELD
        if entry in self.primary:
            return small(self.k)
        return HIDDEN if entry in self.hidden else str(self.values[entry])

    def display(self, table: CountTable) -> SafeTable:
        """The grid as display strings."""
        rows, columns = range(self.rows), range(self.columns)
        published = self.both and not self.unshown
        return SafeTable(
            row_labels=table.row_labels,
            column_labels=table.column_labels,
            cells=tuple(tuple(self.text((a, b)) for b in columns) for a in rows),
            row_totals=tuple(self.text((a, self.columns)) for a in rows),
            column_totals=tuple(self.text((self.rows, b)) for b in columns) if published else None,
            grand_total=self.text((self.rows, self.columns)) if published else None,
            k=self.k,
            withheld=self.withheld,
        )


def reaches(
    graph: dict[Node, list[tuple[Node, Entry]]], start: Node, goal: Node, without: Entry
) -> bool:
    """Whether a path leads from start to goal without using one entry."""
    seen, queue = {start}, deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            return True
        for following, entry in graph.get(node, ()):
            if entry != without and following not in seen:
                seen.add(following)
                queue.append(following)
    return False


def suppress_counts(
    rows: Sequence[tuple[str, Sequence[int]]],
    column_labels: Sequence[str],
    k: int,
    *,
    column_totals: bool = True,
) -> SafeTable:
    """Suppress a table given as (label, counts) pairs."""
    return suppress(
        CountTable(
            tuple(label for label, _counts in rows),
            tuple(column_labels),
            tuple(tuple(counts) for _label, counts in rows),
            column_totals,
        ),
        k,
    )
