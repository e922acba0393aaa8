"""The answer lane: answers to the question just asked, and what it leaves to the general path.

Each test drives the conversation core as a channel would, on both databases, and reads back
what was stored; the turns that leave the lane (a stale button, a closed poll, a profile
question added meanwhile) must end exactly as the general path ends them.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.people import Demo, language_of, seed_demo_assembly, seed_people
from handlers.i18n.core import localized
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import Answer, Assembly, Option, Participant, Poll, Question, Response
from storage.polls import move_status
from storage.vocabulary import PollStatus, QuestionKind
from tests.support.chat import Chat

USER = 4_400_002  # answers in Turkish (``bench.people.language_of``)


async def _seated(sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher) -> Demo:
    """The demo assembly, and USER standing at its poll's first question."""
    demo = await seed_demo_assembly(sessions)
    await seed_people(sessions, cipher, demo, [USER])
    return demo


async def _person(sessions: async_sessionmaker[AsyncSession]) -> Participant:
    async with sessions() as session:
        return (await session.execute(select(Participant))).scalar_one()


async def _answers(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[int, object]]:
    """Every stored answer as (question position, value), in question order."""
    async with sessions() as session:
        rows = await session.execute(
            select(Question.position, Answer.option_id, Answer.value_int, Answer.value_text)
            .join(Answer, Answer.question_id == Question.id)
            .order_by(Question.position, Answer.option_id)
        )
        positions: dict[int, list[object]] = {}
        for position, option_id, value_int, value_text in rows:
            value = option_id if option_id is not None else value_int
            positions.setdefault(position, []).append(value if value is not None else value_text)
    return [(position, values) for position, values in positions.items()]


async def test_typed_and_pressed_answers_walk_the_poll_and_end_at_rest(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    demo = await _seated(sessions, cipher)
    assert language_of(USER) == "tr"
    chat = Chat(sessions, cipher, str(USER), client_language="tr")
    await chat.say("2")
    assert "soru 2/6" in chat.text
    assert {c.data.split(":")[0] for c in chat.last[-1].choices} == {"2"}  # the moved nonce
    await chat.say("1 3")
    await chat.press_data(chat.last[-1].choices[3].data)  # 4 on the scale, pressed
    await chat.press_data(chat.last[-1].choices[0].data)  # yes, pressed
    await chat.say("٣")
    await chat.say("Daha çok park")
    thanks, rest = chat.last
    async with sessions() as session:
        poll = await session.get(Poll, demo.poll_id)
        assembly = await session.get(Assembly, demo.assembly_id)
        assert poll is not None and assembly is not None
        assert localized(poll.title, "tr") in thanks.text
        assert localized(assembly.name, "tr") in rest.text
        options = {
            q.position: [o.id for o in q.options]
            for q in (
                await session.execute(select(Question).where(Question.poll_id == poll.id))
            ).scalars()
        }
        response = (await session.execute(select(Response))).scalar_one()
    assert response.completed_at is not None and response.language == "tr"
    assert await _answers(sessions) == [
        (0, [options[0][1]]),
        (1, sorted([options[1][0], options[1][2]])),
        (2, [4]),
        (3, [1]),
        (4, [3]),
        (5, ["Daha çok park"]),
    ]
    person = await _person(sessions)
    assert (person.step, person.step_data) == ("idle", {})
    assert person.step_nonce == 1 + 5 + 2  # one per question moved to, two at the end


async def test_a_second_open_poll_is_asked_after_the_first(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    demo = await _seated(sessions, cipher)
    async with sessions() as session:
        second = Poll(
            assembly_id=demo.assembly_id,
            slug="second",
            title={"tr": "İkinci anket", "ar": "الاستطلاع الثاني", "en": "Second poll"},
            status=PollStatus.OPEN,
            opened_at=utcnow() + timedelta(minutes=1),
        )
        question = Question(position=0, kind=QuestionKind.SINGLE, text={"tr": "Hangisi?"})
        question.options = [
            Option(position=0, text={"tr": "Bu"}),
            Option(position=1, text={"tr": "Şu"}),
        ]
        second.questions = [question]
        session.add(second)
        await session.commit()
        second_id = second.id
    chat = Chat(sessions, cipher, str(USER), client_language="tr")
    for typed in ("2", "1 3", "4", "1", "3", "Daha çok park"):
        await chat.say(typed)
    thanks, asked = chat.last  # thanks for the first, and the second's first question
    assert "Teşekkürler" in thanks.text and "İkinci anket" not in thanks.text
    assert "İkinci anket" in asked.text and "Hangisi?" in asked.text
    person = await _person(sessions)
    assert person.step_data == {"poll": second_id, "q": 0, "review": False}
    await chat.press("Şu")
    assert "İkinci anket" in chat.last[0].text
    async with sessions() as session:
        done = await session.execute(select(func.count()).where(Response.completed_at.is_not(None)))
        assert done.scalar_one() == 2


async def test_a_copy_of_an_answer_is_answered_and_stored_once(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    await _seated(sessions, cipher)
    chat = Chat(sessions, cipher, str(USER), client_language="tr")
    first = await chat.say("2", message_id="m-1")
    again = await chat.say("2", message_id="m-1")
    assert first and again == []
    assert len(await _answers(sessions)) == 1
    assert (await _person(sessions)).step_data["q"] == 1


async def test_a_stale_button_is_answered_as_stale_and_stores_nothing(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    await _seated(sessions, cipher)
    chat = Chat(sessions, cipher, str(USER), client_language="tr")
    await chat.say("2")
    old = f"1:{chat.last[-1].choices[0].data.partition(':')[2]}"
    await chat.press_data(old)
    assert len(await _answers(sessions)) == 1
    assert "soru 2/6" in chat.text and chat.last[-1].choices  # told, and asked again


async def test_an_answer_after_the_poll_closed_is_not_stored(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    demo = await _seated(sessions, cipher)
    chat = Chat(sessions, cipher, str(USER), client_language="tr")
    await chat.say("2")
    async with sessions() as session:
        assert await move_status(session, demo.poll_id, PollStatus.OPEN, PollStatus.CLOSED)
        await session.commit()
    await chat.say("1 3")
    assert len(await _answers(sessions)) == 1
    assert (await _person(sessions)).step != "poll"
    assert chat.last  # the general path says the poll has closed


async def test_a_profile_question_added_meanwhile_is_asked_after_the_last_answer(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    demo = await _seated(sessions, cipher)
    chat = Chat(sessions, cipher, str(USER), client_language="tr")
    for typed in ("2", "1 3", "4", "1", "3"):
        await chat.say(typed)
    async with sessions() as session:
        assembly = await session.get(Assembly, demo.assembly_id)
        assert assembly is not None
        added = {
            "key": "household",
            "text": {"tr": "Hanenizde kaç kişi var?", "ar": "كم شخصاً؟", "en": "How many?"},
            "options": [{"key": "small", "text": {"tr": "1-3", "ar": "١-٣", "en": "1-3"}}],
        }
        await session.execute(
            update(Assembly)
            .where(Assembly.id == assembly.id)
            .values(profile=[*(assembly.profile or []), added])
        )
        await session.commit()
    await chat.say("Daha çok park")
    assert "Hanenizde kaç kişi var?" in chat.text
    assert [position for position, _values in await _answers(sessions)] == [0, 1, 2, 3, 4, 5]
    person = await _person(sessions)
    assert person.step == "profile" and person.step_data["key"] == "household"
