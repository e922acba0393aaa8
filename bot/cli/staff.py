"""`reslog staff add`: give a Telegram user a staff role (facilitator, municipal, administrator)."""

from __future__ import annotations

import argparse
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.assembly import require_assembly
from bot.cli.common import CliError, database, run_async
from bot.settings import Settings, bot_username
from handlers.staff.invite import STAFF_START
from storage.base import utcnow
from storage.models import Municipality, Staff
from storage.staff import (
    ADMINISTRATOR,
    FACILITATOR,
    INVITE_HASH_CHANNEL,
    MUNICIPAL,
    ROLES,
    create_invite,
    existing_staff,
    invite_token,
    remove_staff,
)

MAX_INVITE_DAYS = 30


def _role_scope(args: argparse.Namespace) -> str:
    """Check that the role names its place: an assembly, a municipality, or nothing (administrator)."""
    if args.role == FACILITATOR and (not args.assembly or args.municipality):
        raise CliError("a facilitator needs --assembly CODE (and no --municipality)")
    if args.role == MUNICIPAL and (not args.municipality or args.assembly):
        raise CliError("municipal staff need --municipality SLUG (and no --assembly)")
    if args.role == ADMINISTRATOR and (args.assembly or args.municipality):
        raise CliError(
            "an administrator has every assembly: give neither --assembly nor --municipality"
        )
    return str(args.role)


async def _place(
    session: AsyncSession, role: str, args: argparse.Namespace
) -> tuple[int | None, int | None, str]:
    """The assembly and municipality a role covers, and how to name them."""
    if role == FACILITATOR:
        assembly = await require_assembly(session, args.assembly)
        return assembly.id, assembly.municipality_id, assembly.join_code
    if role == MUNICIPAL:
        municipality = (
            await session.execute(
                select(Municipality).where(Municipality.slug == args.municipality)
            )
        ).scalar_one_or_none()
        if municipality is None:
            raise CliError(f"no municipality has the slug {args.municipality!r}")
        return None, municipality.id, municipality.slug
    return None, None, "every assembly"


async def _add(args: argparse.Namespace, settings: Settings) -> int:
    """Add a staff member by Telegram user id."""
    if not args.telegram_id.isdigit():
        raise CliError(f"--telegram-id must be a number, not {args.telegram_id!r}")
    role = _role_scope(args)
    cipher = settings.cipher()
    address_hash = cipher.lookup_hash("telegram", args.telegram_id)
    async with database(settings) as session:
        assembly_id, municipality_id, where = await _place(session, role, args)
        exists = await existing_staff(
            session, "telegram", address_hash, role, assembly_id, municipality_id
        )
        if exists is not None:
            print(f"already {_a(role)} of {where}")
            return 0
        session.add(
            Staff(
                assembly_id=assembly_id,
                municipality_id=municipality_id,
                role=role,
                channel="telegram",
                address_hash=address_hash,
                address_enc=cipher.encrypt(args.telegram_id),
            )
        )
        await session.commit()
        print(f"added {_a(role)} to {where}")
    return 0


async def _remove(args: argparse.Namespace, settings: Settings) -> int:
    """Remove every staff role of a Telegram user (their encrypted id goes with them)."""
    if not args.telegram_id.isdigit():
        raise CliError(f"--telegram-id must be a number, not {args.telegram_id!r}")
    address_hash = settings.cipher().lookup_hash("telegram", args.telegram_id)
    async with database(settings) as session:
        removed = await remove_staff(session, "telegram", address_hash)
        await session.commit()
    if not removed:
        raise CliError(f"Telegram user {args.telegram_id} has no staff role")
    print(f"removed {removed} staff role{'s' if removed != 1 else ''} of that Telegram user")
    return 0


async def _invite(args: argparse.Namespace, settings: Settings) -> int:
    """A one-time link that makes whoever opens it staff."""
    role = _role_scope(args)
    if not 1 <= args.days <= MAX_INVITE_DAYS:
        raise CliError(f"--days must be from 1 to {MAX_INVITE_DAYS}, not {args.days}")
    username = bot_username(args.bot_username, "--bot-username") or settings.telegram_bot_username
    token = invite_token()
    async with database(settings) as session:
        assembly_id, municipality_id, where = await _place(session, role, args)
        await create_invite(
            session,
            settings.cipher().lookup_hash(INVITE_HASH_CHANNEL, token),
            role,
            utcnow() + timedelta(days=args.days),
            assembly_id=assembly_id,
            municipality_id=municipality_id,
        )
        await session.commit()
    payload = f"{STAFF_START}{token}"
    print(f"an invitation to be {_a(role)} of {where}; it works once, for {args.days} days:")
    print(f"https://t.me/{username}?start={payload}" if username else f"/start {payload}")
    return 0


def _a(role: str) -> str:
    """The role with its article."""
    return {
        FACILITATOR: "a facilitator",
        MUNICIPAL: "municipal staff",
        ADMINISTRATOR: "an administrator",
    }[role]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the staff commands."""
    staff = commands.add_parser(
        "staff", help="add, invite and remove staff", description="Staff of assemblies."
    )
    s_commands = staff.add_subparsers(dest="staff_command", required=True)
    add = s_commands.add_parser(
        "add",
        help="add a facilitator, municipal staff or an administrator by Telegram user id",
        description="Add staff by Telegram user id: a facilitator runs one assembly "
        "(--assembly), municipal staff every assembly of a municipality (--municipality), "
        "an administrator every assembly.",
    )
    add.add_argument("--assembly", help="the assembly's join code (facilitator)")
    add.add_argument("--municipality", help="the municipality's slug (municipal staff)")
    add.add_argument("--telegram-id", required=True, help="the person's numeric Telegram user id")
    add.add_argument(
        "--role", choices=ROLES, default=FACILITATOR, help="role (default facilitator)"
    )
    add.set_defaults(func=run_async(_add, need_secret=True))
    remove = s_commands.add_parser(
        "remove",
        help="remove every staff role of a Telegram user",
        description="Remove every staff role of a Telegram user, with their stored (encrypted) id.",
    )
    remove.add_argument(
        "--telegram-id", required=True, help="the person's numeric Telegram user id"
    )
    remove.set_defaults(func=run_async(_remove, need_secret=True))
    invite = s_commands.add_parser(
        "invite",
        help="a one-time link that makes whoever opens it staff",
        description="Print a one-time Telegram link (or the /start line to send the bot) "
        "that makes whoever opens it staff with this role; it expires after --days.",
    )
    invite.add_argument("--assembly", help="the assembly's join code (facilitator)")
    invite.add_argument("--municipality", help="the municipality's slug (municipal staff)")
    invite.add_argument(
        "--role", choices=ROLES, default=FACILITATOR, help="role (default facilitator)"
    )
    invite.add_argument(
        "--days",
        type=int,
        default=7,
        help=f"days it stays valid (1 to {MAX_INVITE_DAYS}, default 7)",
    )
    invite.add_argument(
        "--bot-username", help="the bot's username for the link (default TELEGRAM_BOT_USERNAME)"
    )
    invite.set_defaults(func=run_async(_invite, need_secret=True))
