"""Each check of a deployment: the database, the secret key, the outbox, the digests, the
privacy contacts and the retention purge, Telegram, Twilio and the SMTP server. A check that cannot reach what it checks fails with the reason;
the others still run."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import aiosmtplib
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import TelegramError

from bot.channels.telegram.app import file_base_url
from bot.channels.whatsapp.sender import whatsapp_sender
from bot.settings import Settings, SettingsError
from storage.base import utcnow
from storage.destructions import last_finished_run
from storage.health import (
    a_stored_address,
    anyone_kept,
    assembly_languages,
    municipalities_without_privacy_contact,
    municipalities_without_recipients,
    schema_revision,
    stuck_rows,
)
from storage.migrate import alembic_config

TIMEOUT = 10.0  # seconds for each check that goes over the network
STUCK_AFTER = timedelta(minutes=10)
PURGE_LATE = timedelta(days=2)  # the worker runs it daily


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    ok: bool
    name: str
    detail: str

    def line(self) -> str:
        """``✓ name: detail`` or ``✗ name: detail``."""
        return f"{'✓' if self.ok else '✗'} {self.name}: {self.detail}"


Sessions = async_sessionmaker[AsyncSession]


async def database(settings: Settings, sessions: Sessions) -> list[Check]:
    """Reachable, and at the latest migration."""
    head = ScriptDirectory.from_config(alembic_config(settings.database_url)).get_current_head()
    try:
        async with sessions() as session:
            revision = await asyncio.wait_for(schema_revision(session), TIMEOUT)
    except Exception as error:
        return [Check(False, "database", f"cannot be reached ({_reason(error)})")]
    if revision is None:
        return [Check(False, "database", "has no schema yet: run `reslog db upgrade`")]
    if revision != head:
        return [
            Check(
                False,
                "database",
                f"is at revision {revision}, the code expects {head}: run `reslog db upgrade`",
            )
        ]
    return [Check(True, "database", f"reachable, at the latest revision ({head})")]


async def secret_key(settings: Settings, sessions: Sessions) -> list[Check]:
    """The key opens the addresses already stored."""
    try:
        cipher = settings.cipher()
        async with sessions() as session:
            stored = await a_stored_address(session)
    except SettingsError as error:
        return [Check(False, "secret key", str(error))]
    except Exception as error:
        return [Check(False, "secret key", f"could not be tried ({_reason(error)})")]
    if stored is None:
        return [Check(True, "secret key", "readable (no address stored yet to try it on)")]
    try:
        cipher.decrypt(stored)
    except ValueError:
        return [
            Check(
                False,
                "secret key",
                "does not open the stored addresses: this is not the key they were written"
                " with; restore the right RESLOG_SECRET_KEY",
            )
        ]
    return [Check(True, "secret key", "opens the stored addresses")]


async def outbox(settings: Settings, sessions: Sessions) -> list[Check]:
    """No row left marked as being sent."""
    try:
        async with sessions() as session:
            stuck = await stuck_rows(session, utcnow() - STUCK_AFTER)
    except Exception as error:
        return [Check(False, "outbox", f"could not be read ({_reason(error)})")]
    if stuck:
        return [
            Check(
                False,
                "outbox",
                f"{stuck} messages have been marked as being sent for over 10 minutes: is"
                " `reslog worker` running? Started again, it settles them",
            )
        ]
    return [Check(True, "outbox", "no message stuck on its way")]


async def digests(settings: Settings, sessions: Sessions) -> list[Check]:
    """Each municipality's digests reach someone."""
    try:
        async with sessions() as session:
            missing = await municipalities_without_recipients(session)
    except Exception as error:
        return [Check(False, "digest recipients", f"could not be read ({_reason(error)})")]
    if missing:
        return [
            Check(
                False,
                "digest recipients",
                f"no one receives the digests of {', '.join(missing)}: add someone with"
                " `reslog digest-settings --municipality SLUG --add-email ADDRESS`",
            )
        ]
    return [Check(True, "digest recipients", "every municipality's digests reach someone")]


async def privacy(settings: Settings, sessions: Sessions) -> list[Check]:
    """Each municipality names a contact for people's rights, and the purge runs."""
    try:
        async with sessions() as session:
            missing = await municipalities_without_privacy_contact(session)
            last = await last_finished_run(session)
            kept = await anyone_kept(session)
    except Exception as error:
        return [Check(False, "privacy", f"could not be read ({_reason(error)})")]
    checks = [
        Check(
            False,
            "privacy contact",
            f"{', '.join(missing)} name no contact for people's data-protection rights: set"
            " one with `reslog privacy contact --municipality SLUG TEXT`",
        )
        if missing
        else Check(True, "privacy contact", "every municipality names one")
    ]
    if kept and (last is None or utcnow() - last > PURGE_LATE):
        since = "has never run" if last is None else f"last ran {last:%Y-%m-%d %H:%M} UTC"
        checks.append(
            Check(
                False,
                "retention purge",
                f"{since}: is `reslog worker` running? (`reslog retention run` runs it now)",
            )
        )
    else:
        checks.append(Check(True, "retention purge", "ran within the last two days"))
    return checks


async def telegram(settings: Settings, sessions: Sessions) -> list[Check]:
    """The token is valid, and the webhook is where the settings say."""
    if settings.telegram_bot_token is None:
        return []
    bot = Bot(
        str(settings.telegram_bot_token),
        base_url=settings.telegram_api_base_url,
        base_file_url=file_base_url(settings.telegram_api_base_url),
    )
    try:
        async with bot:
            me = await asyncio.wait_for(bot.get_me(), TIMEOUT)
            info = await asyncio.wait_for(bot.get_webhook_info(), TIMEOUT)
    except (TelegramError, TimeoutError, OSError) as error:
        return [Check(False, "telegram", f"refused or out of reach ({_reason(error)})")]
    checks = [Check(True, "telegram token", f"valid, the bot is @{me.username}")]
    wanted = settings.telegram_webhook_url
    if wanted is not None and info.url != wanted:
        shown = info.url or "none"
        detail = f"registered at {shown}, not {wanted}: start `reslog serve`, which registers it"
        checks.append(Check(False, "telegram webhook", detail))
    elif wanted is None and info.url:
        detail = f"one is set at {info.url}, so `reslog run` cannot poll: use `reslog serve`"
        checks.append(Check(False, "telegram webhook", detail))
    else:
        checks.append(Check(True, "telegram webhook", f"{wanted or 'none (polling)'}"))
    if info.last_error_message:
        checks.append(
            Check(False, "telegram deliveries", f"Telegram's last error: {info.last_error_message}")
        )
    else:
        pending = info.pending_update_count
        checks.append(Check(True, "telegram deliveries", f"no error, {pending} updates waiting"))
    return checks


async def whatsapp(settings: Settings, sessions: Sessions) -> list[Check]:
    """Twilio takes the credentials, and each language spoken has a template."""
    whatsapp_settings = settings.whatsapp
    if whatsapp_settings is None:
        return []
    try:
        async with asyncio.timeout(TIMEOUT), whatsapp_sender(whatsapp_settings):
            pass
    except (SettingsError, TimeoutError, OSError) as error:
        return [Check(False, "twilio", f"refused or out of reach ({_reason(error)})")]
    checks = [Check(True, "twilio", f"credentials accepted, sender {whatsapp_settings.sender}")]
    async with sessions() as session:
        spoken = await assembly_languages(session)
    missing = sorted(spoken - set(whatsapp_settings.templates))
    if missing:
        detail = (
            f"no template for {', '.join(missing)}: messages outside the 24-hour window fail;"
            " add them to WHATSAPP_TEMPLATES"
        )
        checks.append(Check(False, "whatsapp templates", detail))
    else:
        checks.append(Check(True, "whatsapp templates", "one for every language spoken"))
    return checks


async def smtp(settings: Settings, sessions: Sessions) -> list[Check]:
    """The SMTP server takes the login (nothing is sent)."""
    server = settings.smtp
    if server is None:
        return []
    where = f"{server.host}:{server.port}"
    client = aiosmtplib.SMTP(
        hostname=server.host,
        port=server.port,
        use_tls=server.use_tls,
        start_tls=server.start_tls,
        timeout=TIMEOUT,
    )
    try:
        await client.connect()
        if server.username is not None:
            password = str(server.password) if server.password is not None else ""
            await client.login(server.username, password)
        await client.quit()
    except (aiosmtplib.SMTPException, OSError) as error:
        return [Check(False, "smtp", f"{where} refused or out of reach ({_reason(error)})")]
    return [Check(True, "smtp", f"{where} takes the login")]


CHECKS: tuple[Callable[[Settings, Sessions], Awaitable[list[Check]]], ...] = (
    database,
    secret_key,
    outbox,
    digests,
    privacy,
    telegram,
    whatsapp,
    smtp,
)


def _reason(error: BaseException) -> str:
    """An error in one line."""
    text = str(error).strip().splitlines()
    return text[0][:200] if text and text[0] else type(error).__name__
