"""`reslog municipality` and `reslog assembly`: create and list them, set an assembly's profile."""

from __future__ import annotations

import argparse
import json
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import (
    CliError,
    about,
    add_json_flag,
    database,
    parse_names,
    print_table,
    read_text_file,
    run_async,
)
from bot.settings import Settings
from handlers.i18n.core import LANGUAGES
from handlers.participants.profile_file import parse_profile
from storage.assemblies import assembly_by_code
from storage.models import DEFAULT_SUPPRESSION_K, Assembly, Municipality

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
JOIN_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,31}$")


async def municipality_by_slug(session: AsyncSession, slug: str) -> Municipality:
    """The municipality with this slug, or a CliError."""
    found = (
        await session.execute(select(Municipality).where(Municipality.slug == slug))
    ).scalar_one_or_none()
    if found is None:
        raise CliError(f"no municipality {slug!r}; `reslog municipality list` shows them")
    return found


async def require_assembly(session: AsyncSession, code: str) -> Assembly:
    """The assembly with this join code, or a CliError."""
    assembly = await assembly_by_code(session, code)
    if assembly is None:
        raise CliError(f"no assembly has the join code {code!r}; `reslog assembly list` shows them")
    return assembly


async def _create_municipality(args: argparse.Namespace, settings: Settings) -> int:
    """Create a municipality."""
    if not SLUG.match(args.slug):
        raise CliError(f"slug {args.slug!r} must be lower-case letters, digits and dashes")
    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CliError(f"time zone {args.timezone!r} is unknown (like Europe/Istanbul)") from None
    if args.k < 2:
        raise CliError("the suppression threshold --k must be at least 2")
    names = parse_names(args.name, "name")
    async with database(settings) as session:
        if (
            await session.execute(select(Municipality.id).where(Municipality.slug == args.slug))
        ).first():
            raise CliError(f"municipality {args.slug!r} exists already")
        session.add(
            Municipality(slug=args.slug, name=names, timezone=args.timezone, suppression_k=args.k)
        )
        await session.commit()
    print(f"created municipality {args.slug}")
    return 0


async def _list_municipalities(args: argparse.Namespace, settings: Settings) -> int:
    """List municipalities."""
    async with database(settings) as session:
        rows = list(
            (await session.execute(select(Municipality).order_by(Municipality.slug))).scalars()
        )
    if args.json:
        print(
            json.dumps(
                [
                    {"slug": m.slug, "name": m.name, "timezone": m.timezone, "k": m.suppression_k}
                    for m in rows
                ],
                ensure_ascii=False,
            )
        )
    else:
        print_table(
            [
                [
                    m.slug,
                    m.name.get("tr") or next(iter(m.name.values())),
                    m.timezone,
                    m.suppression_k,
                ]
                for m in rows
            ],
            ["slug", "name", "time zone", "K"],
        )
    return 0


def _read_profile(path: str, languages: tuple[str, ...]) -> list[dict[str, object]]:
    """Read a profile file; errors name the file and line."""
    text = read_text_file(path)
    with about(f"{path}: "):
        return list(parse_profile(text, languages)[1])


async def _create_assembly(args: argparse.Namespace, settings: Settings) -> int:
    """Create an assembly."""
    code = args.code.strip().upper()
    if not JOIN_CODE.match(code):
        raise CliError(f"join code {args.code!r} must be 3 to 32 letters, digits, _ or -")
    languages = tuple(lang.strip() for lang in args.languages.split(",") if lang.strip())
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if unknown or not languages:
        raise CliError(
            f"--languages takes a list of {', '.join(LANGUAGES)}, not {args.languages!r}"
        )
    names = parse_names(args.name, "name")
    missing = [lang for lang in languages if lang not in names]
    if missing:
        raise CliError(
            f"the assembly has no name in {', '.join(missing)} (add --name {missing[0]}=...)"
        )
    profile = _read_profile(args.profile, languages) if args.profile else []
    async with database(settings) as session:
        municipality = await municipality_by_slug(session, args.municipality)
        if await assembly_by_code(session, code) is not None:
            raise CliError(f"the join code {code} is taken already")
        session.add(
            Assembly(
                municipality_id=municipality.id,
                join_code=code,
                name=names,
                languages=list(languages),
                profile=profile,
            )
        )
        await session.commit()
    print(f"created assembly {code}")
    return 0


async def _set_profile(args: argparse.Namespace, settings: Settings) -> int:
    """Replace an assembly's registration profile."""
    async with database(settings) as session:
        assembly = await require_assembly(session, args.code)
        assembly.profile = _read_profile(args.file, tuple(assembly.languages))
        await session.commit()
        print(f"assembly {assembly.join_code} now asks {len(assembly.profile)} profile questions")
    return 0


async def _list_assemblies(args: argparse.Namespace, settings: Settings) -> int:
    """List assemblies."""
    async with database(settings) as session:
        rows = list(
            (await session.execute(select(Assembly).order_by(Assembly.join_code)))
            .unique()
            .scalars()
        )
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "code": a.join_code,
                        "municipality": a.municipality.slug,
                        "name": a.name,
                        "languages": a.languages,
                    }
                    for a in rows
                ],
                ensure_ascii=False,
            )
        )
    else:
        print_table(
            [
                [
                    a.join_code,
                    a.municipality.slug,
                    a.name.get("tr") or next(iter(a.name.values())),
                    ",".join(a.languages),
                    len(a.profile),
                ]
                for a in rows
            ],
            ["code", "municipality", "name", "languages", "profile questions"],
        )
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the municipality and assembly commands."""
    municipality = commands.add_parser(
        "municipality", help="create and list municipalities", description="Municipalities."
    )
    m_commands = municipality.add_subparsers(dest="municipality_command", required=True)
    create = m_commands.add_parser(
        "create", help="create a municipality", description="Create a municipality."
    )
    create.add_argument("slug", help="short name, like zeytinburnu")
    create.add_argument(
        "--name",
        action="append",
        required=True,
        help="name in one language, like tr='Zeytinburnu Belediyesi' (repeat per language)",
    )
    create.add_argument(
        "--timezone", default="Europe/Istanbul", help="time zone (default Europe/Istanbul)"
    )
    create.add_argument(
        "--k",
        type=int,
        default=DEFAULT_SUPPRESSION_K,
        help=f"counts under K are shown as <K (default {DEFAULT_SUPPRESSION_K})",
    )
    create.set_defaults(func=run_async(_create_municipality))
    listing = m_commands.add_parser(
        "list", help="list municipalities", description="List municipalities."
    )
    add_json_flag(listing)
    listing.set_defaults(func=run_async(_list_municipalities))

    assembly = commands.add_parser(
        "assembly", help="create and list assemblies", description="Assemblies."
    )
    a_commands = assembly.add_subparsers(dest="assembly_command", required=True)
    create = a_commands.add_parser(
        "create",
        help="create an assembly",
        description="Create an assembly people join with its code.",
    )
    create.add_argument("code", help="join code, like ZEYTINBURNU (used in links and on posters)")
    create.add_argument("--municipality", required=True, help="the municipality's slug")
    create.add_argument(
        "--name",
        action="append",
        required=True,
        help="name in one language, like ar='مجلس زيتين بورنو' (repeat per language)",
    )
    create.add_argument(
        "--languages",
        default="tr,ar,en",
        help="languages of the assembly's content (default tr,ar,en)",
    )
    create.add_argument("--profile", help="a registration profile YAML file")
    create.set_defaults(func=run_async(_create_assembly))
    profile = a_commands.add_parser(
        "profile",
        help="set an assembly's registration profile",
        description="Replace an assembly's registration profile from a YAML file.",
    )
    profile.add_argument("code", help="the assembly's join code")
    profile.add_argument("file", help="the profile YAML file")
    profile.set_defaults(func=run_async(_set_profile))
    listing = a_commands.add_parser("list", help="list assemblies", description="List assemblies.")
    add_json_flag(listing)
    listing.set_defaults(func=run_async(_list_assemblies))
