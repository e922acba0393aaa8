"""`reslog staff add`: give a Telegram user a staff role (facilitator, municipal, administrator)."""

from __future__ import annotations

import argparse

from sqlalchemy import select

from bot.cli.assembly import require_assembly
from bot.cli.common import CliError, database, run_async
from bot.settings import Settings
from storage.models import Municipality, Staff
from storage.staff import ADMINISTRATOR, FACILITATOR, MUNICIPAL, ROLES


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


async def _add(args: argparse.Namespace, settings: Settings) -> int:
    """Add a staff member by Telegram user id."""
    if not args.telegram_id.isdigit():
        raise CliError(f"--telegram-id must be a number, not {args.telegram_id!r}")
    role = _role_scope(args)
    cipher = settings.cipher()
    address_hash = cipher.lookup_hash("telegram", args.telegram_id)
    async with database(settings) as session:
        assembly_id = municipality_id = None
        where = "every assembly"
        if role == FACILITATOR:
            assembly = await require_assembly(session, args.assembly)
            assembly_id, municipality_id = assembly.id, assembly.municipality_id
            where = assembly.join_code
        elif role == MUNICIPAL:
            municipality = (
                await session.execute(
                    select(Municipality).where(Municipality.slug == args.municipality)
                )
            ).scalar_one_or_none()
            if municipality is None:
                raise CliError(f"no municipality has the slug {args.municipality!r}")
            municipality_id, where = municipality.id, municipality.slug
        exists = await session.execute(
            select(Staff.id).where(
                Staff.assembly_id.is_(None)
                if assembly_id is None
                else Staff.assembly_id == assembly_id,
                Staff.municipality_id.is_(None)
                if municipality_id is None
                else Staff.municipality_id == municipality_id,
                Staff.channel == "telegram",
                Staff.address_hash == address_hash,
                Staff.role == role,
            )
        )
        if exists.first() is not None:
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
        "staff", help="manage facilitators", description="Staff of assemblies."
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
