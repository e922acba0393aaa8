"""What `reslog doctor` reads from the database to judge a deployment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Assembly,
    DigestRecipient,
    DigestSetting,
    Municipality,
    OutboxMessage,
    Participant,
    Staff,
)
from storage.vocabulary import OutboxStatus


async def schema_revision(session: AsyncSession) -> str | None:
    """The schema revision the database is at (None: never migrated)."""
    try:
        row = (await session.execute(text("SELECT version_num FROM alembic_version"))).first()
    except Exception:
        await session.rollback()
        return None
    return str(row[0]) if row is not None else None


async def a_stored_address(session: AsyncSession) -> str | None:
    """One encrypted address the database holds (a participant's or a staff member's), if any."""
    for column in (Participant.address_enc, Staff.address_enc):
        found = (await session.execute(select(column).limit(1))).scalar_one_or_none()
        if found:
            return str(found)
    return None


async def stuck_rows(session: AsyncSession, claimed_before: datetime) -> int:
    """Outbox rows claimed before then and still marked as being sent."""
    query = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at < claimed_before,
        )
    )
    return int((await session.execute(query)).scalar_one())


async def municipalities_without_recipients(session: AsyncSession) -> list[str]:
    """The municipalities whose digests reach nobody (no recipient on any of their settings)."""
    reached = (
        select(DigestSetting.municipality_id)
        .join(DigestRecipient, DigestRecipient.setting_id == DigestSetting.id)
        .where(DigestSetting.municipality_id.is_not(None))
    )
    query = (
        select(Municipality.slug).where(Municipality.id.not_in(reached)).order_by(Municipality.slug)
    )
    return list((await session.execute(query)).scalars())


async def assembly_languages(session: AsyncSession) -> set[str]:
    """Every language some assembly speaks."""
    rows = (await session.execute(select(Assembly.languages))).scalars()
    return {language for languages in rows for language in languages or []}


async def municipalities_without_privacy_contact(session: AsyncSession) -> list[str]:
    """The municipalities that name no contact for people's data-protection rights."""
    query = select(Municipality.slug).where(
        func.coalesce(func.trim(Municipality.privacy_contact), "") == ""
    )
    return list((await session.execute(query.order_by(Municipality.slug))).scalars())


async def anyone_kept(session: AsyncSession) -> bool:
    """Whether anyone has accepted the notice (so there is personal data to purge)."""
    query = select(Participant.id).where(Participant.consented_at.is_not(None)).limit(1)
    return (await session.execute(query)).first() is not None
