"""Scheduling polls: local times read in the municipality's zone, every bad schedule refused and
said in English for the command line and in the facilitator's language for chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.i18n.core import use_language
from handlers.i18n.lazy import render
from handlers.polls.lifecycle import PollStateError, close_poll, open_poll
from handlers.polls.reminder import reminder_time
from handlers.polls.schedule import (
    clear_schedule,
    parse_lead_time,
    parse_local_time,
    schedule_poll,
)
from storage.models import Municipality, Poll
from tests.support.schedule import TITLES, draft_poll

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 12:00 in Istanbul


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-05 10:00",
        "2026-12-05T10:00",
        "05.12.2026 10:00",
        "  05.12.2026   10:00 ",
        "٠٥.١٢.٢٠٢٦ ١٠:٠٠",
    ],
)
def test_a_local_time_is_read_in_the_municipalitys_zone_as_utc(text: str) -> None:
    moment = parse_local_time(text, "Europe/Istanbul")
    assert moment == datetime(2026, 12, 5, 7, 0, tzinfo=UTC)
    assert moment.tzinfo is UTC


def test_a_time_the_clocks_skip_moves_forward_and_a_repeated_one_is_the_first() -> None:
    # Berlin skips 02:00-03:00 on 29 March 2026 and repeats 02:00-03:00 on 25 October.
    assert parse_local_time("2026-03-29 02:30", "Europe/Berlin") == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )  # 03:30 summer time
    assert parse_local_time("2026-03-29 01:59", "Europe/Berlin") == datetime(
        2026, 3, 29, 0, 59, tzinfo=UTC
    )
    assert parse_local_time("2026-10-25 02:30", "Europe/Berlin") == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )  # the first 02:30, still summer time


@pytest.mark.parametrize(
    "text",
    [
        "tomorrow",
        "",
        "2026-12-05",
        "10:00",
        "2026-13-01 10:00",
        "31.02.2026 10:00",
        "12/05/2026 10:00",
        "2026-12-05 25:00",
    ],
)
def test_a_time_that_is_not_one_is_refused_in_every_language(text: str) -> None:
    with pytest.raises(PollStateError) as caught:
        parse_local_time(text, "Europe/Istanbul")
    assert str(caught.value) == (
        f"{text!r} is not a local time like 2026-12-05 10:00 or 05.12.2026 10:00"
    )
    said = {}
    for language in ("tr", "ar", "en"):
        with use_language(language):
            said[language] = render(caught.value.message)
    assert said["en"] == "Please write the time like 05.12.2026 10:00 (day, month, year, hour)."
    assert said["tr"].startswith("Lütfen zamanı")
    assert said["ar"].startswith("يُرجى كتابة الوقت")


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("90m", 90), ("24h", 1440), ("2d", 2880), ("45", 45), ("0", 0), (" 3 H ", 180), ("١٢h", 720)],
)
def test_a_lead_time_is_read_in_minutes(text: str, minutes: int) -> None:
    assert parse_lead_time(text) == minutes


@pytest.mark.parametrize("text", ["-5h", "1.5h", "h", "24 hours", "", "2w"])
def test_a_lead_time_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(PollStateError, match="is not a lead time like 90m, 24h or 2d") as caught:
        parse_lead_time(text)
    with use_language("ar"):
        assert "90m" in render(caught.value.message)


async def _poll(sessions: async_sessionmaker[AsyncSession], poll_id: int) -> Poll:
    """The poll as stored now."""
    async with sessions() as session:
        poll = await session.get(Poll, poll_id)
        assert poll is not None
        return poll


async def _schedule(
    sessions: async_sessionmaker[AsyncSession], poll_id: int, **change: object
) -> None:
    """Try a schedule change as the command line does: commit it, or roll it back if refused."""
    async with sessions() as session:
        poll = await session.get(Poll, poll_id)
        assert poll is not None
        try:
            if change.pop("clear", False):
                await clear_schedule(session, poll)
            else:
                await schedule_poll(
                    session,
                    poll,
                    opens_at=change.pop("opens_at", None),  # type: ignore[arg-type]
                    closes_at=change.pop("closes_at", None),  # type: ignore[arg-type]
                    remind_before_minutes=change.pop("remind", None),  # type: ignore[arg-type]
                    now=NOW,
                )
        except PollStateError:
            await session.rollback()
            raise
        await session.commit()


def _said(error: PollStateError) -> dict[str, str]:
    """The refusal in each language, as chat shows it."""
    said = {}
    for language in ("tr", "ar", "en"):
        with use_language(language):
            said[language] = render(error.message)
    assert len(set(said.values())) == 3, said  # really translated
    return said


def _schedule_of(poll: Poll) -> tuple[object, ...]:
    """What a refused change must leave as it was."""
    return (poll.status, poll.opens_at, poll.closes_at, poll.remind_before_minutes)


async def test_a_schedule_is_kept_changed_and_cleared(
    sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    poll_id = await draft_poll(sessions, "later-2026")
    opens, closes = NOW + timedelta(days=1), NOW + timedelta(days=8)
    await _schedule(sessions, poll_id, opens_at=opens, closes_at=closes, remind=90)
    poll = await _poll(sessions, poll_id)
    assert (poll.opens_at, poll.closes_at, poll.remind_before_minutes) == (opens, closes, 90)
    assert poll.status == "draft"

    await _schedule(sessions, poll_id, closes_at=closes + timedelta(days=1))
    poll = await _poll(sessions, poll_id)
    assert (poll.opens_at, poll.closes_at, poll.remind_before_minutes) == (
        opens,
        closes + timedelta(days=1),
        90,
    )

    await _schedule(sessions, poll_id, clear=True)
    poll = await _poll(sessions, poll_id)
    assert (poll.opens_at, poll.closes_at, poll.remind_before_minutes) == (None, None, 90)


async def test_every_bad_schedule_is_refused_in_every_language_and_changes_nothing(
    sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    draft = await draft_poll(sessions, "later-2026")
    opens, closes = NOW + timedelta(days=1), NOW + timedelta(days=8)
    await _schedule(sessions, draft, opens_at=opens, closes_at=closes)
    before = _schedule_of(await _poll(sessions, draft))
    cases: list[tuple[dict[str, object], str, str]] = [
        (
            {"opens_at": NOW - timedelta(minutes=1)},
            "the opening time 2026-12-01 08:59 UTC has already passed",
            "That time has already passed. Please choose a time in the future.",
        ),
        (
            {"opens_at": NOW},
            "the opening time 2026-12-01 09:00 UTC has already passed",
            "That time has already passed. Please choose a time in the future.",
        ),
        (
            {"closes_at": NOW - timedelta(days=1)},
            "the closing time 2026-11-30 09:00 UTC has already passed",
            "That time has already passed. Please choose a time in the future.",
        ),
        (
            {"opens_at": closes, "closes_at": opens},
            "poll later-2026 would close (2026-12-02 09:00 UTC) before it opens (2026-12-09 09:00 UTC)",
            "The poll would close before it opens. Please choose a closing time after the opening time.",
        ),
        (  # the kept opening, and a new closing before it
            {"closes_at": opens - timedelta(hours=1)},
            "poll later-2026 would close (2026-12-02 08:00 UTC) before it opens (2026-12-02 09:00 UTC)",
            "The poll would close before it opens. Please choose a closing time after the opening time.",
        ),
        (  # closing at the very moment of opening
            {"opens_at": closes},
            "poll later-2026 would close (2026-12-09 09:00 UTC) before it opens (2026-12-09 09:00 UTC)",
            "The poll would close before it opens. Please choose a closing time after the opening time.",
        ),
        (
            {"remind": -1},
            "the reminder cannot go after the poll closes (-1 minutes before closing)",
            "A reminder cannot go after the poll closes.",
        ),
        (
            {"remind": 30 * 24 * 60 + 1},
            "the reminder can go at most 30 days before closing, not 43,201 minutes",
            "The reminder can go at most 30 days before the poll closes.",
        ),
    ]
    for change, line, english in cases:
        with pytest.raises(PollStateError) as caught:
            await _schedule(sessions, draft, **dict(change))
        assert str(caught.value) == line
        said = _said(caught.value)
        assert said["en"] == english
        assert _schedule_of(await _poll(sessions, draft)) == before, line
    with use_language("ar"):
        with pytest.raises(PollStateError) as caught:
            await _schedule(sessions, draft, remind=10**6)
        assert "٣٠" in render(caught.value.message)  # the count in Arabic digits


async def test_a_draft_lacking_a_translation_cannot_be_scheduled(
    sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    draft = await draft_poll(sessions, "later-2026")
    async with sessions() as session:
        await session.execute(
            update(Poll).where(Poll.id == draft).values(title={"tr": TITLES["tr"], "en": "T"})
        )
        await session.commit()
    with pytest.raises(PollStateError) as caught:
        await _schedule(sessions, draft, opens_at=NOW + timedelta(days=1))
    assert str(caught.value) == "poll later-2026 lacks translations: title: ar"
    said = _said(caught.value)
    assert said["en"] == "The poll \u2068T\u2069 has texts missing in: \u2068العربية\u2069."
    assert said["tr"].startswith(f"\u2068{TITLES['tr']}\u2069 anketinde")
    assert (await _poll(sessions, draft)).opens_at is None


async def test_an_open_poll_takes_only_a_closing_time_and_a_closed_one_nothing(
    sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    poll_id = await draft_poll(sessions, "now-2026")
    async with sessions() as session:
        poll = await session.get(Poll, poll_id)
        assert poll is not None
        await open_poll(session, poll, NOW - timedelta(hours=1))
        await session.commit()
    with pytest.raises(PollStateError) as caught:
        await _schedule(sessions, poll_id, opens_at=NOW + timedelta(days=1))
    assert str(caught.value) == "poll now-2026 is open already; only its closing time can be set"
    assert _said(caught.value)["ar"] == (
        f"الاستطلاع \u2068{TITLES['ar']}\u2069 مفتوح بالفعل؛ يمكن تحديد موعد إغلاقه فقط."
    )
    await _schedule(sessions, poll_id, closes_at=NOW + timedelta(days=2), remind=0)
    assert (await _poll(sessions, poll_id)).closes_at == NOW + timedelta(days=2)

    async with sessions() as session:
        poll = await session.get(Poll, poll_id)
        assert poll is not None
        await close_poll(session, poll, NOW)
        await session.commit()
    for change in ({"closes_at": NOW + timedelta(days=3)}, {"remind": 60}, {"clear": True}):
        with pytest.raises(PollStateError) as caught:
            await _schedule(sessions, poll_id, **dict(change))
        assert str(caught.value) == "poll now-2026 is closed; its times cannot change"
        assert _said(caught.value)["en"] == (
            f"The poll \u2068{TITLES['en']}\u2069 is closed, so its times cannot change."
        )
    assert (await _poll(sessions, poll_id)).closes_at == NOW + timedelta(days=2)


async def test_opening_and_closing_refusals_have_a_chat_form_shown_after_a_rollback(
    sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    draft = await draft_poll(sessions, "later-2026")
    errors: list[PollStateError] = []
    async with sessions() as session:
        poll = await session.get(Poll, draft)
        assert poll is not None
        for attempt in (close_poll, open_poll, open_poll, close_poll, close_poll):
            try:
                await attempt(session, poll, NOW)
            except PollStateError as exc:
                errors.append(exc)
        await session.rollback()  # expires the poll: the messages must not need it again
    assert [str(e) for e in errors] == [
        "poll later-2026 is not open (it is draft)",
        "poll later-2026 is open already",
        "poll later-2026 is not open (it is closed)",
    ]
    said = [_said(e) for e in errors]
    assert [s["en"] for s in said] == [
        f"The poll \u2068{TITLES['en']}\u2069 has not been opened yet.",
        f"The poll \u2068{TITLES['en']}\u2069 is open already.",
        f"The poll \u2068{TITLES['en']}\u2069 is closed already.",
    ]
    assert said[1]["tr"] == f"\u2068{TITLES['tr']}\u2069 anketi zaten açık."


async def test_a_draft_whose_closing_time_passed_does_not_open(
    sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    draft = await draft_poll(sessions, "late-2026")
    async with sessions() as session:
        await session.execute(
            update(Poll).where(Poll.id == draft).values(closes_at=NOW - timedelta(minutes=5))
        )
        await session.commit()
    async with sessions() as session:
        poll = await session.get(Poll, draft)
        assert poll is not None
        with pytest.raises(PollStateError, match="was to close at 2026-12-01 08:55 UTC") as caught:
            await open_poll(session, poll, NOW)
        await session.rollback()
    assert _said(caught.value)["en"].startswith("The closing time of the poll")
    assert (await _poll(sessions, draft)).status == "draft"


def _municipality(quiet_start: str = "22:00", quiet_end: str = "08:00") -> Municipality:
    return Municipality(
        slug="m", name={}, timezone="Europe/Istanbul", quiet_start=quiet_start, quiet_end=quiet_end
    )


def _poll_times(
    closes_local: str, lead_minutes: int, opened_local: str = "2026-12-01 12:00"
) -> Poll:
    return Poll(
        slug="p",
        title={},
        status="open",
        opened_at=parse_local_time(opened_local, "Europe/Istanbul"),
        closes_at=parse_local_time(closes_local, "Europe/Istanbul"),
        remind_before_minutes=lead_minutes,
    )


@pytest.mark.parametrize(
    ("closes", "lead", "opened", "reminder"),
    [
        # Due in the afternoon: as asked.
        ("2026-12-08 18:00", 24 * 60, "2026-12-01 12:00", "2026-12-07 18:00"),
        # Due at 01:00, inside 22:00-08:00: an hour before the quiet hours began, the evening before.
        ("2026-12-08 07:00", 6 * 60, "2026-12-01 12:00", "2026-12-07 21:00"),
        # Due at 23:30: the same evening, an hour before 22:00.
        ("2026-12-08 09:30", 10 * 60, "2026-12-01 12:00", "2026-12-07 21:00"),
        # Due at 07:59, quiet hours started the evening before.
        ("2026-12-08 08:59", 61, "2026-12-01 12:00", "2026-12-07 21:00"),
        # Due exactly when quiet hours end: not inside them.
        ("2026-12-08 09:00", 60, "2026-12-01 12:00", "2026-12-08 08:00"),
        # The poll opened after the reminder's time: the invitation is enough.
        ("2026-12-08 18:00", 24 * 60, "2026-12-07 19:00", None),
        ("2026-12-08 18:00", 24 * 60, "2026-12-07 18:00", None),
        # Moved before the quiet hours, to before the poll opened: none either.
        ("2026-12-08 07:00", 6 * 60, "2026-12-07 21:30", None),
        # No reminder asked for.
        ("2026-12-08 18:00", 0, "2026-12-01 12:00", None),
    ],
)
def test_the_reminder_goes_when_asked_or_before_quiet_hours_and_not_right_after_opening(
    closes: str, lead: int, opened: str, reminder: str | None
) -> None:
    poll = _poll_times(closes, lead, opened)
    expected = parse_local_time(reminder, "Europe/Istanbul") if reminder else None
    assert reminder_time(poll, _municipality()) == expected


def test_a_quiet_window_within_one_day_and_no_quiet_hours() -> None:
    poll = _poll_times("2026-12-08 16:00", 3 * 60)  # due 13:00, quiet 12:00-14:00
    assert reminder_time(poll, _municipality("12:00", "14:00")) == parse_local_time(
        "2026-12-08 11:00", "Europe/Istanbul"
    )
    assert reminder_time(poll, _municipality("00:00", "00:00")) == parse_local_time(
        "2026-12-08 13:00", "Europe/Istanbul"
    )
