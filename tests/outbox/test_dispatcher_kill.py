"""`reslog worker` killed with SIGKILL in the middle of a broadcast, then restarted.

On Telegram everyone gets it at most once, and only the requests under way at the kill are left
unconfirmed; on WhatsApp everyone gets it exactly once: the rows under way are looked up in
Twilio's Messages list, recorded as sent if Twilio took them, sent again if it did not."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox.dispatcher import DispatchConfig
from handlers.notices.queue import queue_notice
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import Notice, OutboxMessage
from storage.outbox import pending_count
from tests.fakes.bot_api import FakeBotApi
from tests.support.members import Member, add_members, draft_notice
from tests.support.processes import running_reslog, start_reslog, telegram_env
from tests.support.whatsapp_outbound import fake_twilio, twilio_env

RECIPIENTS = 240
DROPPED = 2
QUIET = 0.3
DRAIN_TIMEOUT = 60.0


async def _quiet_for(arrived: Callable[[], int], seconds: float) -> int:
    """Wait until no request has arrived for ``seconds``; how many had arrived by then."""
    seen, since = arrived(), time.monotonic()
    while time.monotonic() - since < seconds:
        await asyncio.sleep(0.02)
        now = arrived()
        if now != seen:
            seen, since = now, time.monotonic()
    return seen


async def _drained(sessions: async_sessionmaker[AsyncSession], channel: str) -> None:
    """Wait until no row of the channel is pending or under way."""
    async with asyncio.timeout(DRAIN_TIMEOUT):
        while True:
            async with sessions() as session:
                if await pending_count(session, channel) == 0:
                    return
            await asyncio.sleep(0.1)


async def _statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """How many outbox rows are in each status."""
    async with sessions() as session:
        found = await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        return {str(status): int(count) for status, count in found.all()}


async def test_a_worker_killed_mid_broadcast_and_restarted_sends_everyone_the_notice_once(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    cli_env: dict[str, str],
    demo: str,
    tmp_path: Path,
) -> None:
    async with FakeBotApi() as fake:
        members = [Member(7_700_000 + i, ("ar", "tr", "en")[i % 3]) for i in range(RECIPIENTS)]
        await add_members(sessions, cipher, fake, demo, members)
        async with sessions() as session:
            notice = await session.get(Notice, await draft_notice(sessions, demo, urgent=True))
            assert notice is not None
            assert await queue_notice(session, notice, utcnow()) == RECIPIENTS
            await session.commit()
        env = telegram_env(cli_env, fake, TELEGRAM_RATE="200")

        worker = await start_reslog("worker", env=env, cwd=tmp_path)
        await fake.wait_until(
            lambda: len(fake.calls_to("sendMessage")) >= RECIPIENTS // 3,
            within=30,
            what="a third of the broadcast",
        )
        fake.hold("sendMessage")  # the requests under way arrive, their answers do not
        in_flight_at_kill = await _quiet_for(lambda: len(fake.calls_to("sendMessage")), QUIET)
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
        fake.release()
        assert worker.returncode == -signal.SIGKILL
        assert in_flight_at_kill < RECIPIENTS

        async with running_reslog("worker", env=env, cwd=tmp_path):
            await _drained(sessions, "telegram")

    delivered = Counter(int(call.params["chat_id"]) for call in fake.calls_to("sendMessage"))
    assert delivered == Counter({m.user_id: 1 for m in members})
    statuses = await _statuses(sessions)
    print(f"telegram killed: statuses {statuses}, sendMessage calls {sum(delivered.values())}")
    assert set(statuses) <= {"sent", "unconfirmed"}
    assert sum(statuses.values()) == RECIPIENTS
    assert statuses.get("unconfirmed", 0) >= 1  # under way at the kill, not resent
    assert statuses["unconfirmed"] <= DispatchConfig(rate=200).in_flight_limit  # only those


async def test_a_whatsapp_worker_killed_mid_broadcast_and_restarted_sends_everyone_the_notice_exactly_once(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    cli_env: dict[str, str],
    demo: str,
    tmp_path: Path,
) -> None:
    recent = utcnow() - timedelta(hours=1)
    members = [
        Member(
            905_360_000_000 + i,
            ("ar", "tr", "en")[i % 3],
            channel="whatsapp",
            last_inbound_at=recent if i % 2 else None,  # half free-form, half the template
        )
        for i in range(RECIPIENTS)
    ]
    async with fake_twilio() as fake:
        for member in members:
            if member.last_inbound_at is not None:
                fake.wrote(member.address, seconds_ago=3600)
        await add_members(sessions, cipher, None, demo, members)
        async with sessions() as session:
            notice = await session.get(Notice, await draft_notice(sessions, demo, urgent=True))
            assert notice is not None
            assert await queue_notice(session, notice, utcnow()) == RECIPIENTS
            await session.commit()
        env = {**cli_env, "PATH": os.environ.get("PATH", ""), **twilio_env(fake)}
        env["WHATSAPP_RATE"] = "200"

        worker = await start_reslog("worker", env=env, cwd=tmp_path)
        await fake.wait_until(
            lambda: len(fake.messages) >= RECIPIENTS // 3, within=30, what="a third of it"
        )
        fake.drop_next(DROPPED)  # these never reach Twilio: they must go again
        fake.hold()  # these reach Twilio, their answers do not: they must not go again
        await fake.wait_until(lambda: fake.dropped == DROPPED, within=10, what="the drops")
        await _quiet_for(lambda: len(fake.requests), QUIET)
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
        fake.release()
        assert worker.returncode == -signal.SIGKILL
        accepted_at_kill = len(fake.messages)
        assert accepted_at_kill < RECIPIENTS
        left = await _statuses(sessions)
        assert left.get("sending", 0) > DROPPED  # the dropped, and the held that had arrived

        async with running_reslog("worker", env=env, cwd=tmp_path):
            await _drained(sessions, "whatsapp")

    received = Counter(message.to for message in fake.messages)
    print(
        f"whatsapp killed: left sending {left['sending']} (dropped {DROPPED}),"
        f" messages {len(fake.messages)}, once {sum(1 for n in received.values() if n == 1)},"
        f" lookups {len(fake.lookups)}"
    )
    assert received == Counter({m.address: 1 for m in members})
    assert await _statuses(sessions) == {"sent": RECIPIENTS}
    async with sessions() as session:
        recorded = set((await session.execute(select(OutboxMessage.external_id))).scalars())
    assert recorded == {message.sid for message in fake.messages}
    assert len(fake.lookups) >= left["sending"]  # each row under way was looked up
