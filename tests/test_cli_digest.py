"""`reslog digest` as a real process: printed, written to a folder, sent once; bad input refused."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.crypto import AddressCipher
from storage.digest_settings import add_recipient, setting_for
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.smtp import FakeSmtp
from tests.support.cli import reslog
from tests.support.digest_cohort import EMAILS, PHONE, TC_NUMBER, build_digest_cohort

LAST_DAY = "2026-11-09"  # the cohort's week is 3 to 9 November 2026
WEEK = ("--municipality", "zeytinburnu", "--period", "7d", "--through", LAST_DAY)
STAFF_CHAT = 5550001
MAILBOX = "uyum@zeytinburnu.bel.tr"


async def _cohort(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        await build_digest_cohort(session)
        await session.commit()


async def test_the_digest_is_printed_without_anyone_s_personal_data(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _cohort(sessions)
    out = (await reslog(cli_env, "digest", *WEEK)).ok()
    assert "Zeytinburnu" in out and "<5" in out
    assert not any(value in out for value in (PHONE, TC_NUMBER, *EMAILS))
    arabic = (await reslog(cli_env, "digest", *WEEK, "--language", "ar")).ok()
    assert "الأعضاء الجدد" in arabic
    quiet = (await reslog(cli_env, "digest", *WEEK[:4], "--through", "2020-01-31")).ok()
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
    ):
        (await reslog(cli_env, *args)).ok()
    union = ("--union", "marmara", "--period", "7d", "--through", LAST_DAY)
    out = (await reslog(cli_env, "digest", *union)).ok()
    assert "Marmara Belediyeler Birliği" in out
    assert "Zeytinburnu" in out and "Küçükköy" in out
    assert not any(value in out for value in (PHONE, TC_NUMBER, *EMAILS))
    written = (await reslog(cli_env, "digest", *union, "--out", tmp_path / "u")).ok().split()
    assert any(path.endswith(".xlsx") for path in written)
