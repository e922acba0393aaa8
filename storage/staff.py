"""Staff roles and what each may manage: a facilitator one assembly, municipal staff every
assembly of their municipality, an administrator every assembly.

A staff member is found by channel and keyed address hash, like a participant, and needs no
participant row: facilitators need not join their own assembly to run it.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import Assembly, Staff, StaffInvite

FACILITATOR, MUNICIPAL, ADMINISTRATOR = "facilitator", "municipal", "administrator"
ROLES = (FACILITATOR, MUNICIPAL, ADMINISTRATOR)
INVITE_HASH_CHANNEL = "staff-invite"  # the keyed hash of an invitation token is taken under this


async def staff_roles(session: AsyncSession, channel: str, address_hash: str) -> list[Staff]:
    """Every staff role this address holds (none for someone who is not staff)."""
    query = select(Staff).where(Staff.channel == channel, Staff.address_hash == address_hash)
    return list((await session.execute(query)).scalars())


async def managed_assemblies(
    session: AsyncSession, channel: str, address_hash: str
) -> list[Assembly] | None:
    """The assemblies this address may manage, by join code; None for someone without a role."""
    roles = await staff_roles(session, channel, address_hash)
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


async def remove_staff(session: AsyncSession, channel: str, address_hash: str) -> int:
    """Delete every staff role of this address; how many there were."""
    result = await session.execute(
        delete(Staff).where(Staff.channel == channel, Staff.address_hash == address_hash)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def invite_token() -> str:
    """A new invitation token: URL-safe, and short enough for a Telegram deep link (64)."""
    return secrets.token_urlsafe(24)


async def create_invite(
    session: AsyncSession,
    token_hash: str,
    role: str,
    expires_at: datetime,
    *,
    assembly_id: int | None = None,
    municipality_id: int | None = None,
) -> StaffInvite:
    """Keep an invitation (by the keyed hash of its token) until it is used or expires."""
    invite = StaffInvite(
        token_hash=token_hash,
        role=role,
        assembly_id=assembly_id,
        municipality_id=municipality_id,
        expires_at=expires_at,
    )
    session.add(invite)
    await session.flush()
    return invite


async def redeem_invite(
    session: AsyncSession,
    token_hash: str,
    channel: str,
    address_hash: str,
    address_enc: str,
    now: datetime,
) -> Staff | None:
    """Make this address staff as the invitation says, once; None if it is unknown, used or
    expired. Claimed with a conditional update, so two people opening it at once make one."""
    invite = (
        await session.execute(select(StaffInvite).where(StaffInvite.token_hash == token_hash))
    ).scalar_one_or_none()
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        return None
    claimed = await session.execute(
        update(StaffInvite)
        .where(StaffInvite.id == invite.id, StaffInvite.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        return None
    same = await existing_staff(
        session, channel, address_hash, invite.role, invite.assembly_id, invite.municipality_id
    )
    staff = same or Staff(
        assembly_id=invite.assembly_id,
        municipality_id=invite.municipality_id,
        role=invite.role,
        channel=channel,
        address_hash=address_hash,
        address_enc=address_enc,
    )
    session.add(staff)
    await session.flush()
    await session.execute(
        update(StaffInvite).where(StaffInvite.id == invite.id).values(staff_id=staff.id)
    )
    return staff


async def existing_staff(
    session: AsyncSession,
    channel: str,
    address_hash: str,
    role: str,
    assembly_id: int | None,
    municipality_id: int | None,
) -> Staff | None:
    """The same role for the same place held by this address already, if any."""
    query = select(Staff).where(
        Staff.channel == channel,
        Staff.address_hash == address_hash,
        Staff.role == role,
        _same_place(Staff.assembly_id, assembly_id),
        _same_place(Staff.municipality_id, municipality_id),
    )
    return (await session.execute(query)).scalars().first()


def _same_place(
    column: InstrumentedAttribute[int | None], value: int | None
) -> ColumnElement[bool]:
    """``column`` holds ``value``, NULL included."""
    return column.is_(None) if value is None else column == value


async def first_staff_id(session: AsyncSession, channel: str, address_hash: str) -> int | None:
    """The id of one staff role of this address (for recording who wrote a notice), if any."""
    query = (
        select(Staff.id)
        .where(Staff.channel == channel, Staff.address_hash == address_hash)
        .order_by(Staff.id)
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def staff_addresses(session: AsyncSession, channel: str) -> list[str]:
    """The encrypted address of each person with a staff role on a channel, once each."""
    rows = await session.execute(
        select(Staff.address_hash, Staff.address_enc)
        .where(Staff.channel == channel)
        .order_by(Staff.address_hash, Staff.id)
    )
    return list({address_hash: enc for address_hash, enc in rows}.values())
