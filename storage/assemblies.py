"""Reading municipalities, assemblies, memberships and registration-profile answers."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import utcnow
from storage.models import Assembly, Membership, Municipality, ProfileAnswer


async def assembly_by_code(session: AsyncSession, code: str) -> Assembly | None:
    """The assembly with this join code (case does not matter)."""
    query = select(Assembly).where(func.upper(Assembly.join_code) == code.strip().upper())
    return (await session.execute(query)).unique().scalar_one_or_none()


async def municipalities(
    session: AsyncSession, ids: Collection[int] | None = None
) -> list[Municipality]:
    """Every municipality, or those with these ids, by slug."""
    query = select(Municipality).order_by(Municipality.slug)
    if ids is not None:
        query = query.where(Municipality.id.in_(list(ids)))
    return list((await session.execute(query)).scalars())


async def municipality_ks(session: AsyncSession, ids: Collection[int]) -> list[int]:
    """The suppression threshold K of each of these municipalities."""
    query = select(Municipality.suppression_k).where(Municipality.id.in_(list(ids)))
    return [int(k) for k in (await session.execute(query)).scalars()]


async def assembly_k(session: AsyncSession, assembly_id: int) -> int:
    """The suppression threshold K of the municipality running the assembly."""
    query = (
        select(Municipality.suppression_k)
        .join(Assembly, Assembly.municipality_id == Municipality.id)
        .where(Assembly.id == assembly_id)
    )
    return int((await session.execute(query)).scalar_one())


async def municipality_assemblies(
    session: AsyncSession, municipality_ids: Collection[int]
) -> list[Assembly]:
    """The assemblies of these municipalities, oldest first."""
    query = (
        select(Assembly)
        .where(Assembly.municipality_id.in_(list(municipality_ids)))
        .order_by(Assembly.created_at, Assembly.id)
    )
    return list((await session.execute(query)).scalars())


async def member_assemblies(session: AsyncSession, participant_id: int) -> list[Assembly]:
    """The assemblies a participant belongs to, the first joined first."""
    query = (
        select(Assembly)
        .join(Membership, Membership.assembly_id == Assembly.id)
        .where(Membership.participant_id == participant_id)
        .order_by(Membership.joined_at, Assembly.id)
    )
    return list((await session.execute(query)).unique().scalars())


async def join_assembly(session: AsyncSession, participant_id: int, assembly_id: int) -> bool:
    """Make the participant a member; False if they already were."""
    if await session.get(Membership, (participant_id, assembly_id)) is not None:
        return False
    session.add(
        Membership(participant_id=participant_id, assembly_id=assembly_id, joined_at=utcnow())
    )
    await session.flush()
    return True


async def profile_answers(
    session: AsyncSession, participant_id: int, assembly_id: int
) -> dict[str, str]:
    """The participant's profile answers in one assembly, by question key."""
    query = select(ProfileAnswer).where(
        ProfileAnswer.participant_id == participant_id, ProfileAnswer.assembly_id == assembly_id
    )
    return {row.question_key: row.option_key for row in (await session.execute(query)).scalars()}


async def set_profile_answer(
    session: AsyncSession, participant_id: int, assembly_id: int, key: str, option_key: str
) -> None:
    """Record (or replace) one profile answer."""
    existing = await session.get(ProfileAnswer, (participant_id, assembly_id, key))
    if existing is None:
        session.add(
            ProfileAnswer(
                participant_id=participant_id,
                assembly_id=assembly_id,
                question_key=key,
                option_key=option_key,
            )
        )
    else:
        existing.option_key = option_key
    await session.flush()
