"""A union's digest: its members' figures side by side, every cell suppressed.

Each table has one column per member (``handlers.digests.rollup.members``: municipalities, and
for the national union regional unions, whose column sums their municipalities) and the
union's figures as its row totals, counted by the grouped queries of
``storage.digest_queries`` over every assembly beneath the union. K is the highest of the
union's, the unions' beneath it and every municipality's beneath it.

Suppression, and how it holds across levels:

- Within a table, ``handlers.privacy.suppression``: a small municipality's cell reads ``<K`` and
  complementary suppression hides enough that neither the union's totals nor the other
  members give it away.
- Across tables of one digest: the community table has the same column totals (who joined,
  per member) as the table by language; it is suppressed to agree with what that table shows
  (``handlers.digests.rollup.suppression``).
- Across levels (``handlers.digests.rollup.shown``): a member's column is what its own
  digest already shows in some form: a municipality's members by language and community,
  its number of polls and feedback texts, its reach totals; a member union's totals, from
  its own roll-up (suppressed with its own K and pattern). Each table is suppressed to agree
  with it: what the member's digest shows is shown and never relied on to hide anything,
  what it hides is hidden here too and protected within this table. With few members, one
  of them known exactly, this withholds a table rather than give a small member away. A
  member whose digest said "nothing happened" published zeros: in the tables of who joined
  its column is left out of the suppression and reads ``<K``, so nothing counts on it.

Limits, stated plainly: two tables that agree so are each safe on their own, but they are not
solved together (see ``handlers.digests.rollup.suppression``); a regional digest computed with
a lower K than the national one shows figures the national one would call small; a member
union that shares a municipality with an earlier member loses it to that member and is then
not made to agree with its own digest; a person who joined assemblies of two municipalities
counts once in each. The per-poll results and the feedback texts are not part of a roll-up:
they stay in each municipality's own digest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.digests.members import CommunityRows, community_rows, language_column, language_labels
from handlers.digests.notices import reach_labels
from handlers.digests.report import Period, RollupDigest
from handlers.digests.rollup.members import MemberColumn, member_columns, rollup_k
from handlers.digests.rollup.shown import (
    MunicipalityFigures,
    ShownColumn,
    shown_by_municipality,
    shown_by_union,
    zero_columns,
)
from handlers.digests.rollup.suppression import Published, suppress_agreeing
from handlers.i18n.core import LANGUAGES, _, localized, use_language
from handlers.privacy.suppression import CountTable, SafeTable
from handlers.results.by_language import ResultsError
from storage import digest_queries as queries
from storage.assemblies import municipality_assemblies
from storage.digest_queries import REACH, JoinedCount, NoticeReach, Window
from storage.models import Assembly, Municipality, MunicipalUnion


@dataclass(frozen=True)
class Figures:
    """The raw figures of a roll-up, by municipality; never shown as they are."""

    joined: list[JoinedCount]
    previous: list[JoinedCount]
    participation: dict[int, tuple[int, int, int]]
    feedback: dict[int, int]
    reach: dict[int, dict[str, int]]
    notices: list[NoticeReach]


async def union_digest(
    session: AsyncSession,
    union: MunicipalUnion,
    period: Period,
    *,
    language: str,
    now: datetime,
) -> RollupDigest:
    """The union's digest for the period, in ``language``."""
    if language not in LANGUAGES:
        raise ResultsError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    return await _digest(session, union, period, language, now, frozenset())


async def _figures(session: AsyncSession, assembly_ids: list[int], period: Period) -> Figures:
    """Every raw figure of the roll-up, one grouped query each."""
    current = Window(period.start, period.end)
    previous = Window(period.previous.start, period.previous.end)
    return Figures(
        joined=await queries.new_members(session, assembly_ids, current),
        previous=await queries.new_members(session, assembly_ids, previous),
        participation=await queries.participation(session, assembly_ids, current),
        feedback=await queries.feedback_by_municipality(session, assembly_ids, current),
        reach=await queries.reach_by_municipality(session, assembly_ids, current),
        notices=await queries.notices_reach(session, assembly_ids, current),
    )


async def _shown_columns(
    session: AsyncSession,
    columns: Sequence[MemberColumn],
    assemblies: Sequence[Assembly],
    figures: Figures,
    context: tuple[Period, str, datetime, frozenset[int]],
) -> dict[int, ShownColumn]:
    """What each member's own digest shows of its column: municipalities' and whole unions'."""
    period, language, now, path = context
    shown: dict[int, ShownColumn] = {}
    for index, column in enumerate(columns):
        mine = [a for a in assemblies if a.municipality_id in column.municipality_ids]
        if column.union is None and len(column.municipality_ids) == 1:
            (municipality_id,) = column.municipality_ids
            municipality = await session.get(Municipality, municipality_id)
            assert municipality is not None
            ids = {a.id for a in mine}
            shown[index] = shown_by_municipality(
                MunicipalityFigures(
                    municipality=municipality,
                    assemblies=mine,
                    rows=community_rows(mine, language),
                    joined=[c for c in figures.joined if c.municipality_id == municipality_id],
                    previous=[c for c in figures.previous if c.municipality_id == municipality_id],
                    participation=figures.participation.get(municipality_id, (0, 0, 0)),
                    feedback=figures.feedback.get(municipality_id, 0),
                    notices=[n for n in figures.notices if n.assembly_id in ids],
                ),
                language,
            )
        elif column.union is not None and column.whole and column.union.id not in path:
            digest = await _digest(session, column.union, period, language, now, path)
            shown[index] = shown_by_union(digest, community_rows(mine, language))
    return shown


def _by_column(
    columns: Sequence[MemberColumn], row_count: int, pick: Callable[[int], Sequence[int]]
) -> tuple[tuple[int, ...], ...]:
    """A rows x members grid: ``pick(municipality_id)`` gives a municipality's counts by row."""
    grid = [[0] * len(columns) for _row in range(row_count)]
    for b, column in enumerate(columns):
        for municipality_id in column.municipality_ids:
            for a, count in enumerate(pick(municipality_id)):
                grid[a][b] += count
    return tuple(tuple(row) for row in grid)


def _joined_by(
    counts: Sequence[JoinedCount], row_count: int, row_of: Callable[[JoinedCount], int]
) -> Callable[[int], list[int]]:
    """A municipality's joined counts by row, as ``_by_column`` picks them."""
    found: dict[int, list[int]] = {}
    for count in counts:
        found.setdefault(count.municipality_id, [0] * row_count)[row_of(count)] += count.people
    return lambda municipality_id: found.get(municipality_id, [0] * row_count)


def _published(
    shown: dict[int, ShownColumn],
    pick: Callable[[ShownColumn], tuple[Sequence[str | None], str | None]],
    rows: int,
) -> dict[tuple[int, int], tuple[str, int]]:
    """The entries of each member's column that its own digest shows: rows, then its total."""
    published: dict[tuple[int, int], tuple[str, int]] = {}
    for b, column in shown.items():
        texts, total = pick(column)
        for a, text in enumerate(texts):
            if text is not None:
                published[a, b] = (text, column.k)
        if total is not None:
            published[rows, b] = (total, column.k)
    return published


def _published_communities(
    shown: dict[int, ShownColumn], rows: CommunityRows, joined: SafeTable, k: int
) -> dict[tuple[int, int], tuple[str, int]]:
    """The community table's entries already shown: members' own rows, and who joined per member."""
    published = _published(
        shown,
        # An option no assembly of the member offers: nobody there can have chosen it.
        lambda column: (tuple(column.communities.get(key, "0") for key in rows.keys), None),
        len(rows.keys),
    )
    assert joined.column_totals is not None and joined.grand_total is not None
    for b, text in enumerate((*joined.column_totals, joined.grand_total)):
        published[len(rows.keys), b] = (text, k)
    return published


def _table(
    row_labels: Sequence[str],
    member_labels: Sequence[str],
    counts: tuple[tuple[int, ...], ...],
    k: int,
    published: Published,
    *,
    column_totals: bool = True,
    zeros: frozenset[int] = frozenset(),
) -> SafeTable:
    """One roll-up table, suppressed in agreement with what is already published (the members
    ``zeros`` known to have nothing in it)."""
    table = CountTable(tuple(row_labels), tuple(member_labels), counts, column_totals)
    return suppress_agreeing(table, k, published, zeros)


async def _digest(
    session: AsyncSession,
    union: MunicipalUnion,
    period: Period,
    language: str,
    now: datetime,
    path: frozenset[int],
) -> RollupDigest:
    """The digest of one union; ``path`` holds the unions above it, so a cycle ends."""
    path = path | {union.id}
    columns = await member_columns(session, union)
    k = await rollup_k(session, union)
    everyone = frozenset().union(*(column.municipality_ids for column in columns))
    assemblies = await municipality_assemblies(session, everyone)
    figures = await _figures(session, [a.id for a in assemblies], period)
    shown = await _shown_columns(
        session, columns, assemblies, figures, (period, language, now, path)
    )
    members = tuple(localized(column.name, language) for column in columns) or ("-",)
    if not columns:
        columns = [MemberColumn({}, frozenset(), None, False)]
    languages = language_labels(language)
    rows = community_rows(assemblies, language)

    def by_language(counts: list[JoinedCount]) -> tuple[tuple[int, ...], ...]:
        pick = _joined_by(counts, len(LANGUAGES), lambda c: language_column(c.language))
        return _by_column(columns, len(LANGUAGES), pick)

    nobody = zero_columns(shown, lambda c: c.joined_total)
    joined = _table(
        languages,
        members,
        by_language(figures.joined),
        k,
        _published(shown, lambda c: (c.joined, c.joined_total), len(LANGUAGES)),
        zeros=nobody,
    )
    previous = _table(
        languages,
        members,
        by_language(figures.previous),
        k,
        _published(shown, lambda c: (c.previous, c.previous_total), len(LANGUAGES)),
        zeros=zero_columns(shown, lambda c: c.previous_total),
    )
    community_pick = _joined_by(figures.joined, len(rows.keys), lambda c: rows.row_of(c.community))
    communities = _table(
        rows.labels,
        members,
        _by_column(columns, len(rows.keys), community_pick),
        k,
        _published_communities(shown, rows, joined, k),
        zeros=nobody,
    )
    with use_language(language):
        participation_labels = (_("polls"), _("responses"))
        feedback_labels = (_("feedback"),)
    participation = _table(
        participation_labels,
        members,
        _by_column(columns, 2, lambda m: figures.participation.get(m, (0, 0, 0))[:2]),
        k,
        _published(shown, lambda c: (c.participation, None), 2),
        column_totals=False,
    )
    feedback = _table(
        feedback_labels,
        members,
        _by_column(columns, 1, lambda m: (figures.feedback.get(m, 0),)),
        k,
        _published(shown, lambda c: ((c.feedback,), None), 1),
        column_totals=False,
    )
    empty_reach = dict.fromkeys(REACH, 0)
    reach = _table(
        reach_labels(language),
        members,
        _by_column(
            columns, len(REACH), lambda m: [figures.reach.get(m, empty_reach)[r] for r in REACH]
        ),
        k,
        _published(shown, lambda c: (c.reach, c.reach_total), len(REACH)),
    )
    happened = (
        any(c.people for c in figures.joined)
        or any(row[0] for row in figures.participation.values())
        or any(figures.feedback.values())
        or any(any(row.values()) for row in figures.reach.values())
    )
    return RollupDigest(
        slug=union.slug,
        name=localized(union.name, language),
        level=union.level,
        period=period,
        language=language,
        k=k,
        generated_at=now,
        members=members,
        joined=joined,
        previous_joined=previous,
        communities=communities,
        participation=participation,
        feedback=feedback,
        reach=reach,
        empty=not happened,
    )
