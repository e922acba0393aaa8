"""What each member's own digest already shows of its column in a roll-up.

A municipality's digest shows its new members by language and by community (its members
table's totals), how many polls it ran (one section each) and their respondents, every
feedback text (so their number exactly), and its notices' reach totals. A member union's
digest shows its row totals. The roll-up is suppressed to agree with all of it
(``handlers.digests.rollup.suppression``), so reading both tells no more than each.

A digest that says "nothing happened in this period" has published every figure of the
period as an exact zero, not as ``<K``: its column is zeros, known to the reader, so the
roll-up cannot count on them to hide anyone else. Nobody having joined in the period before
is taken as known too, since that period's own digest may have said so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from handlers.digests.members import CommunityRows, joined_table
from handlers.digests.notices import notices_section
from handlers.digests.report import RollupDigest
from handlers.i18n.core import LANGUAGES
from storage.digest_queries import REACH, JoinedCount, NoticeReach
from storage.models import Assembly, Municipality


@dataclass(frozen=True)
class ShownColumn:
    """A member's figures as its own digest shows them (None: not shown as such), with its K."""

    k: int
    joined: tuple[str, ...]
    joined_total: str | None
    previous: tuple[str, ...]
    previous_total: str | None
    communities: dict[str | None, str]
    participation: tuple[str | None, str | None]
    feedback: str | None
    reach: tuple[str, ...]
    reach_total: str | None


ZERO = "0"


def nothing_happened(column: ShownColumn) -> ShownColumn:
    """The column of a member whose own digest says nothing happened: the period's figures are
    exact zeros (the period before stays as it was shown)."""
    return replace(
        column,
        joined=(ZERO,) * len(column.joined),
        joined_total=ZERO,
        communities=dict.fromkeys(column.communities, ZERO),
        participation=(ZERO, ZERO),
        feedback=ZERO,
        reach=(ZERO,) * len(column.reach),
        reach_total=ZERO,
    )


def zero_columns(
    shown: Mapping[int, ShownColumn], total: Callable[[ShownColumn], str | None]
) -> frozenset[int]:
    """The members whose own digest gives this total as an exact zero: columns of zeros."""
    return frozenset(b for b, column in shown.items() if total(column) == ZERO)


def shown_by_union(digest: RollupDigest, rows: CommunityRows) -> ShownColumn:
    """A member union's column as its own roll-up shows its totals."""
    polls, responses = digest.participation.row_totals
    column = ShownColumn(
        k=digest.k,
        joined=digest.joined.row_totals,
        joined_total=digest.joined.grand_total,
        previous=digest.previous_joined.row_totals,
        previous_total=digest.previous_joined.grand_total,
        communities=dict(zip(rows.keys, digest.communities.row_totals, strict=True)),
        participation=(polls, responses),
        feedback=digest.feedback.row_totals[0],
        reach=digest.reach.row_totals,
        reach_total=digest.reach.grand_total,
    )
    return nothing_happened(column) if digest.empty else column


@dataclass(frozen=True)
class MunicipalityFigures:
    """One municipality's raw figures, as its own digest counts them."""

    municipality: Municipality
    assemblies: Sequence[Assembly]
    rows: CommunityRows
    joined: Sequence[JoinedCount]
    previous: Sequence[JoinedCount]
    participation: tuple[int, int, int]
    feedback: int
    notices: Sequence[NoticeReach]

    @property
    def empty(self) -> bool:
        """Whether its own digest says nothing happened (as ``handlers.digests.content`` decides)."""
        joined = sum(count.people for count in self.joined)
        return not (joined or self.participation[0] or self.feedback or self.notices)


def shown_by_municipality(figures: MunicipalityFigures, language: str) -> ShownColumn:
    """A member municipality's column as its own digest shows it (at its own K)."""
    k = figures.municipality.suppression_k
    joined, _count = joined_table(figures.joined, figures.rows, language, k)
    previous, _before = joined_table(figures.previous, figures.rows, language, k)
    polls, responses, least = figures.participation
    reach = notices_section(figures.assemblies, figures.notices, language, k).reach
    zeros = (ZERO,) * len(REACH)
    nobody_before = not any(count.people for count in figures.previous)
    column = ShownColumn(
        k=k,
        joined=joined.column_totals or ("-",) * len(LANGUAGES),
        joined_total=joined.grand_total,
        previous=(ZERO,) * len(LANGUAGES)
        if nobody_before
        else previous.column_totals or ("-",) * len(LANGUAGES),
        previous_total=ZERO if nobody_before else previous.grand_total,
        communities=dict(zip(figures.rows.keys, joined.row_totals, strict=True)),
        # Each poll's respondents read exactly where at least K responded.
        participation=(str(polls), str(responses) if not polls or least >= k else None),
        feedback=str(figures.feedback),  # every text is listed
        reach=(reach.column_totals or zeros) if reach else zeros,
        reach_total=(reach.grand_total if reach else ZERO),
    )
    return nothing_happened(column) if figures.empty else column
