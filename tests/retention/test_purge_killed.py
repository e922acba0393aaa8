"""A purge killed half-way (SIGKILL, as a crash or an OOM kill would) and run again: everyone
due is erased exactly once, nobody is missed, and the log counts each of them once."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.people import seed_demo_assembly, seed_people
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import Destruction, ErasedAddress, Participant, RetentionRun
from tests.support.cli import reslog
from tests.support.processes import start_reslog

PEOPLE = 20_000  # 40 batches: long enough a run to be killed in the middle of


async def _count(sessions: async_sessionmaker[AsyncSession], query: object) -> int:
    async with sessions() as session:
        return int(await session.scalar(query) or 0)  # type: ignore[call-overload]


async def test_a_purge_killed_half_way_resumes_without_erasing_anyone_twice_or_missing_anyone(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    demo = await seed_demo_assembly(sessions)
    await seed_people(sessions, cipher, demo, list(range(30_000_000, 30_000_000 + PEOPLE)))
    async with sessions() as session:  # silent for three years, warned three weeks ago
        await session.execute(
            update(Participant).values(
                last_inbound_at=utcnow() - timedelta(days=3 * 365),
                retention_warned_at=utcnow() - timedelta(days=21),
            )
        )
        await session.commit()
    erased_rows = select(func.coalesce(func.sum(Destruction.records), 0)).where(
        Destruction.category == "participant"
    )

    process = await start_reslog("retention", "run", env=cli_env, cwd=tmp_path)
    for _attempt in range(3000):
        if await _count(sessions, erased_rows) > 0:
            break
        await asyncio.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    left = await _count(sessions, select(func.count()).select_from(Participant))
    logged = await _count(sessions, erased_rows)
    assert 0 < left < PEOPLE, "the kill must land in the middle of the run"
    assert logged == PEOPLE - left  # each finished batch: its erasures and its log row together

    ran = (await reslog(cli_env, "retention", "run")).ok()
    assert f"participant (inactivity) {left}" in ran

    assert await _count(sessions, select(func.count()).select_from(Participant)) == 0
    assert await _count(sessions, erased_rows) == PEOPLE
    assert await _count(sessions, select(func.count()).select_from(ErasedAddress)) == PEOPLE
    async with sessions() as session:
        runs = (
            await session.execute(select(RetentionRun.finished_at).order_by(RetentionRun.id))
        ).all()
    assert [finished is not None for (finished,) in runs] == [False, True]
