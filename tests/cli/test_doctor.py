"""`reslog doctor` against the fake Bot API, the fake Twilio API and a real SMTP server: every
check passing on a deployment that is right, and each one seen failing once, with the others
still run and the exit status 1."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.notices.queue import queue_notice
from storage.base import utcnow
from storage.crypto import AddressCipher, generate_secret_key
from storage.digest_settings import add_recipient, setting_for
from storage.models import Municipality, Notice, OutboxMessage
from storage.vocabulary import OutboxStatus
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.smtp import FakeSmtp
from tests.support.cli import Run, reslog
from tests.support.members import Member, add_members, draft_notice
from tests.support.processes import free_port
from tests.support.whatsapp_outbound import TEMPLATES, fake_twilio, twilio_env

WEBHOOK_URL = "https://bot.example.org/telegram/webhook"
LOGIN = ("ozet", "a-good-password")


def _lines(run: Run) -> dict[str, str]:
    """Each check's line by its name."""
    lines = {}
    for line in run.stdout.splitlines():
        mark, _sep, rest = line.partition(" ")
        name, _sep, detail = rest.partition(": ")
        lines[name] = f"{mark} {detail}"
    return lines


async def _set_webhook(fake: FakeBotApi, url: str) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{fake.base_url}{fake.token}/setWebhook", json={"url": url})
        assert answer.json()["ok"]


async def test_a_deployment_that_is_right_passes_every_check(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
) -> None:
    await add_members(sessions, cipher, None, demo, [Member(8_800_001, "ar")])
    async with sessions() as session:
        municipality = (await session.execute(Municipality.__table__.select())).first()
        assert municipality is not None
        setting = await setting_for(session, municipality_id=municipality.id)
        await add_recipient(session, cipher, setting, "email", "ozet@example.org")
        await session.commit()
    slug = municipality.slug
    contact = (
        await reslog(cli_env, "privacy", "contact", "--municipality", slug, "kvkk@x.org")
    ).ok()
    assert "kvkk@x.org" in contact
    assert "retention run" in (await reslog(cli_env, "retention", "run")).ok()
    async with FakeBotApi() as fake, fake_twilio() as twilio, FakeSmtp(credentials=LOGIN) as mail:
        await _set_webhook(fake, WEBHOOK_URL)
        env = {
            **cli_env,
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
            "SMTP_URL": mail.url(*LOGIN),
            "SMTP_FROM": "ozet@reslog.example",
            **twilio_env(twilio),
        }
        run = await reslog(env, "doctor")
    assert run.returncode == 0, run.stdout
    lines = _lines(run)
    assert set(lines) == {
        "settings",
        "database",
        "secret key",
        "outbox",
        "digest recipients",
        "privacy contact",
        "retention purge",
        "telegram token",
        "telegram webhook",
        "telegram deliveries",
        "twilio",
        "whatsapp templates",
        "smtp",
    }
    assert all(line.startswith("✓") for line in lines.values()), run.stdout
    assert lines["secret key"] == "✓ opens the stored addresses"
    assert lines["telegram webhook"] == f"✓ {WEBHOOK_URL}"


async def test_each_check_fails_with_what_to_do_and_the_others_still_run(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    tmp_path: Path,
) -> None:
    await add_members(sessions, cipher, None, demo, [Member(8_800_002, "tr")])
    async with sessions() as session:  # no contact for people's rights
        await session.execute(update(Municipality).values(privacy_contact=None))
        await session.commit()
    async with sessions() as session:  # a message stuck "sending" for an hour
        notice = await session.get(Notice, await draft_notice(sessions, demo))
        assert notice is not None
        await queue_notice(session, notice, utcnow())
        await session.execute(
            update(OutboxMessage).values(
                status=OutboxStatus.SENDING, claimed_at=utcnow() - timedelta(hours=1)
            )
        )
        await session.commit()
    async with FakeBotApi() as fake, fake_twilio() as twilio, FakeSmtp(credentials=LOGIN) as mail:
        await _set_webhook(fake, "https://elsewhere.example.org/hook")
        fake.state.webhook_error = (int(time.time()) - 60, "Wrong response from the webhook: 502")
        env = {
            **cli_env,
            "RESLOG_SECRET_KEY": generate_secret_key(),  # not the key the addresses were written with
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
            "SMTP_URL": mail.url(LOGIN[0], "the-wrong-password"),
            "SMTP_FROM": "ozet@reslog.example",
            **twilio_env(twilio, WHATSAPP_TEMPLATES=f"tr={TEMPLATES['tr']}"),
        }
        run = await reslog(env, "doctor")
        assert run.returncode == 1
        lines = _lines(run)
        assert lines["database"].startswith("✓")
        assert lines["secret key"].startswith("✗ does not open the stored addresses")
        assert lines["outbox"].startswith("✗ 1 messages have been marked as being sent")
        assert lines["digest recipients"].startswith("✗ no one receives the digests of")
        assert (
            lines["privacy contact"].startswith("✗ ")
            and "reslog privacy contact" in lines["privacy contact"]
        )
        assert lines["retention purge"].startswith("✗ has never run: is `reslog worker` running?")
        assert lines["telegram webhook"].startswith(
            "✗ registered at https://elsewhere.example.org/hook, not " + WEBHOOK_URL
        )
        assert lines["telegram deliveries"] == (
            "✗ Telegram's last error: Wrong response from the webhook: 502"
        )
        assert lines["whatsapp templates"].startswith("✗ no template for ar, en")
        assert lines["smtp"].startswith("✗ ") and "refused" in lines["smtp"]

        closed = f"http://127.0.0.1:{free_port()}/bot"
        wrong = {
            **env,
            "TELEGRAM_API_BASE_URL": closed,  # no network to Telegram
            "TWILIO_AUTH_TOKEN": "not-the-auth-token",
        }
        run = await reslog(wrong, "doctor")
        lines = _lines(run)
        assert run.returncode == 1
        assert lines["telegram"].startswith("✗ refused or out of reach")
        assert lines["twilio"].startswith("✗ refused or out of reach")
        assert lines["database"].startswith("✓") and "smtp" in lines  # the others still ran

        refused = await reslog({**env, "TELEGRAM_BOT_TOKEN": "123456:not-the-token"}, "doctor")
        assert _lines(refused)["telegram"].startswith("✗ refused or out of reach (")

    empty = {**cli_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'never-migrated.db'}"}
    lines = _lines(await reslog(empty, "doctor"))
    assert lines["database"] == "✗ has no schema yet: run `reslog db upgrade`"

    bad = await reslog({**cli_env, "LOG_FORMAT": "xml"}, "doctor")
    assert bad.returncode == 1
    assert bad.stdout.strip() == "✗ settings: LOG_FORMAT 'xml' must be one of: text, json"
