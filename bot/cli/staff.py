"""`reslog staff add`: make a Telegram user a facilitator of an assembly."""

from __future__ import annotations

import argparse

from sqlalchemy import select

from bot.cli.assembly import require_assembly
from bot.cli.common import CliError, database, run_async
from bot.settings import Settings
from storage.models import Staff

ROLES = ("facilitator",)


async def _add(args: argparse.Namespace, settings: Settings) -> int:
    """Add a staff member by Telegram user id."""
    if not args.telegram_id.isdigit():
        raise CliError(f"--telegram-id must be a number, not {args.telegram_id!r}")
    cipher = settings.cipher()
    address_hash = cipher.lookup_hash("telegram", args.telegram_id)
    async with database(settings) as session:
        assembly = await require_assembly(session, args.assembly)
        exists = await session.execute(
            select(Staff.id).where(
                Staff.assembly_id == assembly.id,
                Staff.channel == "telegram",
                Staff.address_hash == address_hash,
                Staff.role == args.role,
            )
        )
        if exists.first() is not None:
            print(f"already a {args.role} of {assembly.join_code}")
            return 0
        session.add(
            Staff(
                assembly_id=assembly.id,
                municipality_id=assembly.municipality_id,
                role=args.role,
                channel="telegram",
                address_hash=address_hash,
                address_enc=cipher.encrypt(args.telegram_id),
            )
        )
        await session.commit()
        print(f"added a {args.role} to {assembly.join_code}")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the staff commands."""
    staff = commands.add_parser(
        "staff", help="manage facilitators", description="Staff of assemblies."
    )
    s_commands = staff.add_subparsers(dest="staff_command", required=True)
    add = s_commands.add_parser(
        "add",
        help="add a facilitator by Telegram user id",
        description="Add a facilitator by Telegram user id.",
    )
    add.add_argument("--assembly", required=True, help="the assembly's join code")
    add.add_argument("--telegram-id", required=True, help="the person's numeric Telegram user id")
    add.add_argument(
        "--role", choices=ROLES, default="facilitator", help="role (default facilitator)"
    )
    add.set_defaults(func=run_async(_add, need_secret=True))
