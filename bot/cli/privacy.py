"""`reslog privacy`: where people exercise their data-protection rights, per municipality."""

from __future__ import annotations

import argparse

from bot.cli.assembly import municipality_by_slug
from bot.cli.common import CliError, database, run_async
from bot.settings import Settings

LONGEST_CONTACT = 200


async def _contact(args: argparse.Namespace, settings: Settings) -> int:
    """Print or set the municipality's privacy contact."""
    async with database(settings) as session:
        municipality = await municipality_by_slug(session, args.municipality)
        if args.text is None:
            print(municipality.privacy_contact or "(none)")
            return 0
        contact = " ".join(args.text.split())
        if not contact:
            raise CliError("the contact is empty: give an e-mail address, a phone or an office")
        if len(contact) > LONGEST_CONTACT:
            raise CliError(
                f"the contact is {len(contact)} characters long; the most is {LONGEST_CONTACT}"
            )
        municipality.privacy_contact = contact
        await session.commit()
    print(f"{args.municipality}: people exercise their data-protection rights at {contact}")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the privacy commands."""
    privacy = commands.add_parser(
        "privacy",
        help="data-protection settings of a municipality",
        description="Data protection (KVKK): where people exercise their rights.",
    )
    group = privacy.add_subparsers(dest="privacy_command", required=True)
    contact = group.add_parser(
        "contact",
        help="print or set where people exercise their rights",
        description="Print or set the contact (an e-mail, a phone, an office) named in the"
        " data-protection notice for people's rights.",
    )
    contact.add_argument("--municipality", required=True, help="the municipality's slug")
    contact.add_argument("text", nargs="?", help="the contact; without it, print the current one")
    contact.set_defaults(func=run_async(_contact))
