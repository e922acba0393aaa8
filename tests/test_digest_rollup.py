"""Roll-ups: a regional union over municipalities, a national one over unions, all suppressed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.digest_content import municipality_digest
from handlers.digest_report import RollupDigest
from handlers.digest_rollup import union_digest
from handlers.suppression import HIDDEN, CountTable, SafeTable
from storage.models import Municipality, MunicipalUnion, UnionMember
from tests.support.digest_cohort import (
    COMMUNITY_QUESTION,
    add_assembly,
    add_municipality,
    add_people,
    build_digest_cohort,
    cohort_period,
)
from tests.test_suppression import _hidden_targets, _Reader

NOW = datetime(2026, 11, 10, 6, 0, tzinfo=UTC)


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


def assert_nothing_recomputable(shown: SafeTable, counts: tuple[tuple[int, ...], ...]) -> None:
    """No hidden entry of the table follows from what it shows (brute force over every table)."""
    truth = CountTable(shown.row_labels, shown.column_labels, counts)
    reader = _Reader(shown, truth, cap=sum(map(sum, counts)) + shown.k)
    for target in _hidden_targets(shown):
        assert reader.another_table_changes(target), target


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
