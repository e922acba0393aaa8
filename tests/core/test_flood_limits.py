"""Flood limits: a person over the limit is told once, in their language, and not read for a minute.

The guard is checked on its own with a clock the test moves; then through the real channels:
Telegram against the fake Bot API, WhatsApp signed as Twilio signs, each with a small limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.telegram.app import FLOOD
from handlers.core.flood import WINDOW, Admission, FloodGuard
from handlers.i18n.core import _, use_language
from storage.models import InboundMessage
from tests.support.telegram import telegram_rig
from tests.support.whatsapp import Phone, WhatsAppRig, number_of, whatsapp_rig

SLOW_DOWN = (
    "You are sending messages faster than I can read them. I did not read this one, and I will "
    "not read what you send in the next minute. Please wait a minute, then send it again."
)


def _said(language: str, message: str) -> str:
    with use_language(language):
        return _(message)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_over_the_limit_a_person_is_warned_once_then_ignored_for_a_minute() -> None:
    clock = Clock()
    guard = FloodGuard(3, clock=clock)
    seen = []
    for _message in range(6):
        seen.append(guard.admit("amal"))
        clock.now += 1
    assert seen == [Admission.READ] * 3 + [Admission.WARN] + [Admission.IGNORE] * 2
    assert guard.admit("omer") == Admission.READ  # someone else is not held back
    clock.now += WINDOW - 2  # a minute after the warning: read again, with a fresh count
    assert [guard.admit("amal") for _message in range(4)] == [Admission.READ] * 3 + [Admission.WARN]
    assert (guard.warned, guard.ignored) == (2, 2)


def test_messages_spread_over_the_minute_are_all_read() -> None:
    clock = Clock()
    guard = FloodGuard(3, clock=clock)
    admitted = []
    for _message in range(12):
        admitted.append(guard.admit("amal"))
        clock.now += WINDOW / 3 + 0.1
    assert admitted == [Admission.READ] * 12
    assert guard.warned == guard.ignored == 0


def test_people_gone_quiet_are_forgotten() -> None:
    clock = Clock()
    guard = FloodGuard(1, clock=clock)
    for person in range(1000):
        guard.admit(f"p{person}")
    assert guard.admit("p1") == Admission.WARN
    clock.now += 2 * WINDOW
    assert guard.admit("late") == Admission.READ  # the sweep runs here
    assert guard.admit("p1") == Admission.READ
    assert len(guard._recent) == 2 and not guard._paused


def test_a_limit_below_one_message_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one message"):
        FloodGuard(0)


async def test_on_telegram_the_warning_comes_once_in_every_language_the_likely_one_first(
    database_url: str, demo: str
) -> None:
    async with telegram_rig(database_url, flood_messages=2) as rig:
        user = rig.fake.user(5_550_001, "Ayşe", language_code="tr")
        for _message in range(2):
            assert (await rig.say(user, "merhaba")).texts  # read and answered
        warned = await rig.say(user, "merhaba")
        assert len(warned.texts) == 1
        turkish, arabic, english = (_said(lang, SLOW_DOWN) for lang in ("tr", "ar", "en"))
        assert warned.texts[0] == f"{turkish}\n\n{arabic}\n\n{english}"
        assert turkish != SLOW_DOWN and arabic != SLOW_DOWN
        for _message in range(3):
            assert (await rig.say(user, "merhaba")).texts == []  # not read, not answered
        other = rig.fake.user(5_550_002, "Omar", language_code="ar")
        assert (await rig.say(other, "مرحبا")).texts  # others are read as usual
        guard = rig.application.bot_data[FLOOD]
        assert isinstance(guard, FloodGuard)
        assert (guard.warned, guard.ignored) == (1, 3)


@pytest.fixture
async def rig(database_url: str, demo: str) -> AsyncIterator[WhatsAppRig]:
    """WhatsApp with a limit of four messages a minute."""
    async with whatsapp_rig(database_url, flood_messages=4) as running:
        yield running


async def _keys(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        count = select(func.count()).select_from(InboundMessage)
        return int((await session.execute(count)).scalar_one())


async def test_on_whatsapp_a_participant_is_warned_in_their_language_and_nothing_more_is_read(
    rig: WhatsAppRig, sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    amal = Phone("+963944123400", "أمل")
    texts = await rig.say(amal, f"انضم {demo}")
    texts = await rig.say(amal, number_of(texts, "العربية"))  # her language is Arabic now
    assert await rig.say(amal, "مرحبا")
    assert await rig.say(amal, "مرحبا")
    read = await _keys(sessions)
    assert await rig.say(amal, "مرحبا") == [_said("ar", SLOW_DOWN)]
    assert await rig.say(amal, "مرحبا") == []  # an empty answer: Twilio sends nothing
    assert await _keys(sessions) == read  # what was not read left nothing behind
    omer = Phone("+905321112200", "Ömer")
    assert await rig.say(omer, f"katıl {demo}")
