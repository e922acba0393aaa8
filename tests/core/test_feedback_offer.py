"""Text sent when no question is waiting is offered back as feedback: sent on a yes (in Turkish
on Telegram, and with a number in Arabic on WhatsApp), kept nowhere on a no; a stray number or
a word of two letters gets the hint instead."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.crypto import AddressCipher
from storage.models import Feedback, Participant
from tests.support.chat import Chat
from tests.support.cohort import Person, take_part


async def _feedback(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return list((await session.scalars(select(Feedback.text).order_by(Feedback.id))).all())


async def test_text_with_no_question_waiting_is_offered_as_feedback(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    await take_part(sessions, cipher, demo, "7700", Person("tr", 1, (1,), 3, True, 2, "Işık"))
    ayse = Chat(sessions, cipher, "7700", client_language="tr")
    await ayse.say("Otobüs durağına bir sundurma lazım")
    assert (
        ayse.text
        == "Bunu meclise görüş olarak gönderelim mi?\n\n«\u2068Otobüs durağına bir sundurma lazım\u2069»"
    )
    assert [c.label for c in ayse.last[-1].choices] == ["Gönder", "Hayır"]
    assert await _feedback(sessions) == []  # nothing kept while it is only offered
    await ayse.press("Gönder")
    assert ayse.text.startswith("Teşekkürler. Mesajınız")
    assert await _feedback(sessions) == ["Otobüs durağına bir sundurma lazım"]

    await ayse.say("Yanlış yere yazdım")
    await ayse.press("Hayır")
    assert ayse.text.startswith("Gönderilmedi; hiçbir şey saklanmadı.")
    async with sessions() as session:
        person = (await session.scalars(select(Participant))).one()
        assert "Yanlış yere" not in str(person.step_data)
    assert await _feedback(sessions) == ["Otobüs durağına bir sundurma lazım"]

    await ayse.say("5")  # a stray number: how to write to the assembly, nothing offered
    assert ayse.text.startswith("Meclise yazmak için")
    assert await _feedback(sessions) == ["Otobüs durağına bir sundurma lazım"]


async def test_on_whatsapp_the_offer_is_answered_with_a_number(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    amal = Chat(sessions, cipher, "+963944007701", channel="whatsapp", client_language="ar")
    await amal.say(f"انضم {demo}")
    await amal.press("العربية")
    await amal.press("أوافق")
    await amal.press("لا، تخطَّها")
    for _question in range(2):
        await amal.press_data(amal.last[-1].choices[-1].data)  # prefer not to say
    async with sessions() as session:  # at rest, as after the poll (its questions not needed here)
        person = (await session.scalars(select(Participant))).one()
        person.step = "idle"
        person.step_data = {}
        await session.commit()
    await amal.say("الرصيف أمام المدرسة مكسور")
    assert amal.text.startswith("هل نرسل هذا إلى المجلس كرأي؟")
    await amal.say("١")
    assert await _feedback(sessions) == ["الرصيف أمام المدرسة مكسور"]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Feedback)) == 1
