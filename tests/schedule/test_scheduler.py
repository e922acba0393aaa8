"""The scheduler: polls open, remind and close on time, each once, and what it queues reaches
each member in their language through the dispatcher and the (fake) Bot API."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot

from bot.channels.telegram.sender import TelegramSender
from bot.outbox.dispatcher import DispatchConfig, Dispatcher
from bot.outbox.leader import Leadership
from bot.schedule.polls import run_due, run_scheduler
from bot.settings import SettingsError, load_settings
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.models import Notice, OutboxMessage, Poll
from tests.conftest import TEST_SECRET
from tests.fakes.bot_api import FakeBotApi
from tests.support.members import Member, add_members
from tests.support.outbox import drain
from tests.support.processes import running_reslog, telegram_env
from tests.support.schedule import (
    TITLES,
    draft_poll,
    no_quiet_hours,
    queued,
    respond,
    schedule,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 12:00 in Istanbul, outside the quiet hours
OPENS = T0 + timedelta(hours=1)
CLOSES = T0 + timedelta(days=7)  # Tuesday 8 December 2026, 12:00 in Istanbul
MEMBERS = [
    Member(8101, "tr"),
    Member(8102, "ar"),
    Member(8103, "en"),
    Member(8104, "ar"),
    Member(8105, "tr"),
    Member(8106, "en"),
    Member(8107, "ar", stopped=True),
]
FAST = DispatchConfig(rate=200, backoff=0.05, idle_wait=0.05)


def _acted(done: object) -> dict[str, list[tuple[str, int]]]:
    """A round's work as {step: [(slug, recipients)]}."""
    return {
        step: [(d.slug, d.recipients) for d in getattr(done, step)]
        for step in ("opened", "reminded", "closed")
    }


NOTHING: dict[str, list[tuple[str, int]]] = {"opened": [], "reminded": [], "closed": []}


async def _notices(sessions: async_sessionmaker[AsyncSession]) -> Counter[str]:
    """How many notices of each kind there are."""
    async with sessions() as session:
        rows = await session.execute(select(Notice.kind, func.count()).group_by(Notice.kind))
        return Counter({kind: int(count) for kind, count in rows})


async def test_a_scheduled_poll_opens_reminds_those_who_have_not_answered_and_closes_each_once(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    await add_members(sessions, cipher, None, demo, MEMBERS)
    poll_id = await draft_poll(sessions, "scheduled-2026")
    await schedule(sessions, poll_id, opens_at=OPENS, closes_at=CLOSES, now=T0)

    assert _acted(await run_due(sessions, OPENS - timedelta(seconds=1))) == NOTHING
    opened = await run_due(sessions, OPENS)
    assert _acted(opened) == {**NOTHING, "opened": [("scheduled-2026", 6)]}
    assert not opened.failed
    assert opened.summary() == "opened scheduled-2026 (6)"  # the log line: 6 is at least K=5
    invited = await queued(sessions, cipher, "invitation")
    assert {u: (lang, status) for u, (lang, status, _t) in invited.items()} == {
        m.user_id: (m.language, "pending") for m in MEMBERS if not m.stopped
    }
    assert TITLES["ar"] in invited[8102][2] and TITLES["tr"] in invited[8101][2]
    assert _acted(await run_due(sessions, OPENS)) == NOTHING  # a second run: nothing twice
    async with sessions() as session:
        poll = await session.get(Poll, poll_id)
        assert poll is not None
        assert (poll.status, poll.opened_at) == ("open", OPENS)

    # Two finish, one stops half-way; the reminder is due 24 hours before closing.
    await respond(sessions, cipher, poll_id, [8101, 8102], completed=True)
    await respond(sessions, cipher, poll_id, [8103], completed=False)
    due = CLOSES - timedelta(days=1)
    assert _acted(await run_due(sessions, due - timedelta(seconds=1))) == NOTHING
    reminding = await run_due(sessions, due)
    assert _acted(reminding) == {**NOTHING, "reminded": [("scheduled-2026", 4)]}
    assert reminding.summary() == "reminded scheduled-2026 (<5)"  # never the 4 in the log
    assert _acted(await run_due(sessions, due + timedelta(hours=1))) == NOTHING
    reminded = await queued(sessions, cipher, "reminder")
    assert {u: lang for u, (lang, _s, _t) in reminded.items()} == {
        8103: "en",
        8104: "ar",
        8105: "tr",
        8106: "en",
    }
    texts = {lang: text for lang, _s, text in reminded.values()}
    assert texts["tr"] == (
        f"Hatırlatma: \u2068{TITLES['tr']}\u2069 anketi 8 Aralık 2026 Salı 12:00 tarihinde "
        "kapanıyor. Henüz bitirmediyseniz yanıtlamak için /polls gönderin."
    )
    assert texts["ar"] == (
        f"تذكير: يُغلق الاستطلاع \u2068{TITLES['ar']}\u2069 يوم الثلاثاء، ٨ ديسمبر ٢٠٢٦، ١٢:٠٠ م. "
        "إن لم تُكمله بعد، أرسل /polls للإجابة."
    )
    assert texts["en"] == (
        f"Reminder: the poll \u2068{TITLES['en']}\u2069 closes on Tuesday, December 8, 2026, "
        "12:00\u202fPM. If you have not finished it yet, send /polls to answer."
    )

    assert _acted(await run_due(sessions, CLOSES - timedelta(seconds=1))) == NOTHING
    closing = await run_due(sessions, CLOSES)
    assert _acted(closing) == {**NOTHING, "closed": [("scheduled-2026", 3)]}
    assert closing.summary() == "closed scheduled-2026 (<5)"
    assert _acted(await run_due(sessions, CLOSES + timedelta(days=1))) == NOTHING
    results = await queued(sessions, cipher, "results")
    assert {u: lang for u, (lang, _s, _t) in results.items()} == {
        8101: "tr",
        8102: "ar",
        8103: "en",
    }
    assert results[8102][2].startswith(f"ماذا قال المجلس: \u2068{TITLES['ar']}\u2069")
    assert results[8101][2].startswith(f"Meclisin sesi: \u2068{TITLES['tr']}\u2069")
    # Nothing was sent meanwhile (no dispatcher ran): the invitations and reminders to a poll
    # that has closed are withdrawn, never sent late.
    assert {s for _l, s, _t in (await queued(sessions, cipher, "invitation")).values()} == {
        "skipped"
    }
    assert {s for _l, s, _t in reminded.values()} == {"pending"}
    assert {s for _l, s, _t in (await queued(sessions, cipher, "reminder")).values()} == {"skipped"}
    assert await _notices(sessions) == Counter({"invitation": 1, "reminder": 1, "results": 1})
    async with sessions() as session:
        poll = await session.get(Poll, poll_id)
        assert poll is not None
        assert (poll.status, poll.reminded_at, poll.closed_at) == ("closed", due, CLOSES)


async def test_a_reminder_due_in_the_night_goes_the_evening_before_and_not_at_all_if_too_late(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    await add_members(sessions, cipher, None, demo, MEMBERS[:2])
    early, late = await draft_poll(sessions, "early-2026"), await draft_poll(sessions, "late-2026")
    # Both close at 07:00 in Istanbul, before the quiet hours (22:00-08:00) end, one a day
    # later; the reminder, 6 hours before, would be due at 01:00.
    early_close = datetime(2026, 12, 8, 4, 0, tzinfo=UTC)
    late_close = early_close + timedelta(days=1)
    for poll_id, closes in ((early, early_close), (late, late_close)):
        await schedule(
            sessions,
            poll_id,
            opens_at=OPENS,
            closes_at=closes,
            remind_before_minutes=6 * 60,
            now=T0,
        )
    await run_due(sessions, OPENS)
    evening = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)  # 21:00, an hour before the quiet hours
    assert _acted(await run_due(sessions, evening - timedelta(minutes=1))) == NOTHING
    assert _acted(await run_due(sessions, evening)) == {**NOTHING, "reminded": [("early-2026", 2)]}
    async with sessions() as session:
        not_before = set(
            (
                await session.execute(
                    select(OutboxMessage.not_before).join(Notice).where(Notice.kind == "reminder")
                )
            ).scalars()
        )
    assert not_before == {evening}  # not held until the morning, after the poll has closed
    assert _acted(await run_due(sessions, early_close)) == {
        **NOTHING,
        "closed": [("early-2026", 0)],
    }
    # The scheduler was away the next evening and is back at 23:00: a reminder queued now would
    # wait for 08:00, after the poll closes, so none goes.
    night = evening + timedelta(days=1, hours=2)
    assert _acted(await run_due(sessions, night)) == NOTHING
    assert _acted(await run_due(sessions, late_close)) == {
        **NOTHING,
        "closed": [("late-2026", 0)],
    }
    assert await _notices(sessions) == Counter({"invitation": 2, "reminder": 1})
    async with sessions() as session:
        reminded = dict((await session.execute(select(Poll.slug, Poll.reminded_at))).all())
    assert reminded == {"services-2026": None, "early-2026": evening, "late-2026": None}


async def test_no_reminder_for_a_poll_that_opens_after_it_would_be_due(
    sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher, demo: str
) -> None:
    await add_members(sessions, cipher, None, demo, MEMBERS[:3])
    poll_id = await draft_poll(sessions, "short-2026")
    closes = OPENS + timedelta(hours=5)
    await schedule(sessions, poll_id, opens_at=OPENS, closes_at=closes, now=T0)  # 24h before
    assert _acted(await run_due(sessions, OPENS)) == {**NOTHING, "opened": [("short-2026", 3)]}
    for hours in (1, 2, 4):
        assert _acted(await run_due(sessions, OPENS + timedelta(hours=hours))) == NOTHING
    assert _acted(await run_due(sessions, closes)) == {**NOTHING, "closed": [("short-2026", 0)]}
    assert await _notices(sessions) == Counter({"invitation": 1})


async def test_a_poll_that_cannot_open_is_logged_and_the_others_still_open(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await add_members(sessions, cipher, None, demo, MEMBERS[:2])
    broken, fine = (
        await draft_poll(sessions, "broken-2026"),
        await draft_poll(sessions, "fine-2026"),
    )
    for poll_id in (broken, fine):
        await schedule(sessions, poll_id, opens_at=OPENS, closes_at=CLOSES, now=T0)
    async with sessions() as session:  # a translation lost after scheduling
        await session.execute(update(Poll).where(Poll.id == broken).values(title={"tr": "T"}))
        await session.commit()
    with caplog.at_level(logging.ERROR, logger="bot.schedule.polls"):
        done = await run_due(sessions, OPENS)
    assert _acted(done) == {**NOTHING, "opened": [("fine-2026", 2)]}
    assert done.failed == [f"{broken}: poll broken-2026 lacks translations: title: ar; title: en"]
    assert "poll broken-2026 lacks translations" in caplog.text
    async with sessions() as session:
        statuses = dict((await session.execute(select(Poll.slug, Poll.status))).all())
    assert statuses["broken-2026"] == "draft" and statuses["fine-2026"] == "open"
    assert await _notices(sessions) == Counter({"invitation": 1})


async def test_the_scheduler_loop_waits_for_leadership_runs_its_rounds_and_stops(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    poll_id = await draft_poll(sessions, "loop-2026")
    now = utcnow()
    await schedule(
        sessions,
        poll_id,
        opens_at=now + timedelta(seconds=1),
        closes_at=now + timedelta(days=1),
        now=now,
    )
    other = Leadership(engine, "scheduler")
    assert await other.acquire()
    stop = asyncio.Event()
    loop = asyncio.create_task(run_scheduler(engine, sessions, stop, interval=1, retry=0.2))
    await asyncio.sleep(1)  # five tries at the lock meanwhile
    async with sessions() as session:
        assert await session.scalar(select(Poll.status).where(Poll.id == poll_id)) == "draft"
    await other.release()  # the loop takes over within its retry
    async with asyncio.timeout(15):
        while True:
            async with sessions() as session:
                if await session.scalar(select(Poll.status).where(Poll.id == poll_id)) == "open":
                    break
            await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(loop, 5)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API on loopback."""
    async with FakeBotApi() as server:
        yield server


def _messages(fake: FakeBotApi) -> dict[int, list[str]]:
    """What each chat was sent, in order."""
    sent: dict[int, list[str]] = {}
    for call in fake.calls_to("sendMessage"):
        sent.setdefault(int(call.params["chat_id"]), []).append(str(call.params["text"]))
    return sent


async def test_what_the_scheduler_queues_reaches_each_chat_in_its_language_through_the_bot_api(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    fake: FakeBotApi,
    demo: str,
) -> None:
    await no_quiet_hours(sessions)  # this test runs on the real clock
    await add_members(sessions, cipher, fake, demo, MEMBERS)
    poll_id = await draft_poll(sessions, "delivered-2026")
    real = utcnow()
    await schedule(
        sessions,
        poll_id,
        opens_at=real - timedelta(hours=3),
        closes_at=real - timedelta(hours=1),
        remind_before_minutes=60,
        now=real - timedelta(hours=4),
    )
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        dispatcher = Dispatcher(sessions, cipher, TelegramSender(bot), FAST)
        await dispatcher.recover()
        await run_due(sessions, real - timedelta(hours=3))
        await drain(sessions, dispatcher)
        await respond(sessions, cipher, poll_id, [8101, 8102], completed=True)
        await run_due(sessions, real - timedelta(hours=2))
        await drain(sessions, dispatcher)
        await run_due(sessions, real - timedelta(hours=1))
        await drain(sessions, dispatcher)

    expected: dict[int, list[str]] = {}
    for kind in ("invitation", "reminder", "results"):
        for user_id, (language, status, text) in (await queued(sessions, cipher, kind)).items():
            assert status == "sent"
            assert language == next(m.language for m in MEMBERS if m.user_id == user_id)
            expected.setdefault(user_id, []).append(text)
    assert _messages(fake) == expected
    sent = _messages(fake)
    assert len(sent[8101]) == 2 and len(sent[8104]) == 2  # invitation, then results / reminder
    assert sent[8101][0] == (
        f"Yeni bir anket açıldı: \u2068{TITLES['tr']}\u2069. Yanıtlamak için /polls gönderin."
    )
    assert sent[8101][1].startswith(f"Meclisin sesi: \u2068{TITLES['tr']}\u2069")
    assert sent[8104][1].startswith("تذكير: يُغلق الاستطلاع")
    assert sent[8103][1].startswith("Reminder: the poll")
    assert sent[8105][1].startswith("Hatırlatma:")
    assert sent[8102][1].startswith(f"ماذا قال المجلس: \u2068{TITLES['ar']}\u2069")
    assert 8107 not in sent  # stopped


@pytest.mark.parametrize("command", ["worker", "run"])
async def test_reslog_worker_and_run_open_a_due_poll_send_the_invitations_then_close_it(
    command: str,
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    cli_env: dict[str, str],
    demo: str,
    tmp_path: Path,
) -> None:
    await no_quiet_hours(sessions)
    async with FakeBotApi() as fake:
        await add_members(sessions, cipher, fake, demo, MEMBERS)
        poll_id = await draft_poll(sessions, "worker-2026")
        real = utcnow()
        await schedule(
            sessions,
            poll_id,
            opens_at=real - timedelta(minutes=5),
            closes_at=real + timedelta(days=1),
            remind_before_minutes=0,
            now=real - timedelta(minutes=10),
        )
        env = telegram_env(cli_env, fake, SCHEDULER_INTERVAL="1", TELEGRAM_RATE="200")
        async with running_reslog(command, env=env, cwd=tmp_path):
            await fake.wait_until(
                lambda: len(fake.calls_to("sendMessage")) >= 6, within=30, what="the invitations"
            )
            await respond(sessions, cipher, poll_id, [8103], completed=True)
            async with sessions() as session:
                await session.execute(
                    update(Poll).where(Poll.id == poll_id).values(closes_at=utcnow())
                )
                await session.commit()
            await fake.wait_until(
                lambda: len(fake.calls_to("sendMessage")) >= 7, within=30, what="the results"
            )
    sent = _messages(fake)
    assert set(sent) == {m.user_id for m in MEMBERS if not m.stopped}
    assert all(TITLES[m.language] in sent[m.user_id][0] for m in MEMBERS if not m.stopped)
    assert len(sent[8103]) == 2 and "What the assembly said" in sent[8103][1]
    async with sessions() as session:
        assert await session.scalar(select(Poll.status).where(Poll.id == poll_id)) == "closed"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("soon", "SCHEDULER_INTERVAL 'soon' is not a number of seconds"),
        ("0.5", "SCHEDULER_INTERVAL '0.5' must be between 1 and 3600 seconds"),
        ("7200", "SCHEDULER_INTERVAL '7200' must be between 1 and 3600 seconds"),
        ("nan", "SCHEDULER_INTERVAL 'nan' must be between 1 and 3600 seconds"),
    ],
)
def test_a_bad_scheduler_interval_stops_start_up_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RESLOG_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("SCHEDULER_INTERVAL", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == expected


def test_the_scheduler_interval_defaults_to_thirty_seconds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RESLOG_SECRET_KEY", TEST_SECRET)
    monkeypatch.delenv("SCHEDULER_INTERVAL", raising=False)
    assert load_settings().scheduler_interval == 30.0
    monkeypatch.setenv("SCHEDULER_INTERVAL", "5")
    assert load_settings().scheduler_interval == 5.0
