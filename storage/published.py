"""The published-figures record: what left the system for a poll or a digest period, at which
K, and to whom.

The first output of a subject records its K (the unique subject decides between two processes
at once, through ``ON CONFLICT DO NOTHING``); fixing its figures is a conditional update, so the first to fix them wins and every
other process reads the figures it fixed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Publication, PublishedFigures


def poll_subject(poll_id: int) -> str:
    """The subject naming a poll's results."""
    return f"poll {poll_id}"


def digest_subject(setting_id: int, start: datetime, end: datetime) -> str:
    """The subject naming one period of a digest setting (start and end in UTC)."""
    return f"digest {setting_id} {start:%Y-%m-%dT%H:%M}/{end:%Y-%m-%dT%H:%M}"


async def find_published(session: AsyncSession, subject: str) -> PublishedFigures | None:
    """The subject's record, if anything of it was ever published."""
    query = select(PublishedFigures).where(PublishedFigures.subject == subject)
    return (await session.execute(query)).scalar_one_or_none()


async def record_published(
    session: AsyncSession,
    subject: str,
    k: int,
    now: datetime,
    *,
    poll_id: int | None = None,
    setting_id: int | None = None,
) -> PublishedFigures:
    """The subject's record, made at K ``k`` if there was none (another process may make it
    at the same moment: then its record, and its K, are the ones returned)."""
    found = await find_published(session, subject)
    if found is not None:
        return found
    values = {
        "subject": subject,
        "k": k,
        "poll_id": poll_id,
        "setting_id": setting_id,
        "first_published_at": now,
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    # ON CONFLICT rather than a savepoint: a second process's row wins without aborting this
    # transaction, and SQLite's driver never commits early on a savepoint's release.
    await session.execute(
        insert(PublishedFigures).values(**values).on_conflict_do_nothing(index_elements=["subject"])
    )
    found = await find_published(session, subject)
    assert found is not None
    return found


async def fix_figures(
    session: AsyncSession, row: PublishedFigures, figures: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Fix the subject's figures unless they are fixed already; the figures that stand."""
    result = await session.execute(
        update(PublishedFigures)
        .where(PublishedFigures.id == row.id, PublishedFigures.frozen_at.is_(None))
        .values(figures=figures, frozen_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(row)
    if getattr(result, "rowcount", 0) == 0 and row.figures is None:
        raise RuntimeError(f"the figures of {row.subject} could not be fixed")
    assert row.figures is not None
    return row.figures


async def log_publication(
    session: AsyncSession, row: PublishedFigures, audience: str, now: datetime
) -> None:
    """Record that the subject's figures left the system for ``audience``."""
    session.add(Publication(figures_id=row.id, audience=audience[:200], published_at=now))
    await session.flush()
