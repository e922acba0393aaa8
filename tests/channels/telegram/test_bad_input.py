"""Bad input over Telegram (real HTTP, long polling): a clear reply each time, nothing lost."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.polls.lifecycle import close_poll
from storage.models import Answer, Feedback, Poll
from tests.fakes.bot_api import Json
from tests.support.telegram import TelegramRig, telegram_rig

NOT_ACTIVE = "That button is no longer active"
NOT_AN_ANSWER = "That is not one of the answers"


@pytest.fixture
async def rig(database_url: str, demo: str) -> AsyncIterator[TelegramRig]:
    """The bot polling the fake Bot API, on a database seeded with the demo assembly."""
    async with telegram_rig(database_url) as running:
        yield running


async def _member(rig: TelegramRig, demo: str, user_id: int) -> Json:
    """An English-speaking resident who joined, consented and skipped the profile."""
    person = rig.fake.user(user_id, "John", "en")
    await rig.say(person, f"/start {demo}")
    await rig.press(person, "English")
    await rig.press(person, "I agree")
    await rig.press(person, "Yes, ask me")
    for _ in range(3):
        await rig.press(person, "Prefer not to say")
    return person


async def _answers(sessions: async_sessionmaker[AsyncSession]) -> list[Answer]:
    async with sessions() as session:
        return list((await session.execute(select(Answer).order_by(Answer.id))).scalars())


async def test_unknown_command_media_and_edits_get_a_clear_reply_and_change_nothing(
    rig: TelegramRig, demo: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    fake = rig.fake
    john = await _member(rig, demo, 610001)
    await rig.press(john, "Public transport")

    step = await rig.say(john, "/nonsense")
    assert "I do not know that command" in step.text and "question 2 of 6" in step.text
    mistyped = fake.sent_by(john)[-1]["message_id"]
    for kind in ("sticker", "photo", "voice", "document", "location"):
        step = await rig.send(fake.media_update(john, kind))
        assert "I can only read text" in step.text, kind
        assert "question 2 of 6" in step.text, kind
    step = await rig.send(fake.edited_update(john, mistyped, "/feedback"))
    assert step.texts == ["Edited messages are not read. Please send your answer as a new message."]

    answers = await _answers(sessions)
    assert len(answers) == 1
    step = await rig.press(john, "Neighbourhood picnic")  # the question still works
    assert step.of("editMessageText") and "☑ Neighbourhood picnic" in fake.shown(john)


async def test_stale_and_forged_buttons_are_refused_and_the_question_is_asked_again(
    rig: TelegramRig, demo: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    fake = rig.fake
    john = await _member(rig, demo, 610002)
    stale = fake.button(john, "Parks")
    step = await rig.say(john, "3")  # answered by typing: the first question's buttons stay
    assert "question 2 of 6" in step.text
    assert fake.button(john, "Parks") == stale

    step = await rig.send(fake.button_update(john, stale))
    assert NOT_ACTIVE in step.text and "question 2 of 6" in step.text
    assert [c.params["message_id"] for c in step.of("editMessageReplyMarkup")] == [stale.message_id]
    assert "Parks and playgrounds" not in fake.shown(john)  # the stale keyboard is gone

    current = fake.button(john, "Turkish course").message_id
    for forged in ("999:o:1", "garbage", ":" * 40, "1:o:99999", "", "ب" * 30):
        step = await rig.send(fake.callback_update(john, current, forged))
        assert NOT_ACTIVE in step.text or NOT_AN_ANSWER in step.text, forged
        current = fake.button(john, "Turkish course").message_id
    assert fake.unanswered_queries() == []

    answers = await _answers(sessions)
    async with sessions() as session:
        first = (await session.execute(select(Poll))).scalar_one().questions[0]
    assert [a.option_id for a in answers] == [first.options[2].id]


async def test_too_long_and_disguised_text_is_refused_or_cleaned(
    rig: TelegramRig, demo: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    john = await _member(rig, demo, 610003)
    await rig.press(john, "Public transport")
    await rig.say(john, "1 3")
    await rig.press(john, "3")
    await rig.press(john, "No")
    await rig.say(john, "7")

    step = await rig.say(john, "x" * 4097)
    assert "Your message is too long" in step.text and "question 6 of 6" in step.text
    assert len(await _answers(sessions)) == 6  # five questions, two options ticked in one

    step = await rig.say(john, "\u202eevil\u202c text\x00 with\x07 controls")
    assert "Thank you!" in step.text
    answers = await _answers(sessions)
    assert len(answers) == 7 and answers[-1].value_text == "evil text with controls"

    await rig.say(john, "/feedback")
    step = await rig.say(john, "y" * 4097)
    assert "Your message is too long" in step.text
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Feedback))).scalar_one() == 0


async def test_an_answer_after_the_poll_closed_is_refused_and_earlier_answers_stay(
    rig: TelegramRig, demo: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    john = await _member(rig, demo, 610004)
    await rig.press(john, "Parks")
    async with sessions() as session:
        poll = (await session.execute(select(Poll))).scalar_one()
        await close_poll(session, poll)
        await session.commit()

    step = await rig.press(john, "Turkish course")
    assert "This poll has closed. The answers you gave before are kept." in step.text
    step = await rig.say(john, "2")
    assert "question" not in step.text
    answers = await _answers(sessions)
    assert len(answers) == 1 and answers[0].option_id == poll.questions[0].options[1].id
    assert rig.fake.unanswered_queries() == []


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_errors_from_telegram_are_logged_without_the_user_id_and_never_stop_the_bot(
    rig: TelegramRig, demo: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.channels")
    fake = rig.fake
    john = await _member(rig, demo, 610005)

    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    step = await rig.say(john, "/help")
    assert [c.method for c in step.calls] == ["sendMessage", "sendMessage"]
    assert "/feedback" in fake.chat(john)[-1]["text"]

    fake.fail_next("editMessageReplyMarkup", 400, "Bad Request: message can't be edited")
    step = await rig.press(john, "Public transport")
    assert "question 2 of 6" in step.text

    fake.block(john)
    step = await rig.say(john, "/help")
    assert [c.method for c in step.calls] == ["sendMessage"]

    other = rig.fake.user(610006, "Mehmet", "tr")
    step = await rig.say(other, f"/start {demo}")
    assert "Lütfen dilinizi seçin." in step.text

    records = [r.getMessage() for r in caplog.records if r.name.startswith("bot.channels")]
    assert any("blocked" in r or "stopped the bot" in r for r in records)
    assert any("throttled" in r for r in records)
    assert not any(str(john["id"]) in r or str(other["id"]) in r for r in records)
