"""What one staff member may send to everyone in an hour: notices and poll openings, counted
in the database, refused past the limit with when the next one can go, in their language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.i18n.core import format_number, ngettext, use_language
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import Notice, Poll
from storage.vocabulary import NoticeStatus, PollStatus
from tests.fakes.bot_api import Json
from tests.support.members import Member, add_members
from tests.support.schedule import draft_poll
from tests.support.staff import add_staff
from tests.support.telegram import TelegramRig, telegram_rig

FACILITATOR_ID = 880001


@pytest.fixture
async def rig(database_url: str, demo: str) -> AsyncIterator[TelegramRig]:
    """The bot, polling the fake Bot API; a staff member may send two things an hour."""
    async with telegram_rig(database_url, staff_broadcasts=2) as running:
        yield running


async def _notice(rig: TelegramRig, derya: Json, words: str) -> str:
    """Write a notice to everyone in chat and press "Send now"; what the bot answered."""
    await rig.say(derya, "/notice")
    for text in (f"{words} (tr)", f"{words} (ar)", f"{words} (en)"):
        await rig.say(derya, text)
    await rig.press(derya, "Meclisteki herkes")
    return (await rig.press(derya, "Şimdi gönder")).text


async def _sent(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(Notice.kind, Notice.status)
            .where(Notice.created_by.is_not(None))
            .order_by(Notice.id)
        )
        return [(kind, status) for kind, status in rows]


async def test_past_the_limit_the_next_notice_waits_and_the_facilitator_is_told_how_long(
    rig: TelegramRig,
    demo: str,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
) -> None:
    await add_members(
        sessions, cipher, rig.fake, demo, [Member(880101, "ar"), Member(880102, "tr")]
    )
    await add_staff(sessions, cipher, FACILITATOR_ID, code=demo)
    derya = rig.fake.user(FACILITATOR_ID, "Derya", "tr")
    await draft_poll(sessions, "hizmetler")
    second = await draft_poll(sessions, "ikinci")

    assert "gönderiliyor" in await _notice(rig, derya, "Cumartesi toplantı var")
    await rig.say(derya, "/open hizmetler")
    assert "açıldı" in (await rig.press(derya, "Şimdi aç")).text
    refused = await _notice(rig, derya, "Pazar da toplantı var")
    with use_language("tr"):
        said = ngettext(
            "You have sent {count} notice or poll to the members in the last hour, as many as "
            "one staff member may. Nothing was sent.",
            "You have sent {count} notices and polls to the members in the last hour, as many as "
            "one staff member may. Nothing was sent.",
            2,
        ).format(count=format_number(2))
    assert refused.startswith(said) and said.startswith("Son bir saatte")
    assert "dakika" in refused
    await rig.say(derya, "/open ikinci")
    assert (await rig.press(derya, "Şimdi aç")).text.startswith(said)
    async with sessions() as session:
        assert (await session.get(Poll, second)) is not None
        status = await session.execute(select(Poll.status).where(Poll.id == second))
        assert status.scalar_one() == PollStatus.DRAFT
    assert await _sent(sessions) == [
        ("notice", NoticeStatus.QUEUED),
        ("invitation", NoticeStatus.QUEUED),
        ("notice", NoticeStatus.DRAFT),  # kept, to be sent once the hour allows
    ]

    async with sessions() as session:  # an hour passes
        await session.execute(
            update(Notice)
            .where(Notice.status == NoticeStatus.QUEUED)
            .values(queued_at=utcnow() - timedelta(minutes=61))
        )
        await session.commit()
    step = await rig.send(rig.fake.button_update(derya, rig.fake.button(derya, "Şimdi gönder")))
    assert "gönderiliyor" in step.text
    assert [status for _kind, status in await _sent(sessions)] == [NoticeStatus.QUEUED] * 3
    step = await rig.send(rig.fake.button_update(derya, rig.fake.button(derya, "Şimdi aç")))
    assert "açıldı" in step.text  # the poll refused earlier opens too: two in this hour
    assert "Son bir saatte" in await _notice(rig, derya, "Bir duyuru daha")  # a third: refused


async def test_the_refusal_is_translated_with_arabic_plural_forms() -> None:
    for count in (1, 2, 3, 11, 100):
        with use_language("ar"):
            text = ngettext(
                "The next one can go in {minutes} minute.",
                "The next one can go in {minutes} minutes.",
                count,
            )
        assert "minute" not in text.replace("{minutes}", "")
        assert "{minutes}" in text or count in (1, 2)  # Arabic writes one and two minutes as words
