"""`reslog worker` killed with SIGKILL in the middle of a broadcast, then restarted: everyone gets it once."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.notices.queue import queue_notice
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import Notice, OutboxMessage
from storage.outbox import pending_count
from tests.fakes.bot_api import FakeBotApi
from tests.support.members import Member, add_members, draft_notice
from tests.support.processes import running_reslog, start_reslog, telegram_env

RECIPIENTS = 240
QUIET = 0.3
DRAIN_TIMEOUT = 60.0


async def _quiet_for(fake: FakeBotApi, seconds: float) -> int:
    """Wait until no sendMessage has arrived for ``seconds``; how many had arrived by then."""
    seen, since = len(fake.calls_to("sendMessage")), time.monotonic()
    while time.monotonic() - since < seconds:
        await asyncio.sleep(0.02)
        now = len(fake.calls_to("sendMessage"))
        if now != seen:
            seen, since = now, time.monotonic()
    return seen


async def _drained(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Wait until no Telegram row is pending or under way."""
    async with asyncio.timeout(DRAIN_TIMEOUT):
        while True:
            async with sessions() as session:
                if await pending_count(session, "telegram") == 0:
                    return
            await asyncio.sleep(0.1)


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
        in_flight_at_kill = await _quiet_for(fake, QUIET)
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
        fake.release()
        assert worker.returncode == -signal.SIGKILL
        assert in_flight_at_kill < RECIPIENTS

        async with running_reslog("worker", env=env, cwd=tmp_path):
            await _drained(sessions)

    delivered = Counter(int(call.params["chat_id"]) for call in fake.calls_to("sendMessage"))
    assert delivered == Counter({m.user_id: 1 for m in members})
    async with sessions() as session:
        statuses = dict(
            (
                await session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                )
            ).all()
        )
    assert set(statuses) <= {"sent", "unconfirmed"}
    assert sum(statuses.values()) == RECIPIENTS
    assert statuses.get("unconfirmed", 0) >= 1  # the round under way at the kill, not resent
