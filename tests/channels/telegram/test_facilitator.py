"""A facilitator's journey over HTTP, against the fake Bot API: build a poll, preview it, schedule
it, let the scheduler open it, remind and close it, and send a notice to a segment; what each
resident receives, in their language, is read from their chat at the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.channels.telegram.sender import TelegramSender
from bot.outbox.dispatcher import DispatchConfig, Dispatcher
from bot.schedule.polls import run_due
from storage.assemblies import assembly_by_code
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import Municipality, Poll
from tests.fakes.bot_api import FakeBotApi, Json
from tests.support.members import Member, add_members
from tests.support.outbox import drain
from tests.support.staff import add_staff
from tests.support.telegram import TelegramRig, telegram_rig

FACILITATOR_ID = 870001
ISTANBUL = ZoneInfo("Europe/Istanbul")
FAST = DispatchConfig(rate=200, backoff=0.05, idle_wait=0.05)


@pytest.fixture
async def rig(database_url: str, demo: str) -> AsyncIterator[TelegramRig]:
    """The bot, polling the fake Bot API, on a database with the demo assembly."""
    async with telegram_rig(database_url) as running:
        yield running


async def _facilitator(
    rig: TelegramRig, sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, code: str
) -> Json:
    await add_staff(sessions, cipher, FACILITATOR_ID, code=code)
    return rig.fake.user(FACILITATOR_ID, "Derya", "tr")


def _local(moment_days: float) -> str:
    """A time this many days ahead, written as a facilitator types it (Istanbul time)."""
    when = (utcnow() + timedelta(days=moment_days)).astimezone(ISTANBUL)
    return when.strftime("%d.%m.%Y %H:%M")


def _bot_texts(fake: FakeBotApi, user: Json) -> list[str]:
    """What the bot has written in the person's chat, oldest first."""
    return [str(m.get("text", "")) for m in fake.chat(user) if m["from"]["id"] == fake.bot["id"]]


async def _time_passes(
    sessions: async_sessionmaker[AsyncSession], poll_id: int, **times: datetime
) -> None:
    """Move the poll's stored times back, as if the days between had passed."""
    async with sessions() as session:
        await session.execute(update(Poll).where(Poll.id == poll_id).values(**times))
        await session.commit()


async def _no_quiet_hours(sessions: async_sessionmaker[AsyncSession], code: str) -> None:
    """Let bulk messages go at any hour, so the test does not depend on the time it runs."""
    async with sessions() as session:
        assembly = await assembly_by_code(session, code)
        assert assembly is not None
        await session.execute(
            update(Municipality)
            .where(Municipality.id == assembly.municipality_id)
            .values(quiet_start="00:00", quiet_end="00:00")
        )
        await session.commit()


async def _send_outbox(
    fake: FakeBotApi, sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    """Run the dispatcher, as the worker does, until the outbox is empty."""
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        await drain(sessions, Dispatcher(sessions, cipher, TelegramSender(bot), FAST))


async def test_a_facilitator_builds_schedules_and_closes_a_poll_and_sends_a_segmented_notice(
    rig: TelegramRig,
    demo: str,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
) -> None:
    fake = rig.fake
    members = [
        Member(871001, "ar", {"community": "syrian"}),
        Member(871002, "ar", {"community": "syrian"}),
        Member(871003, "tr", {"community": "host"}),
        Member(871004, "tr", {"community": "host"}),
        Member(871005, "en", {"community": "syrian"}),
    ]
    users = await add_members(sessions, cipher, fake, demo, members)
    amal, huda, ayse, mehmet, sam = (users[m.user_id] for m in members)
    derya = await _facilitator(rig, sessions, cipher, demo)
    await _no_quiet_hours(sessions, demo)

    # Build the poll in chat, every text in Turkish, Arabic and English.
    step = await rig.say(derya, "/newpoll")
    assert "Anketin başlığını" in step.text
    for title in ("Park anketi", "استطلاع الحديقة", "Park poll"):
        step = await rig.say(derya, title)
    step = await rig.press(derya, "Evet ya da hayır")
    for text in ("Parkı güvenli buluyor musunuz?", "هل تجد الحديقة آمنة؟", "Is the park safe?"):
        step = await rig.say(derya, text)
    step = await rig.press(derya, "Bitir")
    assert "park-anketi" in step.text

    # Preview it in Arabic, exactly as Amal will see it.
    step = await rig.say(derya, "/preview park-anketi ar")
    assert any("هل تجد الحديقة آمنة؟" in text for text in step.texts)
    assert any("استطلاع الحديقة" in text for text in step.texts)

    # Schedule it: opens tomorrow, closes in three days, reminder a day before closing.
    await rig.say(derya, "/schedule park-anketi")
    step = await rig.say(derya, "dün")
    assert "05.12.2026 10:00" in step.text  # not a time: asked again, with an example
    await rig.say(derya, _local(1))
    await rig.say(derya, _local(3))
    step = await rig.press(derya, "24 saat")
    assert "hatırlatma" in step.text
    async with sessions() as session:
        poll = (await session.execute(select(Poll).where(Poll.slug == "park-anketi"))).scalar_one()
        assert poll.status == "draft" and poll.opens_at and poll.closes_at
        assert poll.closes_at - poll.opens_at == timedelta(days=2)
        assert poll.remind_before_minutes == 24 * 60

    # A day later the scheduler opens it; the invitation reaches every member in their language.
    await _time_passes(sessions, poll.id, opens_at=utcnow() - timedelta(minutes=1))
    await run_due(sessions, utcnow())
    await _send_outbox(fake, sessions, cipher)
    assert "استطلاع الحديقة" in _bot_texts(fake, amal)[-1]
    assert "Park anketi" in _bot_texts(fake, ayse)[-1]
    assert "Park poll" in _bot_texts(fake, sam)[-1]

    # Amal and Ayşe answer; the others do not.
    for person, label, yes in ((amal, "استطلاع الحديقة", "نعم"), (ayse, "Park anketi", "Evet")):
        await rig.say(person, "/polls")
        await rig.press(person, label)
        step = await rig.press(person, yes)

    # A day before closing, the reminder goes to those who have not answered, and only them.
    before = {m.user_id: len(_bot_texts(fake, users[m.user_id])) for m in members}
    await _time_passes(
        sessions,
        poll.id,
        opened_at=utcnow() - timedelta(days=2),
        closes_at=utcnow() + timedelta(hours=23),
    )
    await run_due(sessions, utcnow())
    await _send_outbox(fake, sessions, cipher)
    reminded = {
        m.user_id for m in members if len(_bot_texts(fake, users[m.user_id])) > before[m.user_id]
    }
    assert reminded == {871002, 871004, 871005}
    assert "استطلاع الحديقة" in _bot_texts(fake, huda)[-1]
    assert "Park anketi" in _bot_texts(fake, mehmet)[-1]

    # The facilitator closes it by hand; those who answered get the results in their language.
    step = await rig.say(derya, "/close park-anketi")
    step = await rig.press(derya, "Şimdi kapat")
    assert "kapandı" in step.text
    before = {m.user_id: len(_bot_texts(fake, users[m.user_id])) for m in members}
    await _send_outbox(fake, sessions, cipher)
    assert "ماذا قال المجلس" in _bot_texts(fake, amal)[-1]
    assert "Meclisin sesi" in _bot_texts(fake, ayse)[-1]
    assert len(_bot_texts(fake, huda)) == before[871002]
    assert len(_bot_texts(fake, sam)) == before[871005]

    # A notice to the Syrian community only, confirmed once (a second press sends nothing).
    await rig.say(derya, "/notice")
    for text in ("Cumartesi toplantı var.", "يوجد اجتماع يوم السبت.", "Meeting on Saturday."):
        step = await rig.say(derya, text)
    await rig.press(derya, "Şu sorunun cevabına göre: Kendinizi")
    await rig.press(derya, "Suriyeli")
    step = await rig.press(derya, "Tamam")
    assert "5 kişiden daha az kişiye" in step.text  # three Syrians, K=5
    send = fake.button(derya, "Şimdi gönder")
    step = await rig.press(derya, "Şimdi gönder")
    assert "5 kişiden daha az kişiye gönderiliyor" in step.text
    step = await rig.send(fake.button_update(derya, send))
    assert "zaten gönderildi" in step.text
    await _send_outbox(fake, sessions, cipher)
    assert _bot_texts(fake, amal)[-1] == "يوجد اجتماع يوم السبت."
    assert _bot_texts(fake, huda)[-1] == "يوجد اجتماع يوم السبت."
    assert _bot_texts(fake, sam)[-1] == "Meeting on Saturday."
    assert not any("Cumartesi" in text for text in _bot_texts(fake, ayse))
    assert fake.unanswered_queries() == []


async def test_each_staff_member_gets_the_staff_commands_in_their_menu_in_every_language(
    rig: TelegramRig,
    demo: str,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
) -> None:
    fake = rig.fake
    await _facilitator(rig, sessions, cipher, demo)
    await rig.restart()  # the menus are registered when the bot starts
    chat = f"chat:{FACILITATOR_ID}"
    await fake.wait_until(lambda: bool(fake.commands("", chat)), what="the staff menu")
    menus = {lang: fake.commands(lang, chat) for lang in ("tr", "ar", "en")}
    names = [c["command"] for c in menus["en"]]
    assert names[:2] == ["start", "polls"]
    assert {"notice", "newpoll", "preview", "schedule", "open", "close", "results"} <= set(names)
    assert {c["command"]: c["description"] for c in menus["ar"]}["notice"] == (
        "كتابة إشعار إلى الأعضاء"
    )
    assert fake.commands("", chat) == menus["tr"]
    assert "notice" not in [c["command"] for c in fake.commands("ar")]  # everyone else's menu
