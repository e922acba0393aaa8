"""`reslog poll`: import a poll file, open and close polls, list them."""

from __future__ import annotations

import argparse

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.assembly import require_assembly
from bot.cli.common import CliError, database, print_table, read_text_file, run_async
from bot.settings import Settings
from handlers.poll_file import read_poll_file
from handlers.poll_lifecycle import PollStateError, close_poll, open_poll
from handlers.poll_update import CORRECTED, IMPORTED, REPLACED, PollFileResult, apply_poll_file
from handlers.yaml_lines import ContentFileError
from storage.models import Poll


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
        try:
            assembly, spec = await read_poll_file(session, text)
            result = await apply_poll_file(session, assembly, spec)
        except ContentFileError as exc:
            await session.rollback()
            raise CliError(f"{args.file}: {exc}") from None
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
    if poll.status == "draft":
        return "scheduled" if poll.opens_at is not None else "a draft"
    return poll.status


async def _change(args: argparse.Namespace, settings: Settings) -> int:
    """Open or close a poll."""
    async with database(settings) as session:
        poll = await require_poll(session, args.code, args.slug)
        try:
            reached = await (open_poll if args.action == "open" else close_poll)(session, poll)
        except PollStateError as exc:
            raise CliError(str(exc)) from None
        await session.commit()
    if args.action == "open":
        print(f"poll {args.slug} is open; {reached:,} members invited (`reslog worker` sends)")
    else:
        print(
            f"poll {args.slug} is closed; the results go to the {reached:,} members who answered"
            " (`reslog worker` sends)"
        )
    return 0


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    """List the polls of an assembly."""
    async with database(settings) as session:
        assembly = await require_assembly(session, args.code)
        polls = list(
            (
                await session.execute(
                    select(Poll).where(Poll.assembly_id == assembly.id).order_by(Poll.id)
                )
            ).scalars()
        )
    print_table(
        [
            [p.slug, p.status, len(p.questions), p.title.get("tr") or next(iter(p.title.values()))]
            for p in polls
        ],
        ["slug", "status", "questions", "title"],
    )
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the poll commands."""
    poll = commands.add_parser(
        "poll", help="import, open, close and list polls", description="Polls."
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
    listing = p_commands.add_parser(
        "list", help="list an assembly's polls", description="List an assembly's polls."
    )
    listing.add_argument("code", help="the assembly's join code")
    listing.set_defaults(func=run_async(_list))
