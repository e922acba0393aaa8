"""`reslog demo seed`: a demo municipality and assembly with an open poll, from examples/."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import database, read_text_file, run_async
from bot.settings import Settings
from handlers.consent.activation import activate
from handlers.participants.profile_file import parse_profile
from handlers.polls.file import import_poll
from handlers.polls.lifecycle import open_poll
from storage.assemblies import assembly_by_code
from storage.base import utcnow
from storage.models import Assembly, Municipality

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
DEMO_CODE = "ZEYTINBURNU"
DEMO_LANGUAGES = ("tr", "ar", "en")
DEMO_PRIVACY_CONTACT = "kvkk@zeytinburnu.bel.tr"


async def seed_demo(session: AsyncSession, examples: Path = EXAMPLES_DIR) -> bool:
    """Create the demo assembly with its profile and open poll; False if it exists already."""
    if await assembly_by_code(session, DEMO_CODE) is not None:
        return False
    municipality = Municipality(
        slug="zeytinburnu",
        name={
            "tr": "Zeytinburnu Belediyesi",
            "ar": "بلدية زيتين بورنو",
            "en": "Zeytinburnu Municipality",
        },
        privacy_contact=DEMO_PRIVACY_CONTACT,
    )
    session.add(municipality)
    await session.flush()
    _code, profile = parse_profile(
        read_text_file(str(examples / "assembly-profile.yaml")), DEMO_LANGUAGES
    )
    session.add(
        Assembly(
            municipality_id=municipality.id,
            join_code=DEMO_CODE,
            name={
                "tr": "Zeytinburnu Uyum Meclisi",
                "ar": "مجلس الانسجام في زيتين بورنو",
                "en": "Zeytinburnu Harmony Assembly",
            },
            languages=list(DEMO_LANGUAGES),
            profile=profile,
        )
    )
    await session.flush()
    poll = await import_poll(session, read_text_file(str(examples / "poll-services-2026.yaml")))
    await open_poll(session, poll)
    await activate(session, municipality, utcnow())
    return True


async def _seed(args: argparse.Namespace, settings: Settings) -> int:
    """Seed the demo data once."""
    async with database(settings) as session:
        created = await seed_demo(session)
        await session.commit()
    print(
        "seeded the demo assembly ZEYTINBURNU"
        if created
        else "the demo assembly ZEYTINBURNU exists already"
    )
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the demo commands."""
    demo = commands.add_parser(
        "demo", help="demo data", description="Demo data for trying the bot."
    )
    d_commands = demo.add_subparsers(dest="demo_command", required=True)
    seed = d_commands.add_parser(
        "seed",
        help="create the demo assembly (once)",
        description="Create the demo assembly ZEYTINBURNU with an open poll, unless it exists.",
    )
    seed.set_defaults(func=run_async(_seed))
