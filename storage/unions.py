"""Unions of municipalities and their members, and every municipality beneath a union.

A regional union (Marmara, Çukurova) has municipalities as members; the national union has
municipalities and other unions. A union is never its own member, directly or through others,
and a regional union has no union members: ``UnionError`` says why, in one line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import DomainError
from storage.models import DEFAULT_SUPPRESSION_K, Municipality, MunicipalUnion, UnionMember

REGIONAL, NATIONAL = "regional", "national"
LEVELS = (REGIONAL, NATIONAL)
MIN_K = 2


class UnionError(DomainError):
    """A union, or a change of its members, that cannot be made; the message is one line."""


@dataclass(frozen=True)
class UnionMembers:
    """A union's direct members: municipalities and unions, each by slug order."""

    municipalities: tuple[Municipality, ...]
    unions: tuple[MunicipalUnion, ...]


async def union_by_slug(session: AsyncSession, slug: str) -> MunicipalUnion | None:
    """The union with this slug, if there is one."""
    query = select(MunicipalUnion).where(MunicipalUnion.slug == slug)
    return (await session.execute(query)).scalar_one_or_none()


async def create_union(
    session: AsyncSession,
    slug: str,
    names: dict[str, str],
    *,
    level: str = REGIONAL,
    timezone: str = "Europe/Istanbul",
    k: int = DEFAULT_SUPPRESSION_K,
) -> MunicipalUnion:
    """Create a union; a UnionError for a taken slug, an unknown level or time zone, or K < 2."""
    if level not in LEVELS:
        raise UnionError(f"a union's level is {' or '.join(LEVELS)}, not {level!r}")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnionError(f"time zone {timezone!r} is unknown (like Europe/Istanbul)") from None
    if k < MIN_K:
        raise UnionError(f"the suppression threshold K must be at least {MIN_K}")
    if not names:
        raise UnionError("a union needs a name in at least one language")
    if await union_by_slug(session, slug) is not None:
        raise UnionError(f"union {slug!r} exists already")
    union = MunicipalUnion(slug=slug, name=names, level=level, timezone=timezone, suppression_k=k)
    session.add(union)
    await session.flush()
    return union


async def list_unions(session: AsyncSession) -> list[MunicipalUnion]:
    """Every union, by slug."""
    return list(
        (await session.execute(select(MunicipalUnion).order_by(MunicipalUnion.slug))).scalars()
    )


async def _edges(session: AsyncSession) -> dict[int, list[int]]:
    """Each union's member unions, by id."""
    rows = await session.execute(
        select(UnionMember.union_id, UnionMember.member_union_id).where(
            UnionMember.member_union_id.is_not(None)
        )
    )
    edges: dict[int, list[int]] = defaultdict(list)
    for union_id, member_id in rows:
        if member_id is not None:
            edges[union_id].append(member_id)
    return edges


def _beneath(edges: dict[int, list[int]], start: int) -> set[int]:
    """The union ``start`` and every union beneath it, however deep."""
    seen = {start}
    waiting = [start]
    while waiting:
        for member in edges.get(waiting.pop(), []):
            if member not in seen:
                seen.add(member)
                waiting.append(member)
    return seen


async def add_member(
    session: AsyncSession,
    union: MunicipalUnion,
    *,
    municipality: Municipality | None = None,
    member_union: MunicipalUnion | None = None,
) -> bool:
    """Make a municipality or a union a member; False if it was one already.

    A UnionError for a union as its own member, a membership that would make a cycle, or a
    union member of a regional union.
    """
    condition = _member_condition(union, municipality, member_union)
    if member_union is not None:
        if member_union.id == union.id:
            raise UnionError(f"union {union.slug!r} cannot be a member of itself")
        if union.level == REGIONAL:
            raise UnionError(
                f"union {union.slug!r} is regional: its members are municipalities, not unions"
            )
        if union.id in _beneath(await _edges(session), member_union.id):
            raise UnionError(
                f"union {member_union.slug!r} cannot join {union.slug!r}: "
                f"{union.slug!r} is already beneath it (a union cannot contain itself)"
            )
    if (await session.execute(select(UnionMember.id).where(*condition))).first():
        return False
    session.add(
        UnionMember(
            union_id=union.id,
            municipality_id=municipality.id if municipality is not None else None,
            member_union_id=member_union.id if member_union is not None else None,
        )
    )
    await session.flush()
    return True


async def remove_member(
    session: AsyncSession,
    union: MunicipalUnion,
    *,
    municipality: Municipality | None = None,
    member_union: MunicipalUnion | None = None,
) -> bool:
    """Remove a member; False if it was not one."""
    condition = _member_condition(union, municipality, member_union)
    result = await session.execute(delete(UnionMember).where(*condition))
    return bool(getattr(result, "rowcount", 0))


def _member_condition(
    union: MunicipalUnion, municipality: Municipality | None, member_union: MunicipalUnion | None
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The WHERE clause that finds one membership; exactly one kind of member is named."""
    if (municipality is None) == (member_union is None):
        raise ValueError("name either a municipality or a union as the member")
    if municipality is not None:
        return (UnionMember.union_id == union.id, UnionMember.municipality_id == municipality.id)
    assert member_union is not None
    return (UnionMember.union_id == union.id, UnionMember.member_union_id == member_union.id)


async def member_rows(session: AsyncSession, union_id: int) -> list[UnionMember]:
    """A union's direct memberships (a municipality's or a union's each), in the order they
    were added."""
    query = select(UnionMember).where(UnionMember.union_id == union_id).order_by(UnionMember.id)
    return list((await session.execute(query)).scalars())


async def member_union_ids(session: AsyncSession, union_id: int) -> list[int]:
    """The ids of the unions that are direct members of this one."""
    query = select(UnionMember.member_union_id).where(
        UnionMember.union_id == union_id, UnionMember.member_union_id.is_not(None)
    )
    return [m for m in (await session.execute(query)).scalars() if m is not None]


async def union_ks(session: AsyncSession, ids: Collection[int]) -> list[int]:
    """The suppression threshold K of each of these unions."""
    query = select(MunicipalUnion.suppression_k).where(MunicipalUnion.id.in_(list(ids)))
    return [int(k) for k in (await session.execute(query)).scalars()]


async def union_members(session: AsyncSession, union_id: int) -> UnionMembers:
    """A union's direct members."""
    municipalities = await session.execute(
        select(Municipality)
        .join(UnionMember, UnionMember.municipality_id == Municipality.id)
        .where(UnionMember.union_id == union_id)
        .order_by(Municipality.slug)
    )
    unions = await session.execute(
        select(MunicipalUnion)
        .join(UnionMember, UnionMember.member_union_id == MunicipalUnion.id)
        .where(UnionMember.union_id == union_id)
        .order_by(MunicipalUnion.slug)
    )
    return UnionMembers(tuple(municipalities.scalars()), tuple(unions.scalars()))


async def union_municipalities(session: AsyncSession, union_id: int) -> list[Municipality]:
    """Every municipality beneath a union, through its member unions too, each once, by slug."""
    unions = _beneath(await _edges(session), union_id)
    query = (
        select(Municipality)
        .where(
            Municipality.id.in_(
                select(UnionMember.municipality_id).where(UnionMember.union_id.in_(unions))
            )
        )
        .order_by(Municipality.slug)
    )
    return list((await session.execute(query)).scalars())
