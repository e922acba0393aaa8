"""The resident journey through the conversation core, on both databases."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.consent.activation import activate
from storage.assemblies import assembly_by_code
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import (
    Answer,
    Feedback,
    Municipality,
    Participant,
    ProfileAnswer,
    Response,
)
from tests.support.chat import Chat
from tests.support.cohort import COHORT, take_part


async def _count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_arabic_resident_answers_every_question_kind_and_it_is_stored(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = Chat(sessions, cipher, "1001", client_language="ar")
    await chat.say(f"/start {demo}")
    assert chat.last[0].choices[0].label == "العربية"
    await chat.press("العربية")
    await chat.press(chat.last[-1].choices[0].label)  # I agree
    assert await _count(sessions, ProfileAnswer) == 0
    await chat.press("نعم")  # the community question may be asked
    await chat.press("سوري")
    await chat.press(chat.last[-1].choices[-1].label)  # prefer not to say
    await chat.press("يشيل تبه")
    await chat.press("النقل العام")
    await chat.press("دورة اللغة التركية")
    assert chat.last[0].replace
    await chat.press("نزهة الحيّ")
    await chat.press("✓")
    await chat.press("٤")
    await chat.press(chat.last[-1].choices[0].label)  # yes
    await chat.say("٤٢")
    assert "30" in chat.text or "٣٠" in chat.text
    await chat.say("٤")
    await chat.say("حديقة أكبر للأطفال")
    async with sessions() as session:
        response = (await session.execute(select(Response))).scalar_one()
        assert response.completed_at is not None and response.language == "ar"
        answers = list((await session.execute(select(Answer).order_by(Answer.id))).scalars())
    values = [(a.option_id is not None, a.value_int, a.value_text) for a in answers]
    assert values[-3:] == [(False, 1, None), (False, 4, None), (False, None, "حديقة أكبر للأطفال")]
    assert len(answers) == 1 + 2 + 1 + 1 + 1 + 1
    profile = await _count(sessions, ProfileAnswer)
    assert profile == 3


async def test_decline_keeps_nothing_about_the_person(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = Chat(sessions, cipher, "2002", client_language="tr")
    await chat.say(f"/start {demo}")
    await chat.press("Türkçe")
    await chat.press(chat.last[-1].choices[1].label)
    assert await _count(sessions, Participant) == 0
    assert "/start" in chat.text


async def test_forget_leaves_only_unlinkable_answers(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = Chat(sessions, cipher, "3003", client_language="en")
    await chat.say(f"/start {demo}")
    await chat.press("English")
    await chat.press("I agree")
    await chat.press("Yes, ask me")
    for _ in range(3):
        await chat.press("Prefer not to say")
    await chat.press("Public transport")
    await chat.say("/feedback The bus stop needs a shelter")
    await chat.say("/forget")
    await chat.press("Erase everything")
    assert await _count(sessions, Participant) == 0
    assert await _count(sessions, Feedback) == 0
    async with sessions() as session:
        response = (await session.execute(select(Response))).scalar_one()
    assert response.participant_id is None
    assert await _count(sessions, Answer) == 1


async def test_conversations_that_never_reached_consent_are_purged(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    from datetime import timedelta

    from storage.participants import purge_unconsented

    waiting = Chat(sessions, cipher, "4004", client_language="tr")
    await waiting.say(f"/start {demo}")
    member = Chat(sessions, cipher, "4005", client_language="tr")
    await member.say(f"/start {demo}")
    await member.press("Türkçe")
    await member.press("Kabul ediyorum")
    async with sessions() as session:
        assert await purge_unconsented(session, utcnow() - timedelta(hours=1)) == 0
        assert await purge_unconsented(session, utcnow() + timedelta(seconds=1)) == 1
        await session.commit()
    assert await _count(sessions, Participant) == 1


async def test_the_consent_notice_names_the_municipalitys_own_threshold_in_the_persons_digits(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    async with sessions() as session:
        assembly = await assembly_by_code(session, demo)
        assert assembly is not None
        municipality = await session.get(Municipality, assembly.municipality_id)
        assert municipality is not None
        municipality.suppression_k = 11
        await activate(session, municipality, utcnow())  # the notice states the figures in force
        await session.commit()
    arabic = Chat(sessions, cipher, "3003", client_language="ar")
    await arabic.say(f"/start {demo}")
    await arabic.press("العربية")
    assert "تقل عن ١١ شخصًا" in arabic.text
    english = Chat(sessions, cipher, "3004", client_language="en")
    await english.say("/start")  # no join code yet: it is asked first, then that notice
    await english.press("English")
    assert "join code" in english.text and "groups of fewer" not in english.text
    await english.say(demo)
    assert "groups of fewer than 11 people are hidden" in english.text


async def test_a_multiple_choice_answer_under_review_is_kept_by_typing_its_number(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    await take_part(sessions, cipher, demo, "7900", COHORT[0])  # ticked options 1 and 4
    chat = Chat(sessions, cipher, "7900", channel="telegram", client_language="ar")
    await chat.say("/polls")
    await chat.press_data(chat.last[-1].choices[0].data)  # the poll: go through it again
    await chat.say("١")  # keep the first question's answer (its first option)
    choices = chat.last[-1].choices
    assert [c.label for c in choices][-2:] == ["تم ✓", "أبقِ هذه الإجابة"]
    async with sessions() as session:
        before = list((await session.execute(select(Answer.option_id).order_by(Answer.id))).all())
    await chat.say(str(len(choices)).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")))
    assert "السؤال ٣ من ٦" in chat.text  # kept, and on to the next question
    async with sessions() as session:
        after = list((await session.execute(select(Answer.option_id).order_by(Answer.id))).all())
    assert after == before
