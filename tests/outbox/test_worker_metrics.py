"""`reslog worker`'s GET /metrics on its own port: what the dispatcher settled and why sends
failed, the schedulers' rounds, the outbox's rows; behind the bearer token."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.notices.queue import queue_notice
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import InboundMessage, Notice
from tests.fakes.bot_api import FakeBotApi
from tests.support.members import Member, add_members, draft_notice
from tests.support.metrics import samples_of, value
from tests.support.processes import free_port, running_reslog, telegram_env

TOKEN = "worker-metrics-token-0123456789"
MEMBERS = 6


async def _scrape(url: str, token: str | None = TOKEN) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient() as client:
        for _attempt in range(100):  # the worker may still be starting
            try:
                return await client.get(url, headers=headers)
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise AssertionError(f"nothing answered at {url}")


async def test_the_worker_counts_what_it_sent_refused_and_scheduled(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    cli_env: dict[str, str],
    demo: str,
    tmp_path: Path,
) -> None:
    async with FakeBotApi() as fake:
        members = [Member(7_800_000 + i, ("ar", "tr", "en")[i % 3]) for i in range(MEMBERS)]
        users = await add_members(sessions, cipher, fake, demo, members)
        fake.block(users[members[0].user_id])  # one of them blocked the bot
        async with sessions() as session:
            notice = await session.get(Notice, await draft_notice(sessions, demo, urgent=True))
            assert notice is not None
            assert await queue_notice(session, notice, utcnow()) == MEMBERS
            # A message key a year old: the first purge round deletes it.
            session.add(
                InboundMessage(
                    channel="telegram",
                    external_id="old",
                    received_at=utcnow() - timedelta(days=365),
                )
            )
            await session.commit()
        port = free_port()
        env = telegram_env(
            cli_env,
            fake,
            TELEGRAM_RATE="200",
            SCHEDULER_INTERVAL="1",
            METRICS_TOKEN=TOKEN,
            METRICS_PORT=str(port),
        )
        url = f"http://127.0.0.1:{port}/metrics"
        async with running_reslog("worker", env=env, cwd=tmp_path):
            await fake.wait_until(
                lambda: len(fake.calls_to("sendMessage")) >= MEMBERS, within=30, what="the notice"
            )
            refused = await _scrape(url, None)
            assert refused.status_code == 401 and "reslog_" not in refused.text
            assert (await _scrape(url, "not-the-token-at-all")).status_code == 401
            for _attempt in range(100):  # settled in the dispatcher's next transaction
                reply = await _scrape(url)
                samples = samples_of(reply.text)
                settled = value(
                    samples, "reslog_outbox_settled_total", channel="telegram", status="sent"
                )
                rounds = value(
                    samples, "reslog_scheduler_rounds_total", scheduler="digests", outcome="ok"
                )
                purged = value(
                    samples, "reslog_scheduler_rounds_total", scheduler="retention", outcome="ok"
                )
                if settled == MEMBERS - 1 and rounds >= 1 and purged >= 1:
                    break
                await asyncio.sleep(0.1)
        assert reply.status_code == 200
        assert settled == MEMBERS - 1
        blocked = value(
            samples, "reslog_outbox_settled_total", channel="telegram", status="blocked"
        )
        assert blocked == 1
        assert (
            value(samples, "reslog_send_errors_total", channel="telegram", reason="ContactStopped")
            == 1
        )
        assert (
            value(samples, "reslog_outbox_rows", channel="telegram", status="sent") == MEMBERS - 1
        )
        assert value(samples, "reslog_outbox_rows", channel="telegram", status="pending") == 0
        destroyed = value(
            samples,
            "reslog_retention_destroyed_total",
            category="message_key",
            reason="retention_period",
        )
        assert destroyed == 1
        for scheduler in ("scheduler", "digests", "retention"):
            assert (
                value(samples, "reslog_scheduler_rounds_total", scheduler=scheduler, outcome="ok")
                >= 1
            )
            last = value(
                samples, "reslog_scheduler_last_round_timestamp_seconds", scheduler=scheduler
            )
            assert time.time() - 60 < last <= time.time()
        assert (
            value(samples, "reslog_scheduler_rounds_total", scheduler="digests", outcome="failed")
            == 0
        )
        for user in users.values():
            assert str(user["id"]) not in reply.text
