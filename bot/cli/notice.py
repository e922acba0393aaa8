"""`reslog notice`: write a notice to an assembly or a segment of it, send it once, follow delivery.

    reslog notice draft CODE --text tr=... --text ar=... --text en=... [--language ar]
                             [--profile community=syrian] [--at "2026-12-02 10:00"] [--urgent]
    reslog notice send ID          # confirm: one outbox row per recipient, sent by `reslog worker`
    reslog notice list CODE        # each notice: recipients, delivered, failed, blocked, waiting,
                                   # unconfirmed (under way when the sender stopped)
    reslog notice resend-unconfirmed ID   # send those again (who had got it gets it twice)

A draft shows who it would reach and how it reads in every language before anything is sent;
``send`` confirms it once (a second ``send`` changes nothing). How many it reaches is printed
as staff may see it (``handlers.privacy.headcount``): under the municipality's K only ``<K``. ``list``
prints each notice's delivery as the digest and /delivery show it (``handlers.notices.reach``):
suppressed with the municipality's K, ``<K``, ``x`` or ``-`` explained below the table.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from bot.cli.assembly import require_assembly
from bot.cli.common import CliError, database, print_table, run_async
from bot.cli.poll import parse_option
from bot.settings import Settings
from handlers.digests.text_parts import is_shown, legend
from handlers.i18n.core import LANGUAGE_NAMES, use_language
from handlers.notices.queue import (
    audience_of,
    check_schedule,
    check_texts,
    queue_notice,
)
from handlers.notices.reach import notice_reach
from handlers.participants.profile import PREFER_NOT_TO_SAY
from handlers.polls.schedule import parse_local_time
from handlers.privacy.headcount import Headcount
from storage.base import utcnow
from storage.digest_queries import REACH
from storage.models import Assembly, Notice
from storage.outbox import delivery_counts, resend_unconfirmed


def parse_texts(values: list[str] | None) -> dict[str, str]:
    """Notice texts given as LANG=TEXT; an empty one is kept, so that it is named as missing."""
    texts: dict[str, str] = {}
    for value in values or []:
        lang, sep, text = value.partition("=")
        if not sep or lang not in LANGUAGE_NAMES:
            raise CliError(f"--text {value!r} must look like tr=Text")
        texts[lang] = text.strip()
    return texts


def parse_segment(assembly: Assembly, languages: list[str], profile: list[str]) -> dict[str, Any]:
    """The audience: languages of the assembly and profile answers (KEY=OPTION, KEY= for none)."""
    for lang in languages:
        if lang not in assembly.languages:
            raise CliError(
                f"--language {lang!r} is not a language of {assembly.join_code} "
                f"({', '.join(assembly.languages)})"
            )
    options = {
        str(q["key"]): {str(o["key"]) for o in q.get("options", [])} | {PREFER_NOT_TO_SAY}
        for q in assembly.profile or []
    }
    answers: dict[str, list[str]] = defaultdict(list)
    for value in profile:
        key, sep, option = value.partition("=")
        if not sep or key not in options:
            known = ", ".join(options) or "none"
            raise CliError(f"--profile {value!r} must be KEY=OPTION; profile questions: {known}")
        if option not in options[key]:
            raise CliError(
                f"--profile {value!r}: {key} has the options {', '.join(sorted(options[key] - {''}))}"
                " (or nothing after = for prefer not to say)"
            )
        answers[key].append(option)
    segment: dict[str, Any] = {}
    if languages:
        segment["languages"] = sorted(set(languages))
    if answers:
        segment["profile"] = dict(answers)
    return segment


async def _draft(args: argparse.Namespace, settings: Settings) -> int:
    """Write a draft notice and show who it would reach and how it reads."""
    async with database(settings) as session:
        assembly = await require_assembly(session, args.code)
        texts = parse_texts(args.text)
        segment = parse_segment(assembly, args.language or [], args.profile or [])
        zone = assembly.municipality.timezone
        send_at = parse_option("--at", args.at, lambda value: parse_local_time(value, zone))
        notice = Notice(
            assembly_id=assembly.id,
            text={lang: texts.get(lang, "") for lang in assembly.languages},
            audience=segment,
            urgent=args.urgent,
            send_at=send_at,
        )
        check_texts(assembly, notice.text)
        check_schedule(send_at, utcnow())
        people = await audience_of(session, notice)
        if not people:
            raise CliError("Nobody is in this audience, so nothing was kept.")
        session.add(notice)
        await session.commit()
        when = f"at {args.at} ({assembly.municipality.timezone})" if send_at else "when sent"
        reach = Headcount(len(people), assembly.municipality.suppression_k)
        print(
            f"draft notice {notice.id} to {reach.plain()} people of {assembly.join_code} "
            f"({_describe(segment)}), {'urgent, ' if args.urgent else ''}going out {when}."
        )
        for lang in assembly.languages:
            print(f"\n[{LANGUAGE_NAMES[lang]}]\n{notice.text[lang]}")
        print(f"\nSend it with: reslog notice send {notice.id}")
    return 0


def _describe(segment: dict[str, Any]) -> str:
    """An audience in words."""
    parts = []
    if segment.get("languages"):
        parts.append("language " + ", ".join(segment["languages"]))
    for key, answers in (segment.get("profile") or {}).items():
        parts.append(f"{key} " + ", ".join(a or "prefer not to say" for a in answers))
    return "; ".join(parts) or "every member"


async def _send(args: argparse.Namespace, settings: Settings) -> int:
    """Confirm a draft: write its outbox rows, once."""
    async with database(settings) as session:
        notice = await session.get(Notice, args.id)
        if notice is None:
            raise CliError(f"there is no notice {args.id}; `reslog notice list CODE` shows them")
        count = await queue_notice(session, notice, utcnow())
        assembly = await session.get(Assembly, notice.assembly_id)
        assert assembly is not None  # a notice's assembly is never deleted before it
        reach = Headcount(count, assembly.municipality.suppression_k)
        await session.commit()
    print(f"notice {args.id} queued for {reach.plain()} people; `reslog worker` sends it")
    return 0


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    """Each notice of an assembly with its delivery so far."""
    async with database(settings) as session:
        assembly = await require_assembly(session, args.code)
        notices = list(
            (
                await session.execute(
                    select(Notice)
                    .where(Notice.assembly_id == assembly.id)
                    .order_by(Notice.id.desc())
                    .limit(args.last)
                )
            ).scalars()
        )
        counts = await delivery_counts(session, [n.id for n in notices])
        k = assembly.municipality.suppression_k
    shown = {n.id: notice_reach(counts[n.id], k) for n in notices}
    rows = [
        [
            n.id,
            n.kind,
            n.status,
            f"{n.created_at:%Y-%m-%d %H:%M}",
            shown[n.id].recipients,
            *shown[n.id].cells,
            shown[n.id].unconfirmed,
            _preview(n),
        ]
        for n in notices
    ]
    print_table(
        rows, ["id", "kind", "status", "created (UTC)", "to", *REACH, "unconfirmed", "text"]
    )
    for n in notices:
        count = shown[n.id].unconfirmed
        if count:
            print(
                f"notice {n.id}: {count} not confirmed (the sender stopped while sending"
                f" {'it' if count == 1 else 'them'}), counted as failed; `reslog notice"
                f" resend-unconfirmed {n.id}` sends {'it' if count == 1 else 'them'} again,"
                " and whoever had got it gets it twice"
            )
    figures = [figure for reach in shown.values() for figure in (reach.recipients, *reach.cells)]
    if not all(map(is_shown, figures)):
        with use_language("en"):
            print(legend(k))
    return 0


async def _resend_unconfirmed(args: argparse.Namespace, settings: Settings) -> int:
    """Send a notice again to the people whose message is unconfirmed."""
    async with database(settings) as session:
        notice = await session.get(Notice, args.id)
        if notice is None:
            raise CliError(f"there is no notice {args.id}")
        count = await resend_unconfirmed(session, notice.id, utcnow())
        await session.commit()
    if not count:
        print(f"notice {args.id} has no unconfirmed message; nothing is sent again")
        return 0
    people = "person" if count == 1 else "people"
    print(
        f"notice {args.id} goes again to {count} {people} whose message was not confirmed;"
        " whoever had got it gets it twice. `reslog worker` sends it"
    )
    return 0


def _preview(notice: Notice) -> str:
    """The start of the notice's first text."""
    text = next((t for t in (notice.text or {}).values() if t), "")
    flat = " ".join(text.split())
    return flat if len(flat) <= 40 else flat[:39] + "…"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the notice commands."""
    notice = commands.add_parser(
        "notice",
        help="write, send and follow notices",
        description="Notices to an assembly's members or a segment of them.",
    )
    n_commands = notice.add_subparsers(dest="notice_command", required=True)
    draft = n_commands.add_parser(
        "draft",
        help="write a draft notice and see who it reaches",
        description="Write a draft notice in every language of the assembly; shows the "
        "number of recipients and the texts. Nothing is sent until `reslog notice send`.",
    )
    draft.add_argument("code", help="the assembly's join code")
    draft.add_argument(
        "--text", action="append", help="the text in one language, like tr='...' (each language)"
    )
    draft.add_argument(
        "--language", action="append", help="only members with this language (repeatable)"
    )
    draft.add_argument(
        "--profile",
        action="append",
        help="only members with this profile answer, like community=syrian (repeatable)",
    )
    draft.add_argument(
        "--at", help="send at this local time, like '2026-12-02 10:00' (default: when sent)"
    )
    draft.add_argument(
        "--urgent", action="store_true", help="send even during the quiet hours at night"
    )
    draft.set_defaults(func=run_async(_draft))
    send = n_commands.add_parser(
        "send",
        help="confirm a draft notice, once",
        description="Confirm a draft notice: one outbox row per recipient, sent by `reslog "
        "worker` under the channel's limits. A notice is sent once; a second send changes nothing.",
    )
    send.add_argument("id", type=int, help="the notice's number")
    send.set_defaults(func=run_async(_send))
    listing = n_commands.add_parser(
        "list",
        help="an assembly's notices and their delivery",
        description="An assembly's latest notices: recipients, delivered, failed, blocked, "
        "waiting, each under the municipality's K shown only as <K.",
    )
    listing.add_argument("code", help="the assembly's join code")
    listing.add_argument("--last", type=int, default=20, help="how many (default 20)")
    listing.set_defaults(func=run_async(_list))
    resend = n_commands.add_parser(
        "resend-unconfirmed",
        help="send a notice again to those whose message is unconfirmed (may duplicate)",
        description="Send a notice again to the people whose message was under way when the "
        "sender stopped (`unconfirmed` in `reslog notice list`). Telegram cannot say whether "
        "those arrived: whoever had got the notice gets it twice.",
    )
    resend.add_argument("id", type=int, help="the notice's number")
    resend.set_defaults(func=run_async(_resend_unconfirmed))
