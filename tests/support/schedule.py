"""Draft polls and responses written for scheduler tests, and a look at what was queued."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli.demo import EXAMPLES_DIR
from handlers.polls.file import import_poll
from handlers.polls.schedule import schedule_poll
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import Municipality, Notice, OutboxMessage, Participant, Poll, Response

POLL_FILE = EXAMPLES_DIR / "poll-services-2026.yaml"
TITLES = {
    "tr": "Mahallemizde hizmetler 2026",
    "ar": "الخدمات في حيّنا 2026",
    "en": "Services in our neighbourhood 2026",
}


async def draft_poll(sessions: async_sessionmaker[AsyncSession], slug: str) -> int:
    """The example poll imported as a draft of the demo assembly under another slug; its id."""
    text = POLL_FILE.read_text(encoding="utf-8").replace("slug: services-2026", f"slug: {slug}")
    async with sessions() as session:
        poll = await import_poll(session, text)
        await session.commit()
        return poll.id


async def schedule(
    sessions: async_sessionmaker[AsyncSession],
    poll_id: int,
    *,
    opens_at: datetime | None,
    closes_at: datetime | None,
    remind_before_minutes: int | None = None,
    now: datetime,
) -> None:
    """Schedule a poll as a facilitator would, ``now`` being when they do it."""
    async with sessions() as session:
        poll = await session.get(Poll, poll_id)
        assert poll is not None
        await schedule_poll(
            session,
            poll,
            opens_at=opens_at,
            closes_at=closes_at,
            remind_before_minutes=remind_before_minutes,
            now=now,
        )
        await session.commit()


async def no_quiet_hours(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Turn the demo municipality's quiet hours off (for tests that run on the real clock)."""
    async with sessions() as session:
        await session.execute(update(Municipality).values(quiet_start="00:00", quiet_end="00:00"))
        await session.commit()


async def respond(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    poll_id: int,
    user_ids: list[int],
    *,
    completed: bool,
) -> None:
    """Record a response of these Telegram users to the poll, completed or left half-way."""
    async with sessions() as session:
        for user_id in user_ids:
            participant_id = await session.scalar(
                select(Participant.id).where(
                    Participant.address_hash == cipher.lookup_hash("telegram", str(user_id))
                )
            )
            session.add(
                Response(
                    poll_id=poll_id,
                    participant_id=participant_id,
                    language="tr",
                    started_at=utcnow(),
                    completed_at=utcnow() if completed else None,
                )
            )
        await session.commit()


async def queued(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, kind: str
) -> dict[int, tuple[str, str, str]]:
    """The outbox rows of the notices of this kind: user id -> (language, status, text)."""
    async with sessions() as session:
        rows = await session.execute(
            select(
                Participant.address_enc,
                OutboxMessage.language,
                OutboxMessage.status,
                Notice.text,
            )
            .join(Notice, Notice.id == OutboxMessage.notice_id)
            .join(Participant, Participant.id == OutboxMessage.participant_id)
            .where(Notice.kind == kind)
        )
        found: dict[int, tuple[str, str, str]] = {}
        for address_enc, language, status, texts in rows:
            assert address_enc is not None
            user_id = int(cipher.decrypt(address_enc))
            assert user_id not in found, f"two {kind} rows for {user_id}"
            found[user_id] = (language, status, texts[language])
        return found
