"""Roll-ups: a regional union over municipalities, a national one over unions, all suppressed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.digests.content import municipality_digest
from handlers.digests.report import RollupDigest
from handlers.digests.rollup.digest import union_digest
from handlers.digests.rollup.suppression import suppress_agreeing
from handlers.privacy.suppression import HIDDEN, CountTable, SafeTable, small
from storage.models import Municipality, MunicipalUnion, UnionMember
from tests.privacy.test_suppression import _hidden_targets, _Reader, text_bounds
from tests.support.digest_cohort import (
    COMMUNITY_QUESTION,
    add_assembly,
    add_municipality,
    add_people,
    build_digest_cohort,
    cohort_period,
)

NOW = datetime(2026, 11, 10, 6, 0, tzinfo=UTC)
Target = tuple[str, int, int]


@dataclass(frozen=True)
class Unions:
    """Marmara over the cohort's municipality and a small one; the national union over Marmara
    and a larger municipality."""

    regional: MunicipalUnion
    national: MunicipalUnion
    small: Municipality
    large: Municipality


def union(slug: str, name: str, level: str, k: int = 5) -> MunicipalUnion:
    """A union with its name in the three languages."""
    return MunicipalUnion(
        slug=slug, name={"tr": name, "ar": name, "en": name}, level=level, suppression_k=k
    )


async def build_unions(session: AsyncSession, small_k: int = 5) -> Unions:
    """The cohort, a small municipality (two Syrians joined) and a large one, in two unions."""
    cohort = await build_digest_cohort(session)
    inside = cohort_period().start + timedelta(days=1)
    small = await add_municipality(session, "kucuk", "Küçük", k=small_k)
    assembly = await add_assembly(session, small, "KUCUK", [COMMUNITY_QUESTION], inside)
    await add_people(session, assembly, "syrian", "ar", 2, inside)
    large = await add_municipality(session, "buyuk", "Büyük")
    assembly = await add_assembly(session, large, "BUYUK", [], inside)
    await add_people(session, assembly, None, "tr", 20, inside)
    await add_people(session, assembly, None, "ar", 9, inside)
    regional = union("marmara", "Marmara", "regional")
    national = union("tbb", "Türkiye Belediyeler Birliği", "national")
    session.add_all([regional, national])
    await session.flush()
    session.add_all(
        [
            UnionMember(union_id=regional.id, municipality_id=cohort.municipality.id),
            UnionMember(union_id=regional.id, municipality_id=small.id),
            UnionMember(union_id=national.id, member_union_id=regional.id),
            UnionMember(union_id=national.id, municipality_id=large.id),
        ]
    )
    await session.commit()
    return Unions(regional, national, small, large)


async def digests(
    sessions: async_sessionmaker[AsyncSession], small_k: int = 5
) -> tuple[RollupDigest, RollupDigest]:
    """The regional and the national digest of the cohort's week."""
    async with sessions() as session:
        unions = await build_unions(session, small_k)
        period = cohort_period()
        regional = await union_digest(session, unions.regional, period, language="tr", now=NOW)
        national = await union_digest(session, unions.national, period, language="tr", now=NOW)
    return regional, national


def assert_nothing_recomputable(
    shown: SafeTable,
    counts: tuple[tuple[int, ...], ...],
    known: Mapping[Target, tuple[int, int]] | None = None,
) -> None:
    """No hidden entry of the table follows from what it shows, and from what is ``known`` of
    it elsewhere (brute force over every table); an entry known exactly there is not the
    table's to keep."""
    truth = CountTable(shown.row_labels, shown.column_labels, counts)
    known = known or {}
    reader = _Reader(shown, truth, cap=sum(map(sum, counts)) + shown.k, known=known)
    for target in _hidden_targets(shown):
        low, high = known.get(target, (0, None))
        if low != high:
            assert reader.another_table_changes(target), target


def known_columns(
    columns: Sequence[tuple[Sequence[str], str | None]], k: int, cap: int
) -> dict[Target, tuple[int, int]]:
    """What each member's own digest tells a reader of its column: its figures and its total."""
    known: dict[Target, tuple[int, int]] = {}
    for b, (texts, total) in enumerate(columns):
        for a, text in enumerate(texts):
            known["cell", a, b] = text_bounds(text, k, cap)
        if total is not None:
            known["column", b, 0] = text_bounds(total, k, cap)
    return known


async def test_a_regional_union_sets_its_municipalities_side_by_side(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    regional, _national = await digests(sessions)
    assert regional.members == ("Zeytinburnu Belediyesi", "Küçük Belediyesi")
    assert regional.level == "regional" and regional.k == 5 and not regional.empty
    joined = regional.joined
    assert joined.row_labels == ("Türkçe", "Arapça", "İngilizce")
    assert joined.row_totals[1] == "21"  # Arabic speakers: 19 in Zeytinburnu, 2 in Küçük
    assert joined.cells[0][0] == "21" and (joined.column_totals or ())[0] == "43"
    assert regional.communities.row_labels[:2] == ("Yerel halk", "Suriyeli")
    assert [row[0] for row in regional.communities.cells[:2]] == ["20", "18"]


async def test_a_small_municipality_cannot_be_worked_out_from_the_union_totals(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    regional, _national = await digests(sessions)
    joined = regional.joined
    small_column = [row[1] for row in joined.cells] + [(joined.column_totals or ())[1]]
    assert set(small_column) == {"<5"}
    assert joined.cells[1][0] == HIDDEN and joined.grand_total == HIDDEN
    assert_nothing_recomputable(joined, ((21, 0), (19, 2), (3, 0)))
    communities = regional.communities
    assert [row[1] for row in communities.cells] == ["<5"] * 4
    assert_nothing_recomputable(communities, ((20, 0), (18, 2), (4, 0), (1, 0)))


async def test_a_member_municipality_reads_in_the_union_as_in_its_own_digest(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    regional, _national = await digests(sessions)
    async with sessions() as session:
        municipality = await session.get(Municipality, 1)
        assert municipality is not None and municipality.slug == "zeytinburnu"
        own = await municipality_digest(
            session, municipality, cohort_period(), language="tr", now=NOW
        )
    theirs = own.members.joined
    column = [row[0] for row in regional.joined.cells]
    assert column == list(theirs.column_totals or ())
    assert (regional.joined.column_totals or ())[0] == theirs.grand_total
    # Zeytinburnu's reach, polls and feedback are exact in its own digest, and with one other
    # member the union's totals would give Küçük's away: those tables are withheld.
    for table in (regional.participation, regional.feedback, regional.reach):
        assert table.withheld


async def test_the_national_union_agrees_with_what_the_regional_digest_shows(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    regional, national = await digests(sessions)
    assert national.members == ("Marmara", "Büyük Belediyesi")
    assert national.level == "national"
    for mine, theirs in (
        (national.joined, regional.joined),
        (national.previous_joined, regional.previous_joined),
        (national.communities, regional.communities),
        (national.participation, regional.participation),
        (national.feedback, regional.feedback),
        (national.reach, regional.reach),
    ):
        column = [row[0] for row in mine.cells]
        for here, there in zip(column, theirs.row_totals, strict=True):
            assert here == there or (not there.isdigit() and not here.isdigit()), (here, there)
        if theirs.grand_total is not None and mine.column_totals is not None:
            assert (mine.column_totals[0] == theirs.grand_total) or not (
                theirs.grand_total.isdigit() or mine.column_totals[0].isdigit()
            )
    assert national.joined.cells[0][1] == "20"  # Büyük's Turkish speakers, as its own digest
    assert_nothing_recomputable(national.joined, ((21, 20), (21, 9), (3, 0)))


async def test_the_highest_k_beneath_a_union_applies_to_it_and_above(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    regional, national = await digests(sessions, small_k=7)
    assert (regional.k, national.k) == (7, 7)
    assert regional.joined.cells[2][0] == "<7"


async def test_a_cycle_of_unions_ends_and_a_union_without_activity_is_empty(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        quiet = await add_municipality(session, "sessiz", "Sessiz")
        first, second = union("a", "A", "regional"), union("b", "B", "national")
        session.add_all([first, second])
        await session.flush()
        session.add_all(
            [
                UnionMember(union_id=first.id, municipality_id=quiet.id),
                UnionMember(union_id=first.id, member_union_id=second.id),
                UnionMember(union_id=second.id, member_union_id=first.id),
            ]
        )
        await session.commit()
        digest = await union_digest(session, second, cohort_period(), language="ar", now=NOW)
    assert digest.empty
    assert digest.members == ("A",)
    assert digest.joined.row_labels == ("التركية", "العربية", "الإنجليزية")
    assert digest.joined.grand_total == "<5"


async def test_a_roll_up_beside_an_empty_member_digest_gives_no_hidden_count_away(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Labelled case "a roll-up beside an empty member digest" (K=5): Sessiz had nothing in the
    period, and its own digest says so (exact zeros); Küçük had 14 new members, 6 writing
    Turkish, 6 English and 2 Syrians writing Arabic, whose own digest hides the 2. Read as
    "<5", Sessiz's zeros let the union's Turkish total pin Küçük's Turkish speakers, and its
    total then the 2; read as the zeros they are, nothing hidden is pinned."""
    inside = cohort_period().start + timedelta(days=1)
    async with sessions() as session:
        quiet = await add_municipality(session, "sessiz", "Sessiz")
        await add_assembly(session, quiet, "SESSIZ", [COMMUNITY_QUESTION], inside - timedelta(30))
        busy = await add_municipality(session, "kucuk", "Küçük")
        assembly = await add_assembly(session, busy, "KUCUK", [COMMUNITY_QUESTION], inside)
        await add_people(session, assembly, "host", "tr", 6, inside)
        await add_people(session, assembly, "host", "en", 6, inside)
        await add_people(session, assembly, "syrian", "ar", 2, inside)
        marmara = union("marmara", "Marmara", "regional")
        session.add(marmara)
        await session.flush()
        for member in (quiet, busy):
            session.add(UnionMember(union_id=marmara.id, municipality_id=member.id))
        await session.commit()
        period = cohort_period()
        rollup = await union_digest(session, marmara, period, language="en", now=NOW)
        quiet_own = await municipality_digest(session, quiet, period, language="en", now=NOW)
        busy_own = await municipality_digest(session, busy, period, language="en", now=NOW)
    assert quiet_own.empty and not rollup.empty
    theirs = busy_own.members.joined
    assert theirs.column_totals is not None and theirs.grand_total is not None
    assert theirs.column_totals[1] == "<5"  # Küçük's own digest hides its 2 Arabic speakers
    # The union still shows Küçük as its own digest does, and Sessiz as "<5".
    assert not rollup.joined.withheld and not rollup.communities.withheld
    assert [row[1] for row in rollup.joined.cells] == list(theirs.column_totals)
    assert [row[0] for row in rollup.joined.cells] == ["<5"] * 3

    joined_counts = ((0, 6), (0, 2), (0, 6))  # Turkish, Arabic, English
    community_counts = ((0, 12), (0, 2), (0, 0), (0, 0))  # host, Syrian, declined, no answer
    cap = 14 + 5
    nothing = (("0",) * len(joined_counts), "0")
    joined_known = known_columns([nothing, (theirs.column_totals, theirs.grand_total)], 5, cap)
    community_known = known_columns(
        [(("0",) * len(community_counts), "0"), (theirs.row_totals, theirs.grand_total)], 5, cap
    )
    assert_nothing_recomputable(rollup.joined, joined_counts, joined_known)
    assert_nothing_recomputable(rollup.communities, community_counts, community_known)

    # The same table suppressed as if Sessiz's digest showed "<5" everywhere (as the roll-up
    # took it before): the reader of the three digests finds Küçük's 2.
    table = CountTable(rollup.joined.row_labels, rollup.joined.column_labels, joined_counts)
    as_small = {(a, 0): (small(5), 5) for a in range(4)}
    busy_shown = {
        (a, 1): (text, 5) for a, text in enumerate((*theirs.column_totals, theirs.grand_total))
    }
    naive = suppress_agreeing(table, 5, as_small | busy_shown)
    assert not _Reader(naive, table, cap, joined_known).another_table_changes(("cell", 1, 1))
    fixed = _Reader(rollup.joined, table, cap, joined_known)
    assert fixed.another_table_changes(("cell", 1, 1))
    with pytest.raises(ValueError, match="known to be zeros has counts"):
        suppress_agreeing(table, 5, {}, zeros={1})
