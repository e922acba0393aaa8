"""`reslog poll`: import a poll file, open and close polls now or on a schedule, list them."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.assembly import require_assembly
from bot.cli.common import CliError, about, database, print_table, read_text_file, run_async
from bot.settings import Settings
from handlers.polls.file import read_poll_file
from handlers.polls.lifecycle import close_poll, open_poll
from handlers.polls.reminder import reminder_time
from handlers.polls.schedule import (
    clear_schedule,
    parse_lead_time,
    parse_local_time,
    schedule_poll,
)
from handlers.polls.update import CORRECTED, IMPORTED, REPLACED, PollFileResult, apply_poll_file
from handlers.privacy.headcount import Headcount
from handlers.results.by_language import municipality_k
from storage.base import utcnow
from storage.models import Assembly, Poll
from storage.vocabulary import PollStatus

LOCAL_TIME = "%Y-%m-%d %H:%M"
T = TypeVar("T")


async def require_poll(session: AsyncSession, code: str, slug: str) -> Poll:
    """The poll of this assembly with this slug, or a CliError."""
    assembly = await require_assembly(session, code)
    poll = (
        await session.execute(
            select(Poll).where(Poll.assembly_id == assembly.id, Poll.slug == slug)
        )
    ).scalar_one_or_none()
    if poll is None:
        raise CliError(
            f"assembly {assembly.join_code} has no poll {slug!r}; `reslog poll list {assembly.join_code}` shows them"
        )
    return poll


async def _import(args: argparse.Namespace, settings: Settings) -> int:
    """Import a poll file as a draft, or update the poll with its slug as far as it may change."""
    text = read_text_file(args.file)
    async with database(settings) as session:
        with about(f"{args.file}: "):  # the session rolls back what the file began
            assembly, spec = await read_poll_file(session, text)
            result = await apply_poll_file(session, assembly, spec)
        await session.commit()
        print(_imported(result))
    return 0


def _imported(result: PollFileResult) -> str:
    """What `reslog poll import` did, in one line."""
    poll = result.poll
    count = len(poll.questions)
    if result.action == IMPORTED:
        return (
            f"imported poll {poll.slug} ({count} questions) as a draft;"
            " open it with `reslog poll open`"
        )
    if result.action == REPLACED:
        return (
            f"replaced poll {poll.slug} ({count} questions): it had no answers yet, so its title,"
            f" questions and options are the file's now; it stays {_status(poll)}"
        )
    if result.action == CORRECTED:
        changed = len(result.changes)
        where = "; ".join(f"{c.where.english()} ({c.language})" for c in result.changes)
        return f"corrected {changed} text{'' if changed == 1 else 's'} of poll {poll.slug}: {where}"
    return f"poll {poll.slug} is unchanged: the file says what it says already"


def _status(poll: Poll) -> str:
    """A poll's status as a phrase ("a draft", "open", "scheduled")."""
    if poll.status == PollStatus.DRAFT:
        return "scheduled" if poll.opens_at is not None else "a draft"
    return poll.status


async def _change(args: argparse.Namespace, settings: Settings) -> int:
    """Open or close a poll."""
    async with database(settings) as session:
        poll = await require_poll(session, args.code, args.slug)
        count = await (open_poll if args.action == "open" else close_poll)(session, poll)
        reached = Headcount(count, await municipality_k(session, poll))
        await session.commit()
    if args.action == "open":
        print(
            f"poll {args.slug} is open; {reached.plain()} members invited (`reslog worker` sends)"
        )
    else:
        print(
            f"poll {args.slug} is closed; the results go to the {reached.plain()} members who"
            " answered (`reslog worker` sends)"
        )
    return 0


def local_time(moment: datetime | None, timezone: str) -> str:
    """A stored moment as the municipality's clock shows it ("" for none)."""
    return moment.astimezone(ZoneInfo(timezone)).strftime(LOCAL_TIME) if moment else ""


def lead_time(minutes: int) -> str:
    """A reminder's lead time, the way it is typed: 90m, 24h, 3d."""
    if minutes % (24 * 60) == 0 and minutes >= 2 * 24 * 60:
        return f"{minutes // (24 * 60)}d"
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def reminder_column(poll: Poll, assembly: Assembly) -> str:
    """What becomes of the poll's reminder, for the listing."""
    if poll.reminded_at is not None:
        return f"sent {local_time(poll.reminded_at, assembly.municipality.timezone)}"
    if poll.closes_at is None or poll.status == PollStatus.CLOSED:
        return ""
    if poll.remind_before_minutes == 0:
        return "none"
    if reminder_time(poll, assembly.municipality) is None:
        return "none (due before opening)"
    return f"{lead_time(poll.remind_before_minutes)} before"


def _schedule_args(args: argparse.Namespace) -> None:
    """Something to change, and --clear alone."""
    changes = [args.open, args.close, args.remind_before]
    if args.clear and any(value is not None for value in changes):
        raise CliError("--clear cannot be combined with --open, --close or --remind-before")
    if not args.clear and all(value is None for value in changes):
        raise CliError("nothing to change: give --open, --close, --remind-before or --clear")


def parse_option(option: str, value: str | None, parse: Callable[[str], T]) -> T | None:
    """An option's value parsed; a refusal names the option."""
    if value is None:
        return None
    with about(f"{option} "):
        return parse(value)


async def _schedule(args: argparse.Namespace, settings: Settings) -> int:
    """Set, change or clear when a poll opens and closes, and its reminder."""
    _schedule_args(args)
    async with database(settings) as session:
        poll = await require_poll(session, args.code, args.slug)
        assembly = await require_assembly(session, args.code)
        timezone = assembly.municipality.timezone
        if args.clear:
            await clear_schedule(session, poll)
        else:
            opens_at = parse_option("--open", args.open, lambda v: parse_local_time(v, timezone))
            closes_at = parse_option("--close", args.close, lambda v: parse_local_time(v, timezone))
            minutes = parse_option("--remind-before", args.remind_before, parse_lead_time)
            await schedule_poll(
                session,
                poll,
                opens_at=opens_at,
                closes_at=closes_at,
                remind_before_minutes=minutes,
                now=utcnow(),
            )
        await session.commit()
        print(_describe_schedule(poll, assembly))
    return 0


def _describe_schedule(poll: Poll, assembly: Assembly) -> str:
    """The poll's schedule in one sentence."""
    timezone = assembly.municipality.timezone
    if poll.opens_at is None and poll.closes_at is None:
        return f"poll {poll.slug} has no schedule: it opens and closes only with `reslog poll open|close`"
    parts = []
    if poll.status == PollStatus.DRAFT and poll.opens_at is not None:
        parts.append(f"opens {local_time(poll.opens_at, timezone)}")
    if poll.closes_at is not None:
        parts.append(f"closes {local_time(poll.closes_at, timezone)}")
    sentence = f"poll {poll.slug} {' and '.join(parts)} ({timezone})"
    reminder = reminder_column(poll, assembly)
    if poll.closes_at is not None and reminder.endswith(" before"):
        sentence += f"; a reminder goes {reminder} closing to members who have not answered"
    elif poll.closes_at is not None and reminder.startswith("none ("):
        sentence += "; no reminder: it would be due before the poll opens"
    elif poll.closes_at is not None and reminder.startswith("sent"):
        sentence += f"; its reminder was {reminder}"
    return sentence + " (`reslog worker` acts on it)"


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    """List the polls of an assembly, with their schedules."""
    async with database(settings) as session:
        assembly = await require_assembly(session, args.code)
        polls = list(
            (
                await session.execute(
                    select(Poll).where(Poll.assembly_id == assembly.id).order_by(Poll.id)
                )
            ).scalars()
        )
    timezone = assembly.municipality.timezone
    print_table(
        [
            [
                p.slug,
                p.status,
                len(p.questions),
                p.title.get("tr") or next(iter(p.title.values())),
                local_time(p.opens_at if p.status == PollStatus.DRAFT else p.opened_at, timezone),
                local_time(p.closes_at if p.status != PollStatus.CLOSED else p.closed_at, timezone),
                reminder_column(p, assembly),
            ]
            for p in polls
        ],
        ["slug", "status", "questions", "title", "opens", "closes", f"reminder ({timezone})"],
    )
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the poll commands."""
    poll = commands.add_parser(
        "poll", help="import, open, close, schedule and list polls", description="Polls."
    )
    p_commands = poll.add_subparsers(dest="poll_command", required=True)
    imp = p_commands.add_parser(
        "import",
        help="import a poll YAML file as a draft",
        description="Import a poll YAML file as a draft; a malformed file is refused whole.",
    )
    imp.add_argument("file", help="the poll YAML file")
    imp.set_defaults(func=run_async(_import))
    for action in ("open", "close"):
        sub = p_commands.add_parser(
            action, help=f"{action} a poll", description=f"{action.capitalize()} a poll."
        )
        sub.add_argument("code", help="the assembly's join code")
        sub.add_argument("slug", help="the poll's slug")
        sub.set_defaults(func=run_async(_change), action=action)
    schedule = p_commands.add_parser(
        "schedule",
        help="set when a poll opens and closes, and its reminder",
        description=(
            "Set when a poll opens and closes, in the municipality's local time (2026-12-05 10:00, "
            "2026-12-05T10:00 or 05.12.2026 10:00), and how long before closing the reminder "
            "goes to members who have not answered (90m, 24h, 2d; 0 for none; 24h unless set). "
            "`reslog worker` (or `reslog run`) opens, reminds and closes on time: members are "
            "invited when the poll opens, and those who answered get the results when it closes."
        ),
    )
    schedule.add_argument("code", help="the assembly's join code")
    schedule.add_argument("slug", help="the poll's slug")
    schedule.add_argument("--open", metavar="TIME", help="when the draft opens (local time)")
    schedule.add_argument("--close", metavar="TIME", help="when the poll closes (local time)")
    schedule.add_argument(
        "--remind-before",
        metavar="LEAD",
        help="how long before closing the reminder goes: 90m, 24h, 2d, or 0 for none",
    )
    schedule.add_argument(
        "--clear", action="store_true", help="forget the opening and closing times"
    )
    schedule.set_defaults(func=run_async(_schedule))
    listing = p_commands.add_parser(
        "list",
        help="list an assembly's polls",
        description="List an assembly's polls with their schedules, in the municipality's local time.",
    )
    listing.add_argument("code", help="the assembly's join code")
    listing.set_defaults(func=run_async(_list))
