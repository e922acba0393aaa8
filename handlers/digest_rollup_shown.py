"""What each member's own digest already shows of its column in a roll-up.

A municipality's digest shows its new members by language and by community (its members
table's totals), how many polls it ran (one section each) and their respondents, every
feedback text (so their number exactly), and its notices' reach totals. A member union's
digest shows its row totals. The roll-up is suppressed to agree with all of it
(``handlers.digest_rollup_suppression``), so reading both tells no more than each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.digest_members import CommunityRows, joined_table
from handlers.digest_notices import notices_section
from handlers.digest_report import RollupDigest
from handlers.i18n import LANGUAGES
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


def shown_by_union(digest: RollupDigest, rows: CommunityRows) -> ShownColumn:
    """A member union's column as its own roll-up shows its totals."""
    polls, responses = digest.participation.row_totals
    return ShownColumn(
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


def shown_by_municipality(figures: MunicipalityFigures, language: str) -> ShownColumn:
    """A member municipality's column as its own digest shows it (at its own K)."""
    k = figures.municipality.suppression_k
    joined, _count = joined_table(figures.joined, figures.rows, language, k)
    previous, _before = joined_table(figures.previous, figures.rows, language, k)
    polls, responses, least = figures.participation
    reach = notices_section(figures.assemblies, figures.notices, language, k).reach
    zeros = ("0",) * len(REACH)
    return ShownColumn(
        k=k,
        joined=joined.column_totals or ("-",) * len(LANGUAGES),
        joined_total=joined.grand_total,
        previous=previous.column_totals or ("-",) * len(LANGUAGES),
        previous_total=previous.grand_total,
        communities=dict(zip(figures.rows.keys, joined.row_totals, strict=True)),
        # Each poll's respondents read exactly where at least K responded.
        participation=(str(polls), str(responses) if not polls or least >= k else None),
        feedback=str(figures.feedback),  # every text is listed
        reach=(reach.column_totals or zeros) if reach else zeros,
        reach_total=(reach.grand_total if reach else "0"),
    )
