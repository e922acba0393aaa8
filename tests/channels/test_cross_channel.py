"""One poll answered on Telegram (through the fake Bot API) and on WhatsApp (through the signed
Twilio webhook) lands in one set of results: the core and the storage are the same."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.i18n.core import LANGUAGES
from handlers.privacy.suppression import WITHHELD
from handlers.results.by_language import poll_results
from storage.assemblies import assembly_by_code
from storage.base import utcnow
from storage.models import Municipality, Option, Participant, Poll, Question, Response
from storage.tallies import LANGUAGE, tally_poll
from tests.support.telegram import TelegramRig, telegram_rig
from tests.support.whatsapp import Phone, WhatsAppRig, number_of, whatsapp_rig


@pytest.fixture
async def rigs(database_url: str, demo: str) -> AsyncIterator[tuple[TelegramRig, WhatsAppRig]]:
    """The bot polling the fake Bot API, and the web app taking signed WhatsApp messages."""
    async with telegram_rig(database_url) as telegram, whatsapp_rig(database_url) as whatsapp:
        yield telegram, whatsapp


async def _only_open_poll(sessions: async_sessionmaker[AsyncSession], code: str) -> int:
    """Close the demo poll and open a one-question poll instead; K lowered to 2 to read it."""
    async with sessions() as session:
        assembly = await assembly_by_code(session, code)
        assert assembly is not None
        await session.execute(update(Poll).values(status="closed", closed_at=utcnow()))
        await session.execute(update(Municipality).values(suppression_k=2))
        poll = Poll(
            assembly_id=assembly.id,
            slug="bus-stop",
            title={"tr": "Durak anketi", "ar": "استطلاع الموقف", "en": "Bus stop poll"},
            status="open",
            opened_at=utcnow(),
        )
        poll.questions = [
            Question(
                position=0,
                kind="single",
                text={"tr": "Durağa çatı?", "ar": "مظلة للموقف؟", "en": "A roof for the stop?"},
                options=[
                    Option(position=0, text={"tr": "Evet", "ar": "نعم", "en": "Yes"}),
                    Option(position=1, text={"tr": "Hayır", "ar": "لا", "en": "No"}),
                ],
            )
        ]
        session.add(poll)
        await session.commit()
        return poll.id


async def test_the_same_poll_answered_on_telegram_and_on_whatsapp_lands_in_the_same_results(
    rigs: tuple[TelegramRig, WhatsAppRig],
    demo: str,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    telegram, whatsapp = rigs
    poll_id = await _only_open_poll(sessions, demo)

    for user_id in (880001, 880002):  # two residents on Telegram, in Turkish: yes
        person = telegram.fake.user(user_id, "Ayşe", "tr")
        await telegram.say(person, f"/start {demo}")
        await telegram.press(person, "Türkçe")
        await telegram.press(person, "Kabul ediyorum")
        await telegram.press(person, "Evet, sorun")
        for _question in range(3):
            await telegram.press(person, "Belirtmek istemiyorum")
        step = await telegram.press(person, "Evet")
        assert "Durak anketi" in step.text

    for number in ("+963944880003", "+963944880004"):  # two on WhatsApp, in Arabic: no
        phone = Phone(number, "أمل")
        texts = await whatsapp.say(phone, f"انضم {demo}")
        texts = await whatsapp.say(phone, number_of(texts, "العربية"))
        texts = await whatsapp.say(phone, number_of(texts, "أوافق"))
        texts = await whatsapp.say(phone, number_of(texts, "نعم، اسألوني"))
        for _question in range(3):
            texts = await whatsapp.say(phone, number_of(texts, "أفضّل عدم الإجابة"))
        texts = await whatsapp.say(phone, number_of(texts, "لا"))
        assert any("استطلاع الموقف" in text for text in texts), texts

    async with sessions() as session:
        channels = set((await session.execute(select(Participant.channel))).scalars())
        responses = list(
            (await session.execute(select(Response).where(Response.poll_id == poll_id))).scalars()
        )
        poll = await session.get(Poll, poll_id)
        assert poll is not None
        tallies = (await tally_poll(session, poll, languages=LANGUAGES))[LANGUAGE]
        results = await poll_results(session, poll, language="en")
        yes, no = (option.id for option in poll.questions[0].options)
    assert channels == {"telegram", "whatsapp"}
    assert sorted(r.language for r in responses) == ["ar", "ar", "tr", "tr"]
    assert all(r.completed_at is not None for r in responses)
    # The counting behind every result takes both channels' answers alike ...
    assert tallies.respondents == {"tr": 2, "ar": 2}
    assert tallies.options == {yes: {"tr": 2}, no: {"ar": 2}}
    # ... and what is shown is suppressed as always: the Turkish speakers said yes and the
    # Arabic speakers no, so any figure of the question would give someone away: withheld.
    [question] = results.questions
    assert [row.label for row in question.rows] == ["Yes", "No"]
    assert question.withheld
    assert {row.by_language["en"] for row in question.rows} == {WITHHELD}
