"""The dispatcher against the fake Bot API: every recipient once, 429s honoured, blocked people stopped."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot

from bot.channels.telegram.aiohttp_request import AiohttpRequest
from bot.channels.telegram.sender import TelegramSender
from bot.outbox.dispatcher import DispatchConfig, Dispatcher
from bot.outbox.leader import Leadership
from handlers.i18n.core import use_language
from handlers.notices.queue import NoticeProblem, queue_notice
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import Assembly, Notice, OutboxMessage, Participant
from storage.outbox import pending_count
from tests.fakes.bot_api import FakeBotApi
from tests.support.members import TEXTS, Member, add_members, draft_notice
from tests.support.outbox import drain, queue

FAST = DispatchConfig(rate=200, backoff=0.05, idle_wait=0.05)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API on loopback."""
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def sender(fake: FakeBotApi) -> AsyncIterator[TelegramSender]:
    """A started python-telegram-bot Bot pointed at the fake, as the worker builds it."""
    async with Bot(fake.token, base_url=fake.base_url, request=AiohttpRequest(8)) as bot:
        yield TelegramSender(bot)


def received(fake: FakeBotApi) -> Counter[int]:
    """How many messages the bot delivered to each chat (refused attempts are not messages)."""
    return Counter(
        {
            chat_id: sum(1 for m in chat if m["from"]["id"] == fake.bot["id"])
            for chat_id, chat in fake.state.chats.items()
            if any(m["from"]["id"] == fake.bot["id"] for m in chat)
        }
    )


async def rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    """Every outbox row, oldest first."""
    async with sessions() as session:
        return list(
            (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        )


async def test_a_notice_reaches_every_member_once_in_their_language_and_not_those_who_stopped(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeBotApi,
    sender: TelegramSender,
    demo: str,
) -> None:
    members = [Member(9100 + i, ("ar", "tr", "en")[i % 3]) for i in range(30)]
    members.append(Member(9999, "ar", stopped=True))
    await add_members(sessions, cipher, fake, demo, members)
    notice_id = await draft_notice(sessions, demo, urgent=True)
    assert await queue(sessions, notice_id) == 30

    await drain(sessions, Dispatcher(sessions, cipher, sender, FAST))

    assert received(fake) == Counter({m.user_id: 1 for m in members if not m.stopped})
    texts = {int(c.params["chat_id"]): c.params["text"] for c in fake.calls_to("sendMessage")}
    assert all(texts[m.user_id] == TEXTS[m.language] for m in members if not m.stopped)
    sent = await rows(sessions)
    assert {r.status for r in sent} == {"sent"}
    by_chat = {int(c.params["chat_id"]): c for c in fake.calls_to("sendMessage")}
    assert all(r.external_id for r in sent)
    assert len({(r.participant_id, r.external_id) for r in sent}) == 30
    assert 9999 not in by_chat


async def test_a_second_confirm_of_the_same_notice_sends_nothing_more(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeBotApi,
    sender: TelegramSender,
    demo: str,
) -> None:
    await add_members(sessions, cipher, fake, demo, [Member(9201, "tr"), Member(9202, "ar")])
    notice_id = await draft_notice(sessions, demo, urgent=True)
    assert await queue(sessions, notice_id) == 2
    with use_language("en"), pytest.raises(NoticeProblem, match="already been sent"):
        await queue(sessions, notice_id)
    await drain(sessions, Dispatcher(sessions, cipher, sender, FAST))
    assert received(fake) == Counter({9201: 1, 9202: 1})
    assert len(await rows(sessions)) == 2


async def test_a_429_pauses_sending_for_retry_after_and_the_message_still_goes_once(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeBotApi,
    sender: TelegramSender,
    demo: str,
) -> None:
    await add_members(sessions, cipher, fake, demo, [Member(9301, "tr")])
    notice_id = await draft_notice(sessions, demo, urgent=True)
    await queue(sessions, notice_id)
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)

    await drain(sessions, Dispatcher(sessions, cipher, sender, FAST))

    attempts = fake.calls_to("sendMessage")
    assert len(attempts) == 2
    assert attempts[1].at - attempts[0].at >= 1.0
    assert received(fake) == Counter({9301: 1})
    [row] = await rows(sessions)
    assert (row.status, row.attempts) == ("sent", 1)


async def test_a_person_who_blocked_the_bot_is_stopped_and_not_in_the_next_audience(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeBotApi,
    sender: TelegramSender,
    demo: str,
) -> None:
    users = await add_members(
        sessions, cipher, fake, demo, [Member(9401, "ar"), Member(9402, "tr")]
    )
    fake.block(users[9401])
    first = await draft_notice(sessions, demo, urgent=True)
    await queue(sessions, first)
    dispatcher = Dispatcher(sessions, cipher, sender, FAST)
    await drain(sessions, dispatcher)

    statuses = {r.participant_id: r.status for r in await rows(sessions)}
    assert sorted(statuses.values()) == ["blocked", "sent"]
    async with sessions() as session:
        stopped = (
            (
                await session.execute(
                    select(Participant.id).where(Participant.stopped_at.is_not(None))
                )
            )
            .scalars()
            .all()
        )
    assert len(stopped) == 1 and statuses[stopped[0]] == "blocked"

    second = await draft_notice(sessions, demo, urgent=True)
    assert await queue(sessions, second) == 1
    await drain(sessions, dispatcher)
    assert len([c for c in fake.calls_to("sendMessage") if c.params["chat_id"] == 9401]) == 1
    assert received(fake) == Counter({9402: 2})


async def test_server_errors_are_retried_with_backoff_at_most_three_times(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeBotApi,
    sender: TelegramSender,
    demo: str,
) -> None:
    await add_members(sessions, cipher, fake, demo, [Member(9501, "en")])
    dispatcher = Dispatcher(sessions, cipher, sender, FAST)
    fake.fail_next("sendMessage", 502, "Bad Gateway", times=2)
    await queue(sessions, await draft_notice(sessions, demo, urgent=True))
    await drain(sessions, dispatcher)
    fake.fail_next("sendMessage", 502, "Bad Gateway", times=3)
    await queue(sessions, await draft_notice(sessions, demo, urgent=True))
    await drain(sessions, dispatcher)

    first, second = await rows(sessions)
    assert (first.status, first.attempts) == ("sent", 3)
    assert (second.status, second.attempts) == ("failed", 3)
    assert len(fake.calls_to("sendMessage")) == 6
    assert received(fake) == Counter({9501: 1})


async def test_one_chat_gets_at_most_one_message_a_second(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeBotApi,
    sender: TelegramSender,
    demo: str,
) -> None:
    await add_members(sessions, cipher, fake, demo, [Member(9601, "tr")])
    for _ in range(3):
        await queue(sessions, await draft_notice(sessions, demo, urgent=True))
    await drain(sessions, Dispatcher(sessions, cipher, sender, FAST))
    assert received(fake) == Counter({9601: 3})
    times = [call.at for call in fake.calls_to("sendMessage")]
    assert len(times) == 3
    assert all(later - earlier >= 0.99 for earlier, later in pairwise(times))


async def test_rows_a_dead_dispatcher_left_under_way_are_never_sent_again(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeBotApi,
    sender: TelegramSender,
    demo: str,
) -> None:
    await add_members(sessions, cipher, fake, demo, [Member(9701, "tr"), Member(9702, "tr")])
    await queue(sessions, await draft_notice(sessions, demo, urgent=True))
    async with sessions() as session:
        first = (
            (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id)))
            .scalars()
            .first()
        )
        assert first is not None
        first.status = "sending"
        await session.commit()

    await drain(sessions, Dispatcher(sessions, cipher, sender, FAST))

    statuses = [r.status for r in await rows(sessions)]
    assert statuses == ["unconfirmed", "sent"]
    assert received(fake) == Counter({9702: 1})


async def test_quiet_hours_hold_a_notice_that_is_not_urgent(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, fake: FakeBotApi, demo: str
) -> None:
    await add_members(sessions, cipher, fake, demo, [Member(9801, "tr")])
    async with sessions() as session:
        notice = await session.get(Notice, await draft_notice(sessions, demo))
        assert notice is not None
        now = utcnow()
        assembly_tz_now = now.astimezone(ZoneInfo("Europe/Istanbul"))
        # Quiet hours around the present local time, whatever it is.
        start = (assembly_tz_now - timedelta(hours=1)).strftime("%H:%M")
        end = (assembly_tz_now + timedelta(hours=1)).strftime("%H:%M")
        assembly = await session.get(Assembly, notice.assembly_id)
        assert assembly is not None
        assembly.municipality.quiet_start, assembly.municipality.quiet_end = start, end
        await queue_notice(session, notice, now)
        await session.commit()
    [row] = await rows(sessions)
    wait = row.not_before - now
    assert timedelta(minutes=58) <= wait <= timedelta(hours=1, minutes=1)


async def test_only_one_dispatcher_leads_a_channel_at_a_time(engine: AsyncEngine) -> None:
    first, second = Leadership(engine, "dispatcher-test"), Leadership(engine, "dispatcher-test")
    assert await first.acquire()
    assert not await second.acquire()
    await first.release()
    assert await second.acquire()
    await second.release()


async def test_two_dispatchers_sending_at_once_never_send_a_row_twice_the_database_decides(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeBotApi,
    sender: TelegramSender,
    demo: str,
) -> None:
    members = [Member(9900 + i, ("ar", "tr", "en")[i % 3]) for i in range(60)]
    await add_members(sessions, cipher, fake, demo, members)
    await queue(sessions, await draft_notice(sessions, demo, urgent=True))

    async def send_all(dispatcher: Dispatcher) -> None:
        """The dispatcher's loop without taking over (no recovery), until nothing is left."""
        while True:
            await dispatcher.step()
            if not dispatcher.in_flight:
                async with sessions() as session:
                    if await pending_count(session, "telegram") == 0:
                        break
        await dispatcher.finish()

    request = AiohttpRequest(8)
    async with Bot(fake.token, base_url=fake.base_url, request=request) as other:
        first = Dispatcher(sessions, cipher, sender, FAST)
        second = Dispatcher(sessions, cipher, TelegramSender(other), FAST)
        await asyncio.gather(send_all(first), send_all(second))

    assert received(fake) == Counter({m.user_id: 1 for m in members})
    assert {r.status for r in await rows(sessions)} == {"sent"}
