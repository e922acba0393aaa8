"""`reslog digest`: a municipality's or a union's digest for a period, printed, written or sent.

Without ``--send`` or ``--out`` the digest's messages are printed as plain text. ``--out DIR``
writes every format (messages, charts, workbook, the e-mail) into a folder and sends nothing.
``--send`` sends it to the digest's recipients, recorded as the scheduler's digests are: a
period already sent is not sent again.

The period is one the digest's schedule produces (``handlers.digests.period.Schedule``): the
latest that has ended, or the one ``--through`` ends. Any other window needs
``--unsafe-period``, is warned about and logged, and is never sent.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.cli.assembly import municipality_by_slug
from bot.cli.common import CliError, database, run_async
from bot.cli.union import require_union
from bot.settings import Settings
from handlers.digests.failures import reason_text, recipient_name
from handlers.digests.period import (
    Schedule,
    days_before,
    last_day,
    last_days,
    parse_period,
)
from handlers.digests.report import Period
from handlers.i18n.core import LANGUAGES, use_language
from storage.base import utcnow
from storage.digest_runs import SENDING
from storage.digest_settings import setting_for
from storage.engine import create_engine, create_sessionmaker
from storage.models import DigestSetting

if TYPE_CHECKING:  # the digest's formats load matplotlib and openpyxl: only when a digest is made
    from telegram import Bot

    from bot.digests.job import RunResult

log = logging.getLogger(__name__)
UNSAFE_DEFAULT = "7d"


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


def _check_arguments(args: argparse.Namespace) -> int | None:
    """The period's length in days, if given; a CliError for options that do not go together."""
    if args.send and (args.language or args.k):
        raise CliError(
            "--language and --k apply to printing and --out; a digest sent goes as its "
            "settings say (reslog digest-settings)"
        )
    if args.send and args.unsafe_period:
        raise CliError(
            "a digest of an --unsafe-period window is never sent; print it or write it with --out"
        )
    return parse_period(args.period) if args.period is not None else None


def _scheduled(schedule: Schedule, days: int | None, through: date | None, now: datetime) -> Period:
    """The period the options name among the schedule's; a CliError naming the right ones."""
    unsafe = "; --unsafe-period allows any other window, printed or written only"
    if days is not None and days != schedule.days:
        raise CliError(
            f"--period {days}d is not the length of this digest's periods, "
            f"{schedule.describe()}: {schedule.days}d{unsafe}"
        )
    if through is None:
        return schedule.latest(now)
    if not schedule.ends_period(through):
        before, after = schedule.neighbours(through)
        raise CliError(
            f"{through} does not end a period of this digest: its periods are "
            f"{schedule.describe()}, such as through {before} or {after}{unsafe}"
        )
    period = schedule.through(through)
    if period.end > now:
        latest = last_day(schedule.latest(now))
        raise CliError(
            f"the period through {through} has not ended yet; the latest that has "
            f"ends on {latest}{unsafe}"
        )
    return period


def _unscheduled(
    schedule: Schedule, days: int | None, through: date | None, now: datetime, subject: str
) -> Period:
    """Any window (--unsafe-period): warned about on stderr and logged when the schedule would
    not produce it."""
    length = days if days is not None else parse_period(UNSAFE_DEFAULT)
    period = (
        days_before(through + timedelta(days=1), length, schedule.timezone)
        if through is not None
        else last_days(now, length, schedule.timezone)
    )
    if not schedule.produces(period):
        window = f"{length} days through {last_day(period)}"
        print(
            f"reslog: warning: {window} is not a period of this digest ({schedule.describe()}): "
            "set beside a digest of an overlapping period it gives away, by difference, "
            "counts under K; do not share it",
            file=sys.stderr,
        )
        log.warning("digest of an unscheduled window (--unsafe-period): %s, %s", window, subject)
    return period


async def _digest(args: argparse.Namespace, settings: Settings) -> int:
    """Print, write or send a digest."""
    from bot.digests.files import write_folder, write_formats
    from bot.digests.formats.email import plain_text
    from bot.digests.job import build_digest

    days = _check_arguments(args)
    now = utcnow()
    async with database(settings) as session:
        setting, timezone = await _setting(session, args)
        await session.commit()
        schedule = Schedule(setting.frequency, setting.weekday, timezone)
        subject = args.municipality or f"union {args.union}"
        subject += f" written to {args.out}" if args.out else " printed"
        period = (
            _unscheduled(schedule, days, args.through, now, subject)
            if args.unsafe_period
            else _scheduled(schedule, days, args.through, now)
        )
        if args.send:
            setting_id = setting.id
        else:
            digest = await build_digest(
                session,
                setting,
                period,
                now,
                language=args.language,
                k=args.k,
                audience=None if args.unsafe_period else f"reslog digest, {subject}",
            )
            await session.commit()
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
    from bot.digests.delivery import DigestChannels
    from bot.digests.job import run_digest

    return await run_digest(
        create_sessionmaker(engine),
        settings.cipher(),
        setting_id,
        period,
        DigestChannels(bot=bot, smtp=settings.smtp),
        now,
        "command",
    )


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
    if result.status == SENDING:
        print("digest sending: the worker tries the others again in a few minutes")
    else:
        print(f"digest {result.status}")
    return 0 if not result.undelivered else 1


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `reslog digest`."""
    parser = commands.add_parser(
        "digest",
        help="print, write (--out) or send (--send) a digest for a period",
        description=(
            "A digest covers one of the periods its schedule produces (reslog digest-settings): "
            "whole local days when it is daily, weeks ending the day before its weekday when it "
            "is weekly or off (off: weekly on Mondays unless a weekday is set). Without "
            "--through it is the latest that has ended. Two digests of overlapping windows give "
            "away, by difference, the counts under K that differ between them, so any other "
            "window needs --unsafe-period and is never sent."
        ),
    )
    subject = parser.add_mutually_exclusive_group(required=True)
    subject.add_argument("--municipality", help="the municipality's slug")
    subject.add_argument("--union", help="the union's slug")
    parser.add_argument(
        "--period",
        help="the period's length, which must be the digest's own (1d daily, 7d weekly); "
        "with --unsafe-period any, like 1d or 2w (default 7d)",
    )
    parser.add_argument(
        "--through",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the period's last day: one that ends a period of the digest "
        "(default: the latest period that has ended)",
    )
    parser.add_argument(
        "--unsafe-period",
        action="store_true",
        help="allow any window (--period, --through; default the 7 days before today): "
        "warned about, logged, never sent",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--send", action="store_true", help="send it to the digest's recipients")
    action.add_argument("--out", metavar="DIR", help="write every format into DIR, send nothing")
    parser.add_argument("--language", choices=LANGUAGES, help="the language (default: its setting)")
    parser.add_argument(
        "--k", type=int, help="a higher suppression threshold than the municipality's"
    )
    parser.set_defaults(func=run_async(_digest, need_secret=True))
