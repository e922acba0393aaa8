"""A restart in the middle of a poll: a new Application, the same database, the same question."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Answer, Poll
from tests.fakes.bot_api import Json
from tests.support.telegram import TelegramRig, telegram_rig


@pytest.fixture
async def rig(database_url: str, demo: str) -> AsyncIterator[TelegramRig]:
    """The bot polling the fake Bot API, on a database seeded with the demo assembly."""
    async with telegram_rig(database_url) as running:
        yield running


async def _member(rig: TelegramRig, demo: str) -> Json:
    """A Turkish resident who joined, consented and skipped the profile."""
    ayse = rig.fake.user(777001, "Ayşe", "tr")
    await rig.say(ayse, f"/start {demo}")
    await rig.press(ayse, "Türkçe")
    await rig.press(ayse, "Kabul ediyorum")
    await rig.press(ayse, "Evet, sorun")
    for _ in range(3):
        await rig.press(ayse, "Belirtmek istemiyorum")
    return ayse


async def test_after_a_restart_the_still_visible_button_of_the_current_question_works(
    rig: TelegramRig, demo: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    fake = rig.fake
    ayse = await _member(rig, demo)
    await rig.press(ayse, "Toplu taşıma")
    await rig.press(ayse, "Türkçe kursu")
    assert "☑ Türkçe kursu" in fake.shown(ayse)  # ticked, kept in the database, not in memory
    question_message = fake.button(ayse, "Mahalle pikniği").message_id
    old_application = rig.application

    await rig.restart()
    assert rig.application is not old_application

    step = await rig.press(ayse, "Mahalle pikniği")
    [edit] = step.of("editMessageText")
    assert edit.params["message_id"] == question_message
    assert {"☑ Türkçe kursu", "☑ Mahalle pikniği"} <= set(fake.shown(ayse))
    step = await rig.press(ayse, "Tamam ✓")
    assert "soru 3/6" in step.text

    async with sessions() as session:
        poll = (await session.execute(select(Poll))).scalar_one()
        multi = poll.questions[1]
        chosen = (
            await session.execute(
                select(Answer.option_id).where(Answer.question_id == multi.id).order_by(Answer.id)
            )
        ).scalars()
        assert list(chosen) == [multi.options[0].id, multi.options[2].id]
        assert len(list((await session.execute(select(Answer))).scalars())) == 3


async def test_what_a_person_sends_while_the_bot_is_down_is_handled_after_the_restart(
    rig: TelegramRig, demo: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    fake = rig.fake
    ayse = await _member(rig, demo)
    await rig.stop()
    before = len(fake.calls)
    update_id = fake.queue(fake.press_update(ayse, "Parklar"))
    await rig.start()
    await rig.settle(update_id)
    step = rig.since(before)
    assert "soru 2/6" in step.text
    assert fake.unanswered_queries() == []
    async with sessions() as session:
        assert len(list((await session.execute(select(Answer))).scalars())) == 1
