"""`reslog digest`: a municipality's or a union's digest for a period, printed, written or sent.

Without ``--send`` or ``--out`` the digest's messages are printed as plain text. ``--out DIR``
writes every format (messages, charts, workbook, the e-mail) into a folder and sends nothing.
``--send`` sends it to the digest's recipients, recorded as the scheduler's digests are: a
period already sent is not sent again.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.cli.assembly import municipality_by_slug
from bot.cli.common import CliError, database, run_async
from bot.cli.union import require_union
from bot.settings import Settings
from handlers.digest_failures import reason_text, recipient_name
from handlers.digest_period import PeriodError, days_before, last_days, parse_period
from handlers.digest_report import Period
from handlers.i18n import LANGUAGES, use_language
from handlers.results import ResultsError
from storage.base import utcnow
from storage.digest_settings import setting_for
from storage.engine import create_engine, create_sessionmaker
from storage.models import DigestSetting

if TYPE_CHECKING:  # the digest's formats load matplotlib and openpyxl: only when a digest is made
    from telegram import Bot

    from bot.digest_job import RunResult


async def _setting(session: AsyncSession, args: argparse.Namespace) -> tuple[DigestSetting, str]:
    """The digest setting of the municipality or union asked for, and its time zone."""
    if args.municipality:
        municipality = await municipality_by_slug(session, args.municipality)
        return await setting_for(session, municipality_id=municipality.id), municipality.timezone
    union = await require_union(session, args.union)
    return await setting_for(session, union_id=union.id), union.timezone


def _day(text: str) -> date:
    """A calendar day as YYYY-MM-DD, for argparse."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day like 2026-11-30") from None


def _check_arguments(args: argparse.Namespace) -> int:
    """The period in days; a CliError for options that do not go together."""
    if args.send and (args.language or args.k):
        raise CliError(
            "--language and --k apply to printing and --out; a digest sent goes as its "
            "settings say (reslog digest-settings)"
        )
    try:
        return parse_period(args.period)
    except PeriodError as exc:
        raise CliError(str(exc)) from None


async def _digest(args: argparse.Namespace, settings: Settings) -> int:
    """Print, write or send a digest."""
    from bot.digest_email import plain_text
    from bot.digest_files import write_folder, write_formats
    from bot.digest_job import build_digest

    days = _check_arguments(args)
    now = utcnow()
    async with database(settings) as session:
        setting, timezone = await _setting(session, args)
        await session.commit()
        period = (
            days_before(args.through + timedelta(days=1), days, timezone)
            if args.through
            else last_days(now, days, timezone)
        )
        if args.send:
            setting_id = setting.id
        else:
            try:
                digest = await build_digest(
                    session, setting, period, now, language=args.language, k=args.k
                )
            except ResultsError as exc:
                raise CliError(str(exc)) from None
    if args.send:
        return await _send(settings, setting_id, period, now)
    files = write_formats(digest)
    if args.out:
        sender = settings.smtp.sender if settings.smtp else "reslog@localhost"
        for path in write_folder(files, Path(args.out), sender):
            print(path)
        return 0
    print(plain_text(files.messages))
    return 0


async def _send(settings: Settings, setting_id: int, period: Period, now: datetime) -> int:
    """Send the period's digest to its recipients; print what reached whom."""
    from bot.worker import telegram_bot

    engine = create_engine(settings.database_url)
    try:
        if settings.telegram_bot_token is not None:
            async with telegram_bot(settings) as bot:
                result = await _run(settings, engine, setting_id, period, now, bot)
        else:
            result = await _run(settings, engine, setting_id, period, now, None)
    finally:
        await engine.dispose()
    return _print_result(result)


async def _run(
    settings: Settings,
    engine: AsyncEngine,
    setting_id: int,
    period: Period,
    now: datetime,
    bot: Bot | None,
) -> RunResult:
    """Run the digest on the engine with the channels this process has."""
    from bot.digest_delivery import DigestChannels
    from bot.digest_job import DigestRunError, run_digest

    try:
        return await run_digest(
            create_sessionmaker(engine),
            settings.cipher(),
            setting_id,
            period,
            DigestChannels(bot=bot, smtp=settings.smtp),
            now,
            "command",
        )
    except DigestRunError as exc:
        raise CliError(str(exc)) from None


def _print_result(result: RunResult) -> int:
    """One line per recipient; 1 when any was not reached or the period was sent before."""
    if result.already is not None:
        raise CliError(
            f"this period's digest was already sent on {result.already.started_at:%Y-%m-%d %H:%M} UTC "
            f"({result.already.status}); nothing was sent again (--out DIR writes it)"
        )
    with use_language("en"):
        for address in result.reached:
            print(f"sent to {recipient_name(address.kind, address.address)}")
        for item in result.undelivered:
            print(
                f"NOT sent to {recipient_name(item.kind, item.address)}: {reason_text(item.reason)}"
            )
    if result.status == "sending":
        print("digest sending: the worker tries the others again in a few minutes")
    else:
        print(f"digest {result.status}")
    return 0 if not result.undelivered else 1


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `reslog digest`."""
    parser = commands.add_parser(
        "digest", help="print, write (--out) or send (--send) a digest for a period"
    )
    subject = parser.add_mutually_exclusive_group(required=True)
    subject.add_argument("--municipality", help="the municipality's slug")
    subject.add_argument("--union", help="the union's slug")
    parser.add_argument(
        "--period", default="7d", help="how many whole local days: 7d (default), 1d, 2w"
    )
    parser.add_argument(
        "--through",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the period's last day (default: yesterday, local time)",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--send", action="store_true", help="send it to the digest's recipients")
    action.add_argument("--out", metavar="DIR", help="write every format into DIR, send nothing")
    parser.add_argument("--language", choices=LANGUAGES, help="the language (default: its setting)")
    parser.add_argument(
        "--k", type=int, help="a higher suppression threshold than the municipality's"
    )
    parser.set_defaults(func=run_async(_digest, need_secret=True))
