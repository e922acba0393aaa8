"""Staff roles and what each may manage: a facilitator one assembly, municipal staff every
assembly of their municipality, an administrator every assembly.

A staff member is found by channel and keyed address hash, like a participant, and needs no
participant row: facilitators need not join their own assembly to run it.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Assembly, Staff

FACILITATOR, MUNICIPAL, ADMINISTRATOR = "facilitator", "municipal", "administrator"
ROLES = (FACILITATOR, MUNICIPAL, ADMINISTRATOR)


async def managed_assemblies(
    session: AsyncSession, channel: str, address_hash: str
) -> list[Assembly] | None:
    """The assemblies this address may manage, by join code; None for someone without a role."""
    roles = list(
        (
            await session.execute(
                select(Staff).where(Staff.channel == channel, Staff.address_hash == address_hash)
            )
        ).scalars()
    )
    if not roles:
        return None
    query = select(Assembly).order_by(Assembly.join_code)
    if not any(role.role == ADMINISTRATOR for role in roles):
        query = query.where(
            or_(
                Assembly.id.in_([r.assembly_id for r in roles if r.role == FACILITATOR]),
                Assembly.municipality_id.in_(
                    [r.municipality_id for r in roles if r.role == MUNICIPAL]
                ),
            )
        )
    return list((await session.execute(query)).unique().scalars())
