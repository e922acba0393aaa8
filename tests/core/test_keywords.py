"""Keyword messages, through the conversation core on the WhatsApp channel: STOP, START, join."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.core.keywords import keyword_command
from storage.crypto import AddressCipher
from storage.models import Membership, Participant
from tests.support.chat import Chat
from tests.support.members import Member, add_members


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("STOP", ("stop", "")),
        ("Dur", ("stop", "")),
        ("İPTAL", ("stop", "")),
        ("iptal.", ("stop", "")),
        ("توقف", ("stop", "")),
        ("تـوقـف", ("stop", "")),
        ("start", ("start", "")),
        ("BAŞLA", ("start", "")),
        ("basla!", ("start", "")),
        ("ابدأ", ("start", "")),
        ("ابدا", ("start", "")),
        ("join ZEYTINBURNU", ("start", "ZEYTINBURNU")),
        ("KATIL zeytinburnu", ("start", "zeytinburnu")),
        ("katıl ZEYTINBURNU", ("start", "ZEYTINBURNU")),
        ("انضم ZEYTINBURNU", ("start", "ZEYTINBURNU")),
        ("YARDIM", ("help", "")),
        ("مساعدة", ("help", "")),
        ("Anketler", ("polls", "")),
        ("verilerim", ("mydata", "")),
        ("VERİLERİM", ("mydata", "")),
        ("بياناتي", ("mydata", "")),
        ("unut", ("forget", "")),
        ("انسني", ("forget", "")),
        ("stop the noise please", None),
        ("dur bir dakika", None),
        ("join", None),
        ("başlangıç", None),
    ],
)
def test_keywords_are_whole_messages_whatever_the_case_accents_and_script(
    text: str, command: tuple[str, str] | None
) -> None:
    assert keyword_command(text) == command


async def _people(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count(Participant.id)))).scalar_one())


async def test_stop_and_start_keywords_are_honoured_at_once_and_confirmed_in_the_language(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    await add_members(sessions, cipher, None, demo, [Member(905320000001, "tr")])
    async with sessions() as session:
        person = (await session.execute(select(Participant))).scalar_one()
        person.channel = "whatsapp"
        person.address_hash = cipher.lookup_hash("whatsapp", "+905320000001")
        await session.commit()
    chat = Chat(sessions, cipher, "+905320000001", channel="whatsapp")
    await chat.say("İPTAL")
    assert chat.plain.startswith("Artık duyuru almayacaksınız. Yanıtlarınız saklanıyor.")
    async with sessions() as session:
        stopped = (await session.execute(select(Participant.stopped_at))).scalar_one()
    assert stopped is not None
    await chat.say("başla")
    assert chat.last[0].text == "Tekrar hoş geldiniz. Duyurular yeniden açık."
    async with sessions() as session:
        assert (await session.execute(select(Participant.stopped_at))).scalar_one() is None


async def test_an_unknown_number_that_writes_stop_is_kept_nowhere(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = Chat(sessions, cipher, "+963900000001", channel="whatsapp", client_language="ar")
    await chat.say("توقف")
    assert chat.text == "لا نحتفظ بأي شيء عنك. أرسل /start للانضمام إلى مجلس."
    assert await _people(sessions) == 0


async def test_a_join_phrase_in_arabic_starts_joining_the_assembly_it_names(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = Chat(sessions, cipher, "+963900000002", channel="whatsapp", client_language="ar")
    await chat.say(f"انضم {demo}")
    await chat.press("العربية")
    await chat.press("أوافق")
    async with sessions() as session:
        joined = (await session.execute(select(func.count()).select_from(Membership))).scalar_one()
    assert joined == 1


async def test_on_whatsapp_mydata_and_forget_work_by_keyword_and_forgetting_still_asks_first(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    chat = Chat(sessions, cipher, "+963900000003", channel="whatsapp", client_language="ar")
    await chat.say(f"انضم {demo}")
    await chat.press("العربية")
    await chat.press("أوافق")
    await chat.say("بياناتي")
    assert "+963900000003" not in chat.text  # the number is never shown back in clear
    assert chat.last[-1].file is not None and chat.last[-1].file.name == "my-data.json"
    await chat.say("انسني")
    assert await _people(sessions) == 1  # asked first
    await chat.say("٢")  # the second choice, in Arabic-Indic digits: cancel
    assert await _people(sessions) == 1
    await chat.say("FORGET")
    await chat.say("1")  # the first choice: erase everything
    assert await _people(sessions) == 0
