"""`reslog privacy`: a municipality's data-protection notice (read, activated), the contact
where people exercise their rights, and the inventory of the personal data kept."""

from __future__ import annotations

import argparse
import json

from sqlalchemy import select

from bot.cli.assembly import municipality_by_slug
from bot.cli.common import CliError, database, run_async
from bot.settings import Settings
from handlers.consent.activation import NoticeNotReady, activate, check_complete
from handlers.consent.notice import notice_text, stated_now
from handlers.i18n.core import LANGUAGES, use_language
from handlers.retention.inventory import as_csv, as_markdown, inventory
from storage.base import utcnow
from storage.consents import active_notice
from storage.digest_queries import redact_feedback
from storage.models import Assembly

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


async def _notice(args: argparse.Namespace, settings: Settings) -> int:
    """Print the notice as people would read it now, or activate it."""
    async with database(settings) as session:
        municipality = await municipality_by_slug(session, args.municipality)
        if args.activate:
            version, asked = await activate(session, municipality, utcnow())
            await session.commit()
            print(
                f"{municipality.slug}: notice version {version} is in force; {asked} members will"
                " be asked again at their next message (their answers are kept)"
            )
            return 0
        active = await active_notice(session, municipality)
        if active is None:
            print(f"{municipality.slug}: no notice activated yet; people read this draft")
        else:
            print(
                f"{municipality.slug}: version {active.version} in force since"
                f" {active.activated_at:%Y-%m-%d %H:%M} UTC"
            )
            if active.stated != stated_now(municipality):
                print(
                    "the settings changed since: the notice in force still states "
                    + json.dumps(active.stated, ensure_ascii=False)
                    + "; activate again to state the new ones"
                )
        try:
            await check_complete(session, municipality)
        except NoticeNotReady as problem:
            print(f"cannot be activated as it is: {problem}")
        with use_language(args.language):
            print()
            print(notice_text(municipality, active, args.channel))
    return 0


async def _inventory(args: argparse.Namespace, settings: Settings) -> int:
    """Print every category of personal data kept for the municipality."""
    async with database(settings) as session:
        municipality = await municipality_by_slug(session, args.municipality)
        rows = await inventory(session, municipality)
    print(as_csv(rows) if args.format == "csv" else as_markdown(rows, municipality), end="")
    return 0


async def _redact(args: argparse.Namespace, settings: Settings) -> int:
    """Remove one feedback text (the number the digest shows beside it)."""
    if args.feedback < 1:
        raise CliError(f"--feedback must be a feedback number, like 12, not {args.feedback}")
    async with database(settings) as session:
        every = list((await session.scalars(select(Assembly.id))).all())
        if not await redact_feedback(session, args.feedback, every, utcnow()):
            raise CliError(f"there is no feedback #{args.feedback}")
        await session.commit()
    print(f"feedback #{args.feedback} is removed: every digest shows a mark in its place")
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
    notice = group.add_parser(
        "notice",
        help="read the data-protection notice, or put it in force",
        description="Print the notice as people read it (in force, or the draft if none is),"
        " or with --activate put the notice as it reads now in force: everyone is asked"
        " again at their next message.",
    )
    notice.add_argument("--municipality", required=True, help="the municipality's slug")
    notice.add_argument("--language", choices=LANGUAGES, default="tr", help="default: tr")
    notice.add_argument(
        "--channel", choices=("telegram", "whatsapp"), default="telegram", help="default: telegram"
    )
    notice.add_argument("--activate", action="store_true", help="put it in force")
    notice.set_defaults(func=run_async(_notice))
    listing = group.add_parser(
        "inventory",
        help="every category of personal data kept, for VERBİS",
        description="Every category of personal data the system keeps for a municipality: where,"
        " why, on what legal basis, how long, who receives it, how it is protected; from the"
        " code's own declarations beside each table.",
    )
    listing.add_argument("--municipality", required=True, help="the municipality's slug")
    listing.add_argument("--format", choices=("md", "csv"), default="md", help="default: md")
    listing.set_defaults(func=run_async(_inventory))
    redact = group.add_parser(
        "redact",
        help="remove one feedback text that could identify someone",
        description="Remove one feedback text (a name, a health detail) without erasing its"
        " author: every digest shows a mark in its place, and the destruction is logged.",
    )
    redact.add_argument(
        "--feedback", type=int, required=True, metavar="N", help="the number the digest shows (#N)"
    )
    redact.set_defaults(func=run_async(_redact))
