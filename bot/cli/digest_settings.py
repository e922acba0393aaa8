"""`reslog digest-settings`: when a municipality's or a union's digest goes, in which language,
with which threshold K, and to whom; then the settings as they stand.

Every value is checked before anything changes, so one bad value changes nothing. K set here is
the subject's own ``suppression_k``: it may be lowered only here (to 2 at least), and it also
applies to /results, `reslog results` and exports, which the output says.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.assembly import municipality_by_slug
from bot.cli.common import CliError, about, add_json_flag, database, run_async
from bot.cli.union import require_union
from bot.settings import Settings
from handlers.digests.period import FREQUENCIES, parse_send_time
from handlers.digests.staff.input import normal_chat_id, normal_email
from handlers.i18n.core import LANGUAGES
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.digest_settings import (
    EMAIL,
    TELEGRAM,
    add_recipient,
    list_recipients,
    remove_recipient,
    setting_for,
)
from storage.models import DigestSetting, Municipality, MunicipalUnion
from storage.unions import MIN_K

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Changes:
    """Every change asked for, checked; recipients as (kind, normalised address)."""

    frequency: str | None
    weekday: int | None
    send_time: str | None
    language: str | None
    k: int | None
    add: tuple[tuple[str, str], ...]
    remove: tuple[tuple[str, str], ...]


def parse_weekday(text: str) -> int:
    """A day of the week as mon..sun or 0..6 (0 is Monday)."""
    value = text.strip().lower()
    if value in WEEKDAYS:
        return WEEKDAYS.index(value)
    if value.isdigit() and int(value) < len(WEEKDAYS):
        return int(value)
    raise CliError(f"--weekday {text!r} must be one of {', '.join(WEEKDAYS)} or 0-6 (0 is Monday)")


def _recipients(args: argparse.Namespace, prefix: str) -> tuple[tuple[str, str], ...]:
    """The --add-* or --remove-* recipients, each checked and normalised."""
    chats = [(TELEGRAM, normal_chat_id(v)) for v in getattr(args, f"{prefix}_telegram") or []]
    emails = [(EMAIL, normal_email(v)) for v in getattr(args, f"{prefix}_email") or []]
    return tuple(chats + emails)


def check_changes(args: argparse.Namespace) -> Changes:
    """Read every change flag; the first bad value is a CliError."""
    with about("--time: "):
        send_time = parse_send_time(args.time) if args.time is not None else None
    if args.k is not None and args.k < MIN_K:
        raise CliError(f"--k must be at least {MIN_K}, not {args.k}")
    add, remove = _recipients(args, "add"), _recipients(args, "remove")
    both = set(add) & set(remove)
    if both:
        kind, address = sorted(both)[0]
        raise CliError(f"{kind} recipient {address} is both added and removed")
    return Changes(
        frequency=args.frequency,
        weekday=parse_weekday(args.weekday) if args.weekday is not None else None,
        send_time=send_time,
        language=args.language,
        k=args.k,
        add=add,
        remove=remove,
    )


async def _subject(
    session: AsyncSession, args: argparse.Namespace
) -> Municipality | MunicipalUnion:
    """The municipality or union named."""
    if args.municipality:
        return await municipality_by_slug(session, args.municipality)
    return await require_union(session, args.union)


async def _setting(session: AsyncSession, subject: Municipality | MunicipalUnion) -> DigestSetting:
    """The subject's digest setting, created on first use."""
    if isinstance(subject, Municipality):
        return await setting_for(session, municipality_id=subject.id)
    return await setting_for(session, union_id=subject.id)


async def _apply(
    session: AsyncSession,
    cipher: AddressCipher,
    subject: Municipality | MunicipalUnion,
    setting: DigestSetting,
    changes: Changes,
) -> list[str]:
    """Make the changes; what each did, in lines. A recipient to remove that is not there is a
    CliError (the caller then keeps nothing)."""
    notes: list[str] = []
    for name in ("frequency", "weekday", "send_time", "language"):
        value = getattr(changes, name)
        if value is not None:
            setattr(setting, name, value)
    if changes.k is not None and changes.k != subject.suppression_k:
        notes.append(
            f"K is now {changes.k} (was {subject.suppression_k}): counts under {changes.k} are "
            "shown as <K in digests, and also in /results, `reslog results` and exports"
        )
        subject.suppression_k = changes.k
    for kind, address in changes.remove:
        if not await remove_recipient(session, cipher, setting, kind, address):
            raise CliError(f"{kind} recipient {address} is not a recipient of this digest")
        notes.append(f"removed {kind} recipient {address}")
    for kind, address in changes.add:
        added = await add_recipient(session, cipher, setting, kind, address)
        notes.append(
            f"added {kind} recipient {address}"
            if added
            else f"{kind} {address} is a recipient already"
        )
    setting.updated_at = utcnow()
    return notes


def describe(
    subject: Municipality | MunicipalUnion, setting: DigestSetting, recipients: list[Any]
) -> dict[str, Any]:
    """The settings as plain data (for --json and the table)."""
    return {
        "subject": "municipality" if isinstance(subject, Municipality) else "union",
        "slug": subject.slug,
        "frequency": setting.frequency,
        "weekday": WEEKDAYS[setting.weekday],
        "time": setting.send_time,
        "timezone": subject.timezone,
        "language": setting.language,
        "k": subject.suppression_k,
        "recipients": [{"kind": r.kind, "address": r.address} for r in recipients],
    }


def _print(shown: dict[str, Any]) -> None:
    """The settings as lines."""
    print(f"digest of {shown['subject']} {shown['slug']}")
    print(f"  frequency   {shown['frequency']}")
    print(f"  weekday     {shown['weekday']} (weekly digests)")
    print(f"  time        {shown['time']} ({shown['timezone']})")
    print(f"  language    {shown['language']}")
    print(f"  K           {shown['k']} (counts under K are shown as <K)")
    print("  recipients" + ("" if shown["recipients"] else "  none"))
    for recipient in shown["recipients"]:
        print(f"    {recipient['kind']:<9} {recipient['address']}")


async def _digest_settings(args: argparse.Namespace, settings: Settings) -> int:
    """Change and show a digest's settings."""
    changes = check_changes(args)
    cipher = settings.cipher()
    async with database(settings) as session:
        subject = await _subject(session, args)
        setting = await _setting(session, subject)
        notes = await _apply(session, cipher, subject, setting, changes)
        recipients = await list_recipients(session, cipher, setting)
        await session.commit()
    shown = describe(subject, setting, recipients)
    if args.json:
        print(json.dumps(shown, ensure_ascii=False))
        return 0
    for note in notes:
        print(note)
    _print(shown)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the digest-settings command."""
    parser = commands.add_parser(
        "digest-settings",
        help="when a digest goes, in which language, with which K, to whom",
        description="Show, and with flags change, the digest settings of a municipality or a "
        "union. Every value is checked first: one bad value changes nothing. --k sets the "
        "municipality's (or union's) suppression threshold: it can be lowered only here, and "
        "it applies to /results and exports too.",
    )
    subject = parser.add_mutually_exclusive_group(required=True)
    subject.add_argument("--municipality", help="the municipality's slug")
    subject.add_argument("--union", help="the union's slug")
    parser.add_argument("--frequency", choices=FREQUENCIES, help="off, daily or weekly")
    parser.add_argument(
        "--weekday",
        help="the day a weekly digest goes: mon..sun or 0-6; its weeks end the day before, "
        "and `reslog digest` uses them while the digest is off too",
    )
    parser.add_argument("--time", help="local time it goes, like 08:00")
    parser.add_argument("--language", choices=LANGUAGES, help="the digest's language")
    parser.add_argument("--k", type=int, help=f"suppression threshold K (at least {MIN_K})")
    for verb in ("add", "remove"):
        parser.add_argument(
            f"--{verb}-telegram",
            action="append",
            metavar="CHAT_ID",
            help=f"{verb} a Telegram chat or group id, like -1001234567890 (repeatable)",
        )
        parser.add_argument(
            f"--{verb}-email",
            action="append",
            metavar="ADDRESS",
            help=f"{verb} an e-mail address (repeatable)",
        )
    add_json_flag(parser)
    parser.set_defaults(func=run_async(_digest_settings, need_secret=True))
