"""`reslog union`: create unions of municipalities, add and remove their members, list them."""

from __future__ import annotations

import argparse
import json

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.assembly import SLUG, municipality_by_slug
from bot.cli.common import CliError, add_json_flag, database, parse_names, print_table, run_async
from bot.settings import Settings
from storage.models import DEFAULT_SUPPRESSION_K, MunicipalUnion
from storage.unions import (
    LEVELS,
    REGIONAL,
    add_member,
    create_union,
    list_unions,
    remove_member,
    union_by_slug,
    union_members,
)


async def require_union(session: AsyncSession, slug: str) -> MunicipalUnion:
    """The union with this slug, or a CliError."""
    found = await union_by_slug(session, slug)
    if found is None:
        raise CliError(f"no union {slug!r}; `reslog union list` shows them")
    return found


async def _create(args: argparse.Namespace, settings: Settings) -> int:
    """Create a union."""
    if not SLUG.match(args.slug):
        raise CliError(f"slug {args.slug!r} must be lower-case letters, digits and dashes")
    names = parse_names(args.name, "name")
    async with database(settings) as session:
        await create_union(
            session, args.slug, names, level=args.level, timezone=args.timezone, k=args.k
        )
        await session.commit()
    print(f"created {args.level} union {args.slug}")
    return 0


async def _change(args: argparse.Namespace, settings: Settings) -> int:
    """Add or remove one member."""
    adding = args.union_command == "add"
    async with database(settings) as session:
        union = await require_union(session, args.slug)
        municipality = (
            await municipality_by_slug(session, args.municipality) if args.municipality else None
        )
        member_union = await require_union(session, args.union) if args.union else None
        member = f"municipality {args.municipality}" if municipality else f"union {args.union}"
        if adding:
            changed = await add_member(
                session, union, municipality=municipality, member_union=member_union
            )
        else:
            changed = await remove_member(
                session, union, municipality=municipality, member_union=member_union
            )
        if not changed and not adding:
            raise CliError(f"{member} is not a member of union {union.slug}")
        await session.commit()
    if adding:
        print(
            f"added {member} to union {union.slug}" if changed else f"{member} is a member already"
        )
    else:
        print(f"removed {member} from union {union.slug}")
    return 0


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    """List unions with their members."""
    async with database(settings) as session:
        unions = await list_unions(session)
        members = {u.id: await union_members(session, u.id) for u in unions}
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "slug": u.slug,
                        "name": u.name,
                        "level": u.level,
                        "timezone": u.timezone,
                        "k": u.suppression_k,
                        "municipalities": [m.slug for m in members[u.id].municipalities],
                        "unions": [m.slug for m in members[u.id].unions],
                    }
                    for u in unions
                ],
                ensure_ascii=False,
            )
        )
        return 0
    rows = [
        [
            u.slug,
            u.name.get("tr") or next(iter(u.name.values())),
            u.level,
            u.timezone,
            u.suppression_k,
            ", ".join(
                [m.slug for m in members[u.id].municipalities]
                + [f"union:{m.slug}" for m in members[u.id].unions]
            )
            or "-",
        ]
        for u in unions
    ]
    print_table(rows, ["slug", "name", "level", "time zone", "K", "members"])
    return 0


def _member_flags(parser: argparse.ArgumentParser) -> None:
    """The union's slug and exactly one member: a municipality or a union."""
    parser.add_argument("slug", help="the union's slug")
    member = parser.add_mutually_exclusive_group(required=True)
    member.add_argument("--municipality", help="a municipality's slug")
    member.add_argument("--union", help="another union's slug (members of a national union)")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the union commands."""
    union = commands.add_parser(
        "union",
        help="unions of municipalities (regional, national) and their members",
        description="Unions of municipalities: a regional union's members are municipalities, "
        "a national union's are municipalities and other unions. A union's digest sets its "
        "members side by side.",
    )
    u_commands = union.add_subparsers(dest="union_command", required=True)
    create = u_commands.add_parser("create", help="create a union", description="Create a union.")
    create.add_argument("slug", help="short name, like marmara")
    create.add_argument(
        "--name",
        action="append",
        required=True,
        help="name in one language, like tr='Marmara Belediyeler Birliği' (repeat per language)",
    )
    create.add_argument(
        "--level", choices=LEVELS, default=REGIONAL, help="regional or national (default regional)"
    )
    create.add_argument(
        "--timezone", default="Europe/Istanbul", help="time zone (default Europe/Istanbul)"
    )
    create.add_argument(
        "--k",
        type=int,
        default=DEFAULT_SUPPRESSION_K,
        help=f"the union's own suppression threshold (default {DEFAULT_SUPPRESSION_K}); "
        "a roll-up uses the highest of it and its members'",
    )
    create.set_defaults(func=run_async(_create))
    add = u_commands.add_parser(
        "add",
        help="add a municipality or a union to a union",
        description="Add a member; a union never contains itself, and a regional union has "
        "municipalities only.",
    )
    _member_flags(add)
    add.set_defaults(func=run_async(_change))
    remove = u_commands.add_parser(
        "remove", help="remove a member from a union", description="Remove a member of a union."
    )
    _member_flags(remove)
    remove.set_defaults(func=run_async(_change))
    listing = u_commands.add_parser(
        "list", help="list unions and their members", description="List unions with members."
    )
    add_json_flag(listing)
    listing.set_defaults(func=run_async(_list))
