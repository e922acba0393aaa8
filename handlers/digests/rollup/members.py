"""Who a union's digest sets side by side: its members, each with the municipalities it stands for.

A member municipality stands for itself; a member union for every municipality beneath it,
found recursively through ``union_members`` (a union reached again on the way down is not
followed again, so a cycle ends). A municipality stands in one column only: the first member
(in the order they were added) that reaches it. A member union that loses a municipality so
(or that leads back up to this union) is marked ``whole=False``: its column is then not the
figure its own digest shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.assemblies import municipality_ks
from storage.models import Municipality, MunicipalUnion
from storage.unions import member_rows, member_union_ids, union_ks


@dataclass(frozen=True)
class MemberColumn:
    """One column of a roll-up: a municipality or a member union, and whom it counts."""

    name: dict[str, str]
    municipality_ids: frozenset[int]
    union: MunicipalUnion | None
    whole: bool


async def municipalities_beneath(
    session: AsyncSession, union_id: int, seen: frozenset[int] = frozenset()
) -> frozenset[int]:
    """Every municipality in the union or in a union beneath it (each union followed once)."""
    seen = seen | {union_id}
    found: set[int] = set()
    for row in await member_rows(session, union_id):
        if row.municipality_id is not None:
            found.add(row.municipality_id)
        elif row.member_union_id is not None and row.member_union_id not in seen:
            found |= await municipalities_beneath(session, row.member_union_id, seen)
    return frozenset(found)


async def member_columns(session: AsyncSession, union: MunicipalUnion) -> list[MemberColumn]:
    """The union's members in the order they were added, each municipality in one column."""
    columns: list[MemberColumn] = []
    taken: set[int] = set()
    for row in await member_rows(session, union.id):
        if row.municipality_id is not None:
            municipality = await session.get(Municipality, row.municipality_id)
            assert municipality is not None
            ids = frozenset({municipality.id})
            name, member, whole = municipality.name, None, True
        elif row.member_union_id is not None and row.member_union_id != union.id:
            member = await session.get(MunicipalUnion, row.member_union_id)
            assert member is not None
            ids = await municipalities_beneath(session, member.id, frozenset({union.id}))
            whole = ids == await municipalities_beneath(session, member.id)
            name = member.name
        else:
            continue
        if ids & taken:
            ids, whole = ids - taken, False
        taken |= ids
        columns.append(MemberColumn(name, ids, member, whole))
    return columns


async def rollup_k(session: AsyncSession, union: MunicipalUnion) -> int:
    """The highest K of the union, the unions beneath it and every municipality beneath it."""
    ids = await municipalities_beneath(session, union.id)
    ks = [union.suppression_k]
    if ids:
        ks += await municipality_ks(session, ids)
    unions = await unions_beneath(session, union.id)
    if unions:
        ks += await union_ks(session, unions)
    return max(ks)


async def unions_beneath(
    session: AsyncSession, union_id: int, seen: frozenset[int] = frozenset()
) -> frozenset[int]:
    """Every union beneath this one (not itself), each followed once."""
    seen = seen | {union_id}
    found: set[int] = set()
    for member in await member_union_ids(session, union_id):
        if member not in seen:
            found |= {member} | await unions_beneath(session, member, seen | found)
    return frozenset(found - {union_id})
