"""Facilitators in chat, through the conversation core: /notice, /open, /close, /preview, /cancel."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.assemblies import assembly_by_code
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import (
    Assembly,
    Notice,
    OutboxMessage,
    Participant,
    Poll,
    Response,
    StaffConversation,
)
from tests.support.chat import Chat
from tests.support.members import Member, add_members
from tests.support.staff import add_staff

FACILITATOR_ID = "830001"
RESIDENT_ID = "830002"


async def _facilitator(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str, language: str
) -> Chat:
    await add_staff(sessions, cipher, FACILITATOR_ID, code=demo)
    return Chat(sessions, cipher, FACILITATOR_ID, client_language=language)


async def _members(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    members = [Member(8_400_000 + i, "ar", {"community": "syrian"}) for i in range(3)]
    members += [Member(8_500_000 + i, "tr", {"community": "host"}) for i in range(2)]
    members += [Member(8_600_000, "ar", {"community": "syrian"}, stopped=True)]
    await add_members(sessions, cipher, None, demo, members)


async def _count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_facilitator_writes_a_notice_for_a_profile_segment_and_confirms_it_once(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    await _members(sessions, cipher, demo)
    chat = await _facilitator(sessions, cipher, demo, "en")

    await chat.say("/notice")
    assert "Write the notice in Türkçe" in chat.plain
    await chat.say("   ")
    assert "The notice cannot be empty." in chat.plain
    await chat.say("Toplantı salı 18:00'de")
    assert "Write the notice in العربية" in chat.plain
    await chat.say("الاجتماع يوم الثلاثاء")
    await chat.say("Meeting on Tuesday")
    assert "Who should receive the notice?" in chat.plain
    await chat.press("By the answer to")
    await chat.press("Done")
    assert "Please choose at least one." in chat.plain
    await chat.press("Syrian")
    assert "☑ Syrian" in [c.label for m in chat.last for c in m.choices]
    await chat.press("Done")
    summary = chat.plain
    assert "This notice will go to fewer than 5 people" in summary  # 3 Syrians, K=5
    assert "Syrian" in summary
    assert "الاجتماع يوم الثلاثاء" in summary and "Meeting on Tuesday" in summary
    await chat.press("Mark urgent")
    assert "Marked urgent" in chat.plain
    send = chat.button("Send now")

    await chat.press("Send now")
    assert "The notice is on its way to fewer than 5 people." in chat.plain
    await chat.press_data(send.data)
    assert chat.text == "This notice has already been sent."

    async with sessions() as session:
        notice = (await session.execute(select(Notice))).scalar_one()
        assert notice.status == "queued" and notice.urgent
        assert notice.audience == {"profile": {"community": ["syrian"]}}
        assert notice.created_by is not None
        rows = list((await session.execute(select(OutboxMessage))).scalars())
    assert len(rows) == 3 and {r.language for r in rows} == {"ar"}


async def test_an_empty_segment_is_said_plainly_and_cancel_keeps_nothing(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    await _members(sessions, cipher, demo)
    chat = await _facilitator(sessions, cipher, demo, "tr")
    await chat.say("/notice")
    for text in ("Merhaba", "مرحبا", "Hello"):
        await chat.say(text)
    await chat.press("Bazı dilleri")
    await chat.press("English")
    await chat.press("Tamam")
    assert "Bu kitlede kimse yok" in chat.plain
    await chat.press("herkes")
    assert "5 kişiye" in chat.plain
    assert await _count(sessions, Notice) == 1
    await chat.say("/cancel")
    assert "hiçbir şey gönderilmedi" in chat.plain
    assert await _count(sessions, Notice) == 0
    assert await _count(sessions, OutboxMessage) == 0
    await chat.say("yazı")  # no longer in a staff conversation: a facilitator who is no member
    assert "Gönderme" not in chat.plain


async def test_someone_without_a_role_cannot_use_staff_commands_or_buttons(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = Chat(sessions, cipher, RESIDENT_ID, client_language="ar")
    for command in ("/notice", "/open", "/close", "/preview"):
        await chat.say(command)
        assert chat.text == "هذا الأمر مخصّص لميسّري المجلس.", command
    await chat.press_data("s*:send:1")
    assert chat.text == "هذا الأمر مخصّص لميسّري المجلس."
    assert await _count(sessions, StaffConversation) == 0


@pytest.fixture
async def draft_poll(sessions: async_sessionmaker[AsyncSession], demo: str) -> Poll:
    async with sessions() as session:
        assembly = await assembly_by_code(session, demo)
        assert assembly is not None
        open_poll = (
            await session.execute(select(Poll).where(Poll.assembly_id == assembly.id))
        ).scalar_one()
        draft = Poll(
            assembly_id=assembly.id,
            slug="draft-one",
            title={"tr": "Park anketi", "ar": "استطلاع الحديقة", "en": "Park poll"},
            status="draft",
        )
        session.add(draft)
        await session.commit()
        assert open_poll.status == "open"
        return draft


async def test_a_facilitator_opens_and_closes_polls_with_a_confirmation(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    draft_poll: Poll,
) -> None:
    await _members(sessions, cipher, demo)
    chat = await _facilitator(sessions, cipher, demo, "en")
    await chat.say("/open")
    await chat.press("Park poll")
    assert "Open Park poll now? 5 members will be invited" in chat.plain
    await chat.press("Not now")
    assert chat.text == "Nothing was changed."
    await chat.say("/open draft-one")
    opening = chat.button("Open now")
    await chat.press("Open now")
    assert "is open. The invitation is on its way to 5 members." in chat.plain
    await chat.press_data(opening.data)
    assert "open already" in chat.plain
    await chat.say("/close nothing-like-it")
    assert "There is no poll nothing-like-it. The polls are:\n• draft-one: Park poll" in chat.plain
    await chat.say("/close draft-one")
    assert "0 people who answered" in chat.plain
    await chat.press("Close now")
    assert "is closed" in chat.plain
    async with sessions() as session:
        poll = await session.get(Poll, draft_poll.id)
        assert poll is not None and poll.status == "closed"
    assert await _count(sessions, OutboxMessage) == 5


async def test_preview_shows_the_poll_as_residents_see_it_in_each_language(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = await _facilitator(sessions, cipher, demo, "tr")
    async with sessions() as session:
        assembly = await assembly_by_code(session, demo)
        assert isinstance(assembly, Assembly)
        poll = (
            await session.execute(select(Poll).where(Poll.assembly_id == assembly.id))
        ).scalar_one()
    await chat.say(f"/preview {poll.slug} ar")
    messages = chat.last
    assert "العربية" in messages[0].text
    assert "Türkçe" in [c.label for c in messages[0].choices]
    assert len(messages) == 2 + len(poll.questions)
    assert "/polls" in messages[1].text
    assert all("\u0600" <= ch <= "\u06ff" or not ch.isalpha() for ch in messages[2].text[:20])
    english = next(c for c in messages[0].choices if c.label == "English")
    await chat.press_data(messages[2].choices[0].data)
    assert chat.plain == "Bu bir önizleme: hiçbir şey kaydedilmedi."
    await chat.press_data(english.data)
    assert "English" in chat.last[0].text
    await chat.say("/preview")
    assert chat.button(poll.title["tr"])


async def test_a_facilitator_builds_a_poll_step_by_step_in_every_language(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = await _facilitator(sessions, cipher, demo, "en")
    await chat.say("/newpoll")
    assert "Write the poll's title in Türkçe" in chat.plain
    for title in ("Şişli park anketi", "استطلاع حديقة شيشلي", "Şişli park poll"):
        await chat.say(title)
    await chat.press("One choice")
    for text in ("Parka ne sıklıkla gidiyorsunuz?", "كم مرة تذهب إلى الحديقة؟", "How often?"):
        await chat.say(text)
    assert "Write the options of question 1 in Türkçe" in chat.plain
    await chat.say("Her gün")
    assert "from 2 to 12 options" in chat.plain
    await chat.say("Her gün\nHaftada bir\nHiç")
    await chat.say("كل يوم\nمرة في الأسبوع")
    assert "the same 3 options" in chat.plain
    await chat.say("كل يوم\nمرة في الأسبوع\nأبدًا")
    await chat.say("Every day\nOnce a week\nNever")
    assert "Question 1 is added." in chat.plain
    await chat.press("Add a question")
    await chat.press("Yes or no")
    for text in ("Güvenli mi?", "هل هي آمنة؟", "Is it safe?"):
        await chat.say(text)
    await chat.press("Finish")
    assert "is kept as a draft, named sisli-park-anketi" in chat.plain

    async with sessions() as session:
        poll = (
            await session.execute(select(Poll).where(Poll.slug == "sisli-park-anketi"))
        ).scalar_one()
        assert poll.status == "draft"
        assert poll.title["ar"] == "استطلاع حديقة شيشلي"
        kinds = [(q.kind, len(q.options)) for q in poll.questions]
        assert kinds == [("single", 3), ("yesno", 0)]
        assert poll.questions[0].options[2].text == {"tr": "Hiç", "ar": "أبدًا", "en": "Never"}

    await chat.say("/newpoll")
    await chat.say("Şişli park anketi")
    await chat.say("/cancel")
    assert "nothing was kept" in chat.plain
    async with sessions() as session:
        assert len((await session.execute(select(Poll.id))).all()) == 2


def _istanbul(days: float) -> str:
    """A moment this many days from now, as a facilitator in Istanbul writes it."""
    moment = utcnow() + timedelta(days=days)
    return moment.astimezone(ZoneInfo("Europe/Istanbul")).strftime("%d.%m.%Y %H:%M")


async def test_schedule_in_chat_refuses_the_past_and_a_closing_before_the_opening_in_arabic(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    draft_poll: Poll,
) -> None:
    chat = await _facilitator(sessions, cipher, demo, "ar")
    await chat.say("/schedule")
    await chat.press("استطلاع الحديقة")
    assert "متى يُفتح" in chat.plain
    await chat.say("غدًا")
    assert "05.12.2026 10:00" in chat.plain
    await chat.say(_istanbul(-1))
    assert "لقد مضى هذا الوقت" in chat.plain
    await chat.say(_istanbul(2))
    assert "متى يُغلق" in chat.plain
    await chat.say(_istanbul(1))
    await chat.press("بلا تذكير")
    said = chat.plain
    async with sessions() as session:
        poll = await session.get(Poll, draft_poll.id)
        assert poll is not None and poll.opens_at is None and poll.closes_at is None
    assert "سيُغلق الاستطلاع قبل أن يُفتح" in said

    await chat.say("/schedule draft-one")
    await chat.press("سأفتحه بنفسي")
    await chat.say(_istanbul(3))
    await chat.press("قبل ٢٤ ساعة")
    assert "مواعيد" in chat.plain
    async with sessions() as session:
        poll = await session.get(Poll, draft_poll.id)
        assert poll is not None and poll.opens_at is None and poll.closes_at is not None
        assert poll.remind_before_minutes == 24 * 60


async def test_a_notice_can_be_sent_at_a_chosen_time_but_not_in_the_past(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    await _members(sessions, cipher, demo)
    chat = await _facilitator(sessions, cipher, demo, "en")
    await chat.say("/notice")
    for text in ("Merhaba", "مرحبا", "Hello"):
        await chat.say(text)
    await chat.press("Everyone")
    await chat.press("Send at a chosen time")
    await chat.say(_istanbul(-0.5))
    assert "already passed" in chat.plain
    await chat.say(_istanbul(2))
    assert "The notice is on its way to 5 people. It goes out at" in chat.plain
    async with sessions() as session:
        notice = (await session.execute(select(Notice))).scalar_one()
        rows = list((await session.execute(select(OutboxMessage))).scalars())
    assert notice.status == "queued" and notice.send_at is not None
    assert len(rows) == 5 and all(r.not_before >= notice.send_at for r in rows)


# Labelled case "audience sizes" (K=5): one Syrian in Yeşiltepe, six of the host community.
AUDIENCE_SIZES = [Member(8_700_001, "ar", {"community": "syrian", "neighbourhood": "yesiltepe"})]
AUDIENCE_SIZES += [
    Member(8_700_010 + i, "tr", {"community": "host", "neighbourhood": "yesiltepe"})
    for i in range(6)
]


async def _notice_to(chat: Chat, by_answer: str, answer: str, done: str) -> str:
    """Write a notice in the three languages to those who gave one answer; the summary."""
    await chat.say("/notice")
    for text in ("Toplantı salı", "الاجتماع يوم الثلاثاء", "Meeting on Tuesday"):
        await chat.say(text)
    await chat.press(by_answer)
    await chat.press(answer)
    await chat.press(done)
    return chat.plain


async def test_audience_sizes_under_k_read_fewer_than_k_in_turkish_and_arabic(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    await add_members(sessions, cipher, None, demo, AUDIENCE_SIZES)
    turkish = await _facilitator(sessions, cipher, demo, "tr")
    summary = await _notice_to(turkish, "Kendinizi", "Suriyeli", "Tamam")
    assert "Bu duyuru 5 kişiden daha az kişiye gidecek: " in summary
    assert "1 kişi" not in summary
    await turkish.press("Şimdi gönder")
    assert turkish.plain.startswith("Duyuru 5 kişiden daha az kişiye gönderiliyor.")
    summary = await _notice_to(turkish, "Kendinizi", "Yerel halk", "Tamam")
    assert "Bu duyuru 6 kişiye gidecek: " in summary
    await turkish.press("Şimdi gönder")
    assert turkish.plain.startswith("Duyuru 6 kişiye gönderiliyor.")

    await add_staff(sessions, cipher, "830009", code=demo)
    arabic = Chat(sessions, cipher, "830009", client_language="ar")
    summary = await _notice_to(arabic, "إلى أي مجتمع", "سوري", "تم ✓")
    assert "سيصل هذا الإشعار إلى أقل من ٥ أشخاص: " in summary
    assert "شخص واحد" not in summary and "١" not in summary.splitlines()[0]
    await arabic.press("أرسل الآن")
    assert arabic.plain.startswith("الإشعار في طريقه إلى أقل من ٥ أشخاص.")
    summary = await _notice_to(arabic, "إلى أي مجتمع", "المجتمع المضيف", "تم ✓")
    assert "سيصل هذا الإشعار إلى ٦ أشخاص: " in summary
    await arabic.press("أرسل الآن")
    assert arabic.plain.startswith("الإشعار في طريقه إلى ٦ أشخاص.")
    async with sessions() as session:
        rows = list((await session.execute(select(OutboxMessage))).scalars())
    assert len(rows) == 1 + 6 + 1 + 6  # each notice still goes to everyone it names


async def test_audience_sizes_when_opening_and_closing_a_poll_read_fewer_than_k(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    draft_poll: Poll,
) -> None:
    await add_members(sessions, cipher, None, demo, AUDIENCE_SIZES[:1])
    chat = await _facilitator(sessions, cipher, demo, "ar")
    await chat.say("/open draft-one")
    assert chat.plain == "فتح استطلاع الحديقة الآن؟ سيُدعى أقل من ٥ أعضاء إلى الإجابة."
    await chat.press("افتح الآن")
    assert chat.plain == "فُتح استطلاع الحديقة. الدعوة في طريقها إلى أقل من ٥ أعضاء."
    async with sessions() as session:
        found = select(Participant.id).where(
            Participant.address_hash == cipher.lookup_hash("telegram", "8700001")
        )
        person = (await session.execute(found)).scalar_one()
        session.add(Response(poll_id=draft_poll.id, participant_id=person, language="ar"))
        await session.commit()
    await chat.say("/close draft-one")
    assert "وسيستلم النتائجَ مَن أجابوا، وعددهم أقل من ٥ أشخاص." in chat.plain
    await chat.press("أغلق الآن")
    assert (
        chat.plain
        == "أُغلق استطلاع الحديقة. النتائج في طريقها إلى مَن أجابوا، وعددهم أقل من ٥ أشخاص."
    )
    assert await _count(sessions, OutboxMessage) == 2  # the invitation and the results, to one
