"""How far notices reached, as staff may see it: outbox rows by reach, through the suppression.

The digest's notices section, /delivery and ``reslog notice list`` count a notice's outbox rows
the same way (``storage.digest_queries.REACH``): delivered (sent), failed (failed, or
unconfirmed: under way when the dispatcher stopped, staff told how many), blocked (the person blocked the bot or
opted out) and waiting (not sent yet). ``reach_table`` lays them out as a ``CountTable``, one
row per notice, for ``handlers.privacy.suppression``.

/delivery and ``reslog notice list`` show each notice on its own (``notice_reach``): a table of
one row, suppressed with the K of its assembly's municipality, its row total being the notice's
recipients. What it shows of a notice depends on that notice alone, so that both outputs, and
any number of notices listed beside it, show the same figures. A notice that reached nobody
reads 0 throughout: there is nobody to protect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from handlers.privacy.suppression import UNBOUNDED, Bounds, CountTable, SafeTable, suppress
from storage.digest_queries import REACH, REACH_OF_STATUS
from storage.vocabulary import OutboxStatus

NOTICE = "notice"


def reach_of(statuses: Mapping[str, int]) -> dict[str, int]:
    """Outbox rows by status (``storage.outbox.delivery_counts``) counted by reach."""
    reach = dict.fromkeys(REACH, 0)
    for status, count in statuses.items():
        column = REACH_OF_STATUS.get(status)
        if column is not None:
            reach[column] += count
    return reach


def reach_table(
    rows: Sequence[tuple[str, Mapping[str, int]]],
    column_labels: Sequence[str] = REACH,
    *,
    column_totals: bool = True,
    bounds: tuple[tuple[Bounds, ...], ...] | None = None,
) -> CountTable:
    """Notices' reach as a table: (label, reach) per notice, columns in the order of ``REACH``."""
    return CountTable(
        tuple(label for label, _reach in rows),
        tuple(column_labels),
        tuple(tuple(reach[column] for column in REACH) for _label, reach in rows),
        column_totals,
        bounds,
    )


@dataclass(frozen=True)
class ShownReach:
    """One notice's reach as staff may see it.

    ``figures`` holds one row (delivered, failed, blocked, waiting, as in ``REACH``) whose row
    total is the recipients; ``unconfirmed`` is how many of the failed were under way when the
    dispatcher stopped (a reader is told how many, to send them again, and the suppression
    knows it: failed is then at least that).
    """

    figures: SafeTable
    unconfirmed: int

    @property
    def recipients(self) -> str:
        """How many the notice went to, as shown."""
        return self.figures.row_totals[0]

    @property
    def cells(self) -> tuple[str, ...]:
        """Delivered, failed, blocked and waiting, as shown."""
        return self.figures.cells[0]


def notice_reach(statuses: Mapping[str, int], k: int) -> ShownReach:
    """One notice's outbox rows by status, suppressed on their own with the K of its municipality."""
    reach = reach_of(statuses)
    unconfirmed = statuses.get(OutboxStatus.UNCONFIRMED, 0)
    at_least: Bounds = (unconfirmed, None)
    known = tuple(at_least if column == "failed" else UNBOUNDED for column in REACH)
    table = reach_table([(NOTICE, reach)], column_totals=False, bounds=(known,))
    shown = suppress(table, k)
    if not any(reach.values()):
        zeros = ("0",) * len(REACH)
        shown = replace(shown, cells=(zeros,), row_totals=("0",))
    return ShownReach(shown, unconfirmed)
