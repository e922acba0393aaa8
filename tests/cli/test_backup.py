"""`reslog db backup` and `reslog db restore`: the restore drill, and every bad request.

The drill: people answer through the real WhatsApp webhook while `reslog db backup` runs as its
own process; the bot stops, the database is destroyed, `reslog db restore` brings the backup
back; every answer whose reply came before the backup began is there, none typed after it
ended, and the bot, started again, goes on.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.people import address_of, seed_demo_assembly, seed_people
from storage.crypto import AddressCipher
from storage.engine import create_engine, normalise_database_url
from storage.models import Answer, Destruction, ErasedAddress, Participant, Response
from tests.support.chat import Chat
from tests.support.cli import reslog
from tests.support.cohort import Person, take_part
from tests.support.whatsapp import Phone, whatsapp_rig

PEOPLE = 60
FIRST = 55_000_000


async def _answered(sessions: async_sessionmaker[AsyncSession]) -> set[int]:
    """The participants with an answer stored."""
    async with sessions() as session:
        rows = await session.execute(
            select(Response.participant_id).join(Answer, Answer.response_id == Response.id)
        )
        return {participant for participant in rows.scalars() if participant is not None}


async def _destroy(database_url: str) -> None:
    """The database gone: its file deleted, or every table of the schema dropped."""
    url = normalise_database_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        for suffix in ("", "-wal", "-shm"):
            await asyncio.to_thread(Path(url.database + suffix).unlink, missing_ok=True)
        return
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def test_the_restore_drill(
    database_url: str,
    cli_env: dict[str, str],
    tmp_path: Path,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
) -> None:
    demo = await seed_demo_assembly(sessions)
    user_ids = [FIRST + i for i in range(PEOPLE)]
    people = await seed_people(sessions, cipher, demo, user_ids, "whatsapp")
    typed: dict[int, tuple[float, float]] = {}  # participant: when typed, when answered
    backup_file = tmp_path / "reslog.backup"

    async with whatsapp_rig(database_url) as rig:
        quarter = asyncio.Event()

        async def answer_all() -> None:
            for user_id in user_ids:
                started = time.monotonic()
                replies = await rig.say(Phone(address_of("whatsapp", user_id)), "1")
                assert replies, user_id
                typed[people[user_id]] = (started, time.monotonic())
                if len(typed) >= PEOPLE // 4:
                    quarter.set()
                await asyncio.sleep(0.01)

        answering = asyncio.create_task(answer_all())
        await quarter.wait()
        backup_began = time.monotonic()
        run = await reslog(cli_env, "db", "backup", "--out", backup_file)
        backup_ended = time.monotonic()
        assert "backed up the database" in run.ok()
        await answering

    before = {p for p, (_typed, answered) in typed.items() if answered < backup_began}
    after = {p for p, (started, _answered) in typed.items() if started > backup_ended}
    assert before and after, (len(before), len(after))  # answers came on both sides
    assert await _answered(sessions) == set(people.values())  # every answer stored

    await engine.dispose()  # the bot and the test let go of the database
    await _destroy(database_url)
    assert "restored" in (await reslog(cli_env, "db", "restore", backup_file)).ok()

    kept = await _answered(sessions)
    assert before <= kept
    assert not after & kept

    async with whatsapp_rig(database_url) as rig:  # the bot goes on with the restored data
        late = next(iter(after))
        user_id = next(u for u, p in people.items() if p == late)
        assert await rig.say(Phone(address_of("whatsapp", user_id)), "1")
    assert late in await _answered(sessions)


async def test_bad_requests_are_one_line_each_and_change_nothing(
    cli_env: dict[str, str],
    tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await seed_demo_assembly(sessions)
    missing = tmp_path / "no-such-folder" / "reslog.backup"
    (await reslog(cli_env, "db", "backup", "--out", missing)).refused("does not exist")
    assert not missing.parent.exists()

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("not a database\n", encoding="utf-8")
    (await reslog(cli_env, "db", "restore", not_a_backup)).refused("is not a backup")
    (await reslog(cli_env, "db", "restore", tmp_path / "absent")).refused("is not a file")

    good = tmp_path / "good.backup"
    (await reslog(cli_env, "db", "backup", "--out", good)).ok()
    (await reslog(cli_env, "db", "restore", good)).refused("already holds", "--force")
    assert "restored" in (await reslog(cli_env, "db", "restore", good, "--force")).ok()


async def test_people_erased_since_the_backup_stay_erased_when_it_is_restored(
    database_url: str,
    cli_env: dict[str, str],
    tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
) -> None:
    leaving, staying = Person("ar", 0), Person("tr", 1)
    await take_part(sessions, cipher, demo, "8801", leaving)
    await take_part(sessions, cipher, demo, "8802", staying)
    saved = tmp_path / "before-forget.backup"
    (await reslog(cli_env, "db", "backup", "--out", saved)).ok()

    chat = Chat(sessions, cipher, "8801")
    await chat.say("/forget")
    await chat.press_data(chat.last[-1].choices[0].data)  # erase everything
    gone = cipher.lookup_hash("telegram", "8801")
    async with sessions() as session:
        hashes = set((await session.scalars(select(Participant.address_hash))).all())
        assert gone not in hashes

    output = (await reslog(cli_env, "db", "restore", saved, "--force")).ok()
    assert "erased again 1 people" in output

    async with sessions() as session:
        hashes = set((await session.scalars(select(Participant.address_hash))).all())
        assert gone not in hashes
        assert cipher.lookup_hash("telegram", "8802") in hashes
        # The answers of the person erased again stay, linked to nobody.
        linked = (await session.scalars(select(Response.participant_id))).all()
        assert sorted(linked, key=lambda p: p or 0)[0] is None and len(linked) == 2
        restored = (
            await session.execute(
                select(Destruction.category, Destruction.records).where(
                    Destruction.reason == "restore"
                )
            )
        ).all()
        assert [tuple(row) for row in restored] == [("participant", 1)]
        assert gone in set((await session.scalars(select(ErasedAddress.address_hash))).all())
