"""Bad input through the conversation core: a clear answer, nothing lost, nothing raised."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.core.events import Incoming
from handlers.polls.lifecycle import close_poll
from storage.crypto import AddressCipher
from storage.models import Answer, Feedback, InboundMessage, Participant, Poll
from tests.support.chat import Chat


async def _joined(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    address: str,
    language: str = "en",
) -> Chat:
    """A participant who chose a language, consented and answered the profile."""
    chat = Chat(sessions, cipher, address, client_language=language)
    await chat.say(f"/start {demo}")
    await chat.press({"en": "English", "tr": "Türkçe", "ar": "العربية"}[language])
    await chat.press(chat.last[-1].choices[0].label)
    for _ in range(3):
        await chat.press(chat.last[-1].choices[-1].label)
    return chat


async def _answers(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Answer))).scalar_one())


async def test_stale_and_forged_buttons_are_refused_and_the_question_is_asked_again(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = await _joined(sessions, cipher, demo, "501")
    first_question = chat.button("Public transport")
    await chat.press("Public transport")
    assert await _answers(sessions) == 1
    await chat.press_data(first_question.data)
    assert "no longer active" in chat.last[0].text
    assert "question 2 of 6" in chat.last[1].text
    for forged in ("999:o:1", "garbage", "", ":" * 40, "1:o:99999"):
        await chat.press_data(forged)
        assert "no longer active" in chat.text or "not one of the answers" in chat.text
    assert await _answers(sessions) == 1


async def test_wrong_answers_get_a_reprompt_in_the_persons_language(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = await _joined(sessions, cipher, demo, "502", "tr")
    await chat.say("hiçbiri")
    assert "Lütfen aşağıdaki" in chat.text or "Bu, bu sorunun" in chat.text
    await chat.say("2")  # parks, by its number
    await chat.press("✓")
    assert "en az bir" in chat.text
    await chat.say("1 9")
    assert "Bu, bu sorunun" in chat.text
    await chat.say("1، 3")
    await chat.say("6")
    assert "Bu, bu sorunun" in chat.text
    await chat.say("5")
    await chat.say("evet")
    await chat.say("yüz")
    assert "1 ile 30 arasında" in chat.text
    await chat.say("۳")
    await chat.say("\u202eevil\u202c text\x00 with\x07 controls")
    async with sessions() as session:
        text_answer = (
            await session.execute(select(Answer.value_text).where(Answer.value_text.is_not(None)))
        ).scalar_one()
    assert text_answer == "evil text with controls"
    assert await _answers(sessions) == 1 + 2 + 1 + 1 + 1 + 1


async def test_too_long_text_unknown_command_media_and_edits_change_nothing(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = await _joined(sessions, cipher, demo, "503", "ar")
    await chat.press("النقل العام")
    await chat.say("/feedback")
    await chat.say("x" * 4097)
    assert "طويلة جداً" in chat.text
    await chat.say("/nonsense")
    assert "لا أعرف هذا الأمر" in chat.text
    for kind in ("sticker", "photo", "voice"):
        await chat.send(Incoming("telegram", "503", unsupported=kind))
        assert "قراءة غير النصوص" in chat.text
    await chat.send(Incoming("telegram", "503", unsupported="edited"))
    assert "المعدّلة" in chat.text
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Feedback))).scalar_one() == 0
    assert await _answers(sessions) == 1


async def test_an_answer_after_the_poll_closed_is_refused_and_earlier_answers_stay(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = await _joined(sessions, cipher, demo, "504")
    await chat.press("Parks")
    async with sessions() as session:
        poll = (await session.execute(select(Poll))).scalar_one()
        await close_poll(session, poll)
        await session.commit()
    await chat.press("Turkish course")
    assert "has closed" in chat.text
    assert await _answers(sessions) == 1


async def test_a_redelivered_message_is_handled_once(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = Chat(sessions, cipher, "505", client_language="en")
    first = await chat.say(f"/start {demo}", message_id="9001")
    again = await chat.say(f"/start {demo}", message_id="9001")
    assert first and again == []
    async with sessions() as session:
        assert (
            await session.execute(select(func.count()).select_from(Participant))
        ).scalar_one() == 1
        assert (
            await session.execute(select(func.count()).select_from(InboundMessage))
        ).scalar_one() == 1


async def test_answers_can_be_changed_while_the_poll_is_open(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = await _joined(sessions, cipher, demo, "506")
    await chat.press("Parks")
    await chat.say("1 2")
    await chat.press("3")
    await chat.press("No")
    await chat.say("7")
    await chat.say("More benches")
    assert "You can change them" in chat.text
    await chat.say("/polls")
    assert "answered; you can change" in chat.text
    await chat.press("Services")
    assert "Your current answer:" in chat.text and "Parks" in chat.text
    await chat.press("Public transport")
    assert "Your current answer:" in chat.text
    await chat.press("Arabic course")  # unticks a chosen option, kept from the stored answer
    await chat.press("✓")
    for _ in range(4):
        await chat.press("Keep this answer")
    async with sessions() as session:
        answers = list(
            (
                await session.execute(select(Answer).order_by(Answer.question_id, Answer.id))
            ).scalars()
        )
        poll = (await session.execute(select(Poll))).scalar_one()
    first, multi = poll.questions[0], poll.questions[1]
    assert [a.option_id for a in answers if a.question_id == first.id] == [first.options[2].id]
    assert [a.option_id for a in answers if a.question_id == multi.id] == [multi.options[0].id]
    assert len(answers) == 6


async def test_language_can_be_changed_and_stop_is_kept(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = await _joined(sessions, cipher, demo, "507")
    await chat.say("/language")
    await chat.press("Türkçe")
    assert "Dil Türkçe olarak ayarlandı." in chat.text
    assert "soru 1/6" in chat.text
    await chat.say("/stop")
    async with sessions() as session:
        person = (await session.execute(select(Participant))).scalar_one()
    assert person.stopped_at is not None and person.language == "tr"
    await chat.say("/start")
    assert "Duyurular yeniden açık" in chat.text


async def test_a_broken_stored_step_gets_an_apology_then_the_conversation_recovers(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = await _joined(sessions, cipher, demo, "508")
    await chat.press("Parks")
    async with sessions() as session:
        person = (await session.execute(select(Participant))).scalar_one()
        person.step_data = {"poll": "not-a-number", "q": "x"}
        await session.commit()
    await chat.say("1")
    assert "something went wrong" in chat.text
    await chat.say("/polls")
    await chat.press("Services")
    assert "question 2 of 6" in chat.text
    assert await _answers(sessions) == 1


async def test_a_question_asked_again_leaves_only_its_newest_copy_pressable(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = await _joined(sessions, cipher, demo, "509")
    first_copy = chat.button("Public transport")
    await chat.say("none of these")  # not an answer: the question comes again
    assert "not one of the answers" in chat.text or "choose one of the options" in chat.text
    second_copy = chat.button("Public transport")
    assert second_copy.data != first_copy.data
    await chat.send(Incoming("telegram", "509", text=None, unsupported="photo"))
    newest = chat.button("Public transport")  # asked again once more, after the photo
    assert newest.data not in (first_copy.data, second_copy.data)
    for old in (first_copy, second_copy):
        await chat.press_data(old.data)
        assert "no longer active" in chat.last[0].text
        assert await _answers(sessions) == 0
    await chat.press_data(chat.button("Public transport").data)
    assert await _answers(sessions) == 1
    assert "question 2 of 6" in chat.text
