"""Poll definitions kept in memory: a correction or a closing made elsewhere is seen at once.

The bot keeps each poll's questions and options in memory (``storage.poll_cache``) and checks
the poll's revision at every turn. Here the corrections come from `reslog poll import` and
`reslog poll close`, run as separate commands with their own engine, as another process would.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.people import Demo, seed_demo_assembly, seed_people
from bot.cli.demo import DEMO_CODE, EXAMPLES_DIR
from handlers.core.events import Incoming
from handlers.core.router import handle
from storage.crypto import AddressCipher
from storage.models import Poll
from tests.support.cli_inprocess import reslog_here

USER = 4_200_002  # an English speaker (bench.people gives every third user English)
SAFE = "How safe do you feel in your neighbourhood? (1 not at all, 5 very)"
CORRECTED = "How safe do you feel in your street? (1 not at all, 5 very)"


async def _say(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, text: str, key: str
) -> str:
    async with sessions() as session:
        answer = await handle(
            session, cipher, Incoming("telegram", str(USER), text=text, message_id=key)
        )
    return "\n".join(reply.text for reply in answer.replies)


async def _revision(sessions: async_sessionmaker[AsyncSession], demo: Demo) -> int:
    async with sessions() as session:
        poll = await session.get(Poll, demo.poll_id)
        assert poll is not None
        return poll.revision


async def test_a_correction_and_a_closing_made_elsewhere_reach_the_next_turn(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    demo = await seed_demo_assembly(sessions)
    await seed_people(sessions, cipher, demo, [USER])
    assert "Which activities" in await _say(sessions, cipher, "2", "m1")  # the poll now kept
    before = await _revision(sessions, demo)
    corrected = tmp_path / "poll.yaml"
    original = (EXAMPLES_DIR / "poll-services-2026.yaml").read_text(encoding="utf-8")
    assert SAFE in original
    corrected.write_text(original.replace(SAFE, CORRECTED), encoding="utf-8")
    imported = (await reslog_here(cli_env, "poll", "import", str(corrected))).ok()
    assert "corrected 1 text" in imported
    assert await _revision(sessions, demo) > before
    asked = await _say(sessions, cipher, "1 3", "m2")
    assert CORRECTED in asked and SAFE not in asked
    (await reslog_here(cli_env, "poll", "close", DEMO_CODE, "services-2026")).ok()
    assert "This poll has closed" in await _say(sessions, cipher, "4", "m3")
