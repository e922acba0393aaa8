"""`reslog retention` and `reslog privacy contact` as an officer uses them: the periods shown
and changed, every bad value refused in one line with nothing changed, a run, and the
destruction log printed and exported as CSV without naming anyone."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.base import Base, utcnow
from storage.crypto import AddressCipher
from storage.models import InboundMessage, Municipality
from tests.support.cli import reslog
from tests.support.members import Member, add_members


async def _slug(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions() as session:
        return (await session.scalars(select(Municipality.slug))).one()


async def test_periods_are_shown_changed_and_refused_out_of_bounds(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    slug = await _slug(sessions)
    shown = json.loads((await reslog(cli_env, "retention", "show", "--json")).ok())
    assert shown == [
        {
            "municipality": slug,
            "inactive_months": 24,
            "feedback_months": 12,
            "outbox_days": 30,
            "message_key_days": 7,
        }
    ]
    changed = (
        await reslog(
            cli_env,
            "retention",
            "set",
            "--municipality",
            slug,
            "--inactive-months",
            "18",
            "--outbox-days",
            "14",
        )
    ).ok()
    assert slug in changed and "18" in changed
    for option, value, says in (
        ("--inactive-months", "0", "inactive_months must be between 1 and 120 months, not 0"),
        ("--feedback-months", "-3", "feedback_months must be between 1 and 120 months, not -3"),
        ("--feedback-months", "121", "between 1 and 120 months, not 121"),
        ("--message-key-days", "3651", "message_key_days must be between 1 and 3650 days"),
    ):
        (await reslog(cli_env, "retention", "set", "--municipality", slug, option, value)).refused(
            says
        )
    (await reslog(cli_env, "retention", "set", "--municipality", slug)).refused(
        "give at least one period"
    )
    (
        await reslog(cli_env, "retention", "set", "--municipality", "nowhere", "--outbox-days", "5")
    ).refused("no municipality 'nowhere'")
    # A bad value beside a good one changes neither.
    (
        await reslog(
            cli_env,
            "retention",
            "set",
            "--municipality",
            slug,
            "--outbox-days",
            "9",
            "--feedback-months",
            "0",
        )
    ).refused("feedback_months")
    shown = json.loads((await reslog(cli_env, "retention", "show", "--json")).ok())
    assert shown[0]["inactive_months"] == 18 and shown[0]["outbox_days"] == 14
    assert shown[0]["feedback_months"] == 12


async def test_a_run_is_logged_and_the_log_exports_as_csv_naming_nobody(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
    tmp_path: Path,
) -> None:
    slug = await _slug(sessions)
    long_ago = utcnow() - timedelta(days=800)
    await add_members(
        sessions, cipher, None, demo, [Member(660_001, "ar", last_inbound_at=long_ago)]
    )
    async with sessions() as session:
        for number in range(3):
            session.add(
                InboundMessage(channel="whatsapp", external_id=f"SM{number}", received_at=long_ago)
            )
        await session.commit()
    ran = (await reslog(cli_env, "retention", "run")).ok()
    assert "warned 1" in ran and "message_key (retention_period) 3" in ran

    printed = (await reslog(cli_env, "retention", "log")).ok()
    assert "message_key" in printed and "retention_period" in printed
    out = tmp_path / "destructions.csv"
    assert "wrote 1 rows" in (await reslog(cli_env, "retention", "log", "--csv", str(out))).ok()
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["category"], r["reason"], r["records"], r["municipality"]) for r in rows] == [
        ("message_key", "retention_period", "3", "-")
    ]
    assert "660001" not in out.read_text(encoding="utf-8")
    only_mine = (
        await reslog(cli_env, "retention", "log", "--municipality", slug, "--csv", "-")
    ).ok()
    assert only_mine.splitlines() == [
        ",".join(["destroyed_at", "municipality", "category", "reason", "records", "run"])
    ]
    (await reslog(cli_env, "retention", "log", "--since", "yesterday")).refused(
        "--since 'yesterday' must be a date like 2026-01-31"
    )
    (await reslog(cli_env, "retention", "log", "--csv", str(tmp_path / "no" / "x.csv"))).refused(
        "cannot write"
    )


async def test_the_privacy_contact_is_set_shown_and_refused_empty(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    slug = await _slug(sessions)
    shown = await reslog(cli_env, "privacy", "contact", "--municipality", slug)
    assert shown.ok().strip() == "kvkk@zeytinburnu.bel.tr"  # the demo's
    (await reslog(cli_env, "privacy", "contact", "--municipality", slug, "  ")).refused(
        "the contact is empty"
    )
    (await reslog(cli_env, "privacy", "contact", "--municipality", slug, "x" * 201)).refused(
        "the most is 200"
    )
    set_ = await reslog(
        cli_env,
        "privacy",
        "contact",
        "--municipality",
        slug,
        "kvkk@zeytinburnu.bel.tr  ·  444 0 123",
    )
    assert "kvkk@zeytinburnu.bel.tr · 444 0 123" in set_.ok()
    shown = await reslog(cli_env, "privacy", "contact", "--municipality", slug)
    assert shown.ok().strip() == "kvkk@zeytinburnu.bel.tr · 444 0 123"


async def test_the_inventory_lists_every_declared_category_with_the_municipalitys_periods(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession], demo: str
) -> None:
    slug = await _slug(sessions)
    (
        await reslog(cli_env, "retention", "set", "--municipality", slug, "--feedback-months", "6")
    ).ok()
    printed = await reslog(
        cli_env, "privacy", "inventory", "--municipality", slug, "--format", "csv"
    )
    rows = list(csv.DictReader(io.StringIO(printed.ok())))
    by_category = {row["category"]: row for row in rows}
    declared = {
        category.name
        for mapper in Base.registry.mappers
        for category in mapper.class_.__dict__["__personal_data__"]
        if category.name != "profile answers"
    }
    assert declared <= set(by_category)
    profile = [row for row in rows if row["category"].startswith("profile answer: ")]
    assert [(row["category"].split(" ")[2], row["special category"]) for row in profile] == [
        ("community", "yes"),
        ("age_band", "no"),
        ("neighbourhood", "no"),
    ]
    assert "art. 6/2" in profile[0]["legal basis"] and "art. 5/1" in profile[1]["legal basis"]
    assert by_category["feedback"]["retention"] == "6 months, or until the person is erased"
    assert by_category["inbound message keys"]["retention"] == "7 days"
    assert by_category["notice recipients"]["retention"] == "30 days, then only the counts stay"
    assert "24 months without activity" in by_category["channel address"]["retention"]
    assert "encrypted" in by_category["channel address"]["protection"]
    assert "Twilio" in by_category["channel address"]["recipients"]
    markdown = (await reslog(cli_env, "privacy", "inventory", "--municipality", slug)).ok()
    assert markdown.startswith(f"# Personal data kept for {slug}\n")
    assert markdown.count("\n| ") == len(rows) + 2  # the header, its rule, a line per row
    (await reslog(cli_env, "privacy", "inventory", "--municipality", "nowhere")).refused(
        "no municipality 'nowhere'"
    )
