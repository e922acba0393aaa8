"""`reslog digest` as a real process: printed, written to a folder, sent once; bad input refused.

The digest cohort's week, 3 to 9 November 2026, is a period of a weekly digest that goes on
Tuesdays, which ``_cohort`` sets; hole B's case has a municipality whose digest is off.
"""

from __future__ import annotations

import re
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.digests.period import Schedule, last_day
from handlers.digests.text_parts import period_text
from handlers.i18n.core import use_language
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.digest_queries import Window, new_members
from storage.digest_settings import add_recipient, setting_for
from storage.models import DigestRun
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.smtp import FakeSmtp
from tests.support.cli import reslog, reslog_all
from tests.support.digest_cohort import (
    COMMUNITY_QUESTION,
    EMAILS,
    PHONE,
    TC_NUMBER,
    TIMEZONE,
    add_assembly,
    add_municipality,
    add_people,
    weekly_digest_cohort,
)

LAST_DAY = "2026-11-09"  # the cohort's week is 3 to 9 November 2026, Tuesday to Monday
WEEK = ("--municipality", "zeytinburnu", "--period", "7d", "--through", LAST_DAY)
TUESDAY = 1
STAFF_CHAT = 5550001
MAILBOX = "uyum@zeytinburnu.bel.tr"


async def _cohort(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The digest cohort, its digest weekly on Tuesdays."""
    await weekly_digest_cohort(sessions, TUESDAY)


async def test_the_digest_is_printed_without_anyone_s_personal_data(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _cohort(sessions)
    out = (await reslog(cli_env, "digest", *WEEK)).ok()
    assert "Zeytinburnu" in out and "<5" in out
    assert not any(value in out for value in (PHONE, TC_NUMBER, *EMAILS))
    arabic = (await reslog(cli_env, "digest", *WEEK, "--language", "ar")).ok()
    assert "الأعضاء الجدد" in arabic
    quiet = (await reslog(cli_env, "digest", *WEEK[:4], "--through", "2020-01-27")).ok()
    assert quiet.strip() and "Zeytinburnu" in quiet


async def test_out_writes_every_format_readable_by_its_owner_only(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await _cohort(sessions)
    folder = tmp_path / "digest"
    written = (await reslog(cli_env, "digest", *WEEK, "--out", folder)).ok().split()
    suffixes = sorted({Path(path).suffix for path in written})
    assert suffixes == [".eml", ".html", ".png", ".xlsx"]
    modes = {stat.S_IMODE(path.stat().st_mode) for path in folder.iterdir()}
    assert modes == {0o600} and len(list(folder.iterdir())) == len(written)


async def test_send_goes_to_each_recipient_once_and_a_second_send_is_refused(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    await _cohort(sessions)
    async with sessions() as session:
        setting = await setting_for(session, municipality_id=1)
        await add_recipient(session, cipher, setting, "telegram", str(STAFF_CHAT))
        await add_recipient(session, cipher, setting, "email", MAILBOX)
        await session.commit()
    async with FakeBotApi() as fake, FakeSmtp() as mail:
        fake.user(STAFF_CHAT, "Ayşe", "tr")
        env = {
            **cli_env,
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "SMTP_URL": mail.url(),
            "SMTP_FROM": "ozet@reslog.example",
        }
        out = (await reslog(env, "digest", *WEEK, "--send")).ok()
        assert "digest sent" in out and "NOT sent" not in out
        assert MAILBOX not in out, "the address is masked"
        assert len(mail.received) == 1
        chat = fake.state.chats[STAFF_CHAT]
        assert any("document" in m for m in chat) and any("text" in m for m in chat)
        sends = len([call for call in fake.calls if call.method != "getMe"])
        (await reslog(env, "digest", *WEEK, "--send")).refused("already sent")
        assert len([call for call in fake.calls if call.method != "getMe"]) == sends
        assert len(mail.received) == 1


async def test_bad_requests_are_refused_in_one_line(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _cohort(sessions)
    (await reslog(cli_env, "digest", "--municipality", "nowhere")).refused("no municipality")
    (await reslog(cli_env, "digest", "--union", "nowhere")).refused("no union")
    (await reslog(cli_env, "digest", *WEEK[:2], "--period", "0d")).refused("between 1 and")
    (await reslog(cli_env, "digest", *WEEK, "--send", "--language", "ar")).refused("--language")
    (await reslog(cli_env, "digest", *WEEK, "--send")).refused("no recipients")
    (await reslog(cli_env, "digest", *WEEK, "--k", "3")).refused("K can only be raised")


async def test_a_union_s_digest_sets_its_members_side_by_side(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await _cohort(sessions)
    for args in (
        ("municipality", "create", "kucukkoy", "--name", "tr=Küçükköy Belediyesi"),
        ("union", "create", "marmara", "--name", "tr=Marmara Belediyeler Birliği"),
        ("union", "add", "marmara", "--municipality", "zeytinburnu"),
        ("union", "add", "marmara", "--municipality", "kucukkoy"),
        ("digest-settings", "--union", "marmara", "--weekday", "tue"),  # off, weeks to Monday
    ):
        (await reslog(cli_env, *args)).ok()
    union = ("--union", "marmara", "--period", "7d", "--through", LAST_DAY)
    out = (await reslog(cli_env, "digest", *union)).ok()
    assert "Marmara Belediyeler Birliği" in out
    assert "Zeytinburnu" in out and "Küçükköy" in out
    assert not any(value in out for value in (PHONE, TC_NUMBER, *EMAILS))
    written = (await reslog(cli_env, "digest", *union, "--out", tmp_path / "u")).ok().split()
    assert any(path.endswith(".xlsx") for path in written)


JOINED = re.compile(r"^Joined in this period: (\S+)$", re.MULTILINE)
PERIOD = re.compile(r"^Period: (.+)$", re.MULTILINE)
KARAKOY = ("--municipality", "karakoy", "--language", "en")


async def _joined_by_the_day(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Karaköy, whose digest is off: 13 joined from 24 to 29 November 2026, 4 on the 30th."""
    async with sessions() as session:
        municipality = await add_municipality(session, "karakoy", "Karaköy")
        assembly = await add_assembly(
            session, municipality, "KARA", [COMMUNITY_QUESTION], datetime(2026, 1, 5, tzinfo=UTC)
        )
        await add_people(session, assembly, "host", "tr", 20, datetime(2026, 10, 1, tzinfo=UTC))
        for day, people in ((24, 3), (26, 4), (28, 3), (29, 3), (30, 4)):
            at = datetime(2026, 11, day, 9, 0, tzinfo=UTC)  # 12:00 in Istanbul
            await add_people(session, assembly, "syrian", "ar", people, at)
        await session.commit()
        week = Schedule("off", 0, TIMEZONE).through(date(2026, 11, 29))
        thirtieth = Schedule("daily", 0, TIMEZONE).through(date(2026, 11, 30))
        counts = [
            sum(c.people for c in await new_members(session, [assembly.id], Window(p.start, p.end)))
            for p in (week, thirtieth)
        ]
        assert counts == [13, 4]  # the hole's numbers, as the database has them


async def test_hole_b_the_seven_days_through_30_november_overlap_a_week_and_are_refused(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Through 29 November: 13 joined; through 30 November: 17; so 4 joined on the 30th."""
    await _joined_by_the_day(sessions)
    week, overlapping, with_period, unsafe, unsafe_send, wrong_length = await reslog_all(
        cli_env,
        [
            ["digest", *KARAKOY, "--through", "2026-11-29"],
            ["digest", *KARAKOY, "--through", "2026-11-30"],
            ["digest", *KARAKOY, "--period", "7d", "--through", "2026-11-30"],
            ["digest", *KARAKOY, "--through", "2026-11-30", "--unsafe-period"],
            ["digest", "--municipality", "karakoy", "--through", "2026-11-30", "--unsafe-period",
             "--send"],
            ["digest", *KARAKOY, "--period", "1d", "--through", "2026-11-29"],
        ],
    )  # fmt: skip
    assert JOINED.findall(week.ok()) == ["13"]
    # Off, the digest has weekly periods as if it went on Mondays: weeks ending on Sundays.
    for refused in (overlapping, with_period):
        line = refused.refused("2026-11-30 does not end a period of this digest", "Sundays")
        assert "such as through 2026-11-29 or 2026-12-06" in line and "--unsafe-period" in line
    wrong_length.refused("--period 1d is not the length of this digest's periods", "7d")
    # Asked for explicitly, the window is printed, with a warning and a log line ...
    assert JOINED.findall(unsafe.ok()) == ["17"]
    warning, logged = unsafe.stderr.strip().splitlines()
    assert warning.startswith("reslog: warning: 7 days through 2026-11-30 is not a period")
    assert "gives away, by difference, counts under K" in warning
    assert logged.endswith(
        " WARNING bot.cli.digest: digest of an unscheduled window (--unsafe-period): "
        "7 days through 2026-11-30, karakoy printed"
    )
    # ... and can never be sent, so it is never recorded as the period's digest either.
    unsafe_send.refused("--unsafe-period window is never sent")
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(DigestRun))).scalar() == 0


async def test_without_options_the_digest_is_the_latest_period_that_has_ended(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _joined_by_the_day(sessions)
    now = utcnow()
    latest = Schedule("off", 0, TIMEZONE).latest(now)  # Monday to Sunday, the last one ended
    next_sunday = last_day(latest) + timedelta(days=7)
    plain, future = await reslog_all(
        cli_env,
        [["digest", *KARAKOY], ["digest", *KARAKOY, "--through", str(next_sunday)]],
    )
    with use_language("en"):
        assert PERIOD.findall(plain.ok()) == [period_text(latest)]
    assert latest.end <= now < latest.end + timedelta(days=7)
    future.refused(f"the period through {next_sunday} has not ended yet")
