"""/redact: staff remove one feedback text that could identify someone, without erasing its
author. The digest numbers each text; a digest printed before shows the mark in its place when
printed again (its figures unchanged), no copy of what people wrote is stored with the fixed
figures, and the removal is logged without naming anyone."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.crypto import AddressCipher
from storage.models import Destruction, Feedback, PublishedFigures
from tests.support.chat import Chat
from tests.support.cli import reslog
from tests.support.digest_cohort import weekly_digest_cohort

WEEK = ("--municipality", "zeytinburnu", "--period", "7d", "--through", "2026-11-09")
FACILITATOR = "7300001"
MARK = "[görevliler tarafından kaldırıldı: birini tanınır kılabilirdi]"


async def test_staff_redact_one_feedback_text_and_every_digest_shows_the_mark(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession], cipher: AddressCipher
) -> None:
    cohort = await weekly_digest_cohort(sessions)
    code = cohort.assemblies[0].join_code
    async with sessions() as session:
        first = (
            await session.scalars(
                select(Feedback)
                .where(
                    Feedback.assembly_id == cohort.assemblies[0].id,
                    Feedback.created_at >= cohort.period.start,
                    Feedback.created_at < cohort.period.end,
                )
                .order_by(Feedback.created_at, Feedback.id)
            )
        ).first()
        assert first is not None
        target, words = first.id, first.text
        author = first.participant_id
    before = (await reslog(cli_env, "digest", *WEEK)).ok()
    assert f"{words[:12]}" in before and f"#{target}\n" in before

    async with sessions() as session:  # the fixed figures keep no one's words
        stored = (await session.scalars(select(PublishedFigures.figures))).all()
        assert stored and words[:12] not in json.dumps(stored, ensure_ascii=False)

    (await reslog(cli_env, "staff", "add", "--assembly", code, "--telegram-id", FACILITATOR)).ok()
    staff = Chat(sessions, cipher, FACILITATOR, client_language="tr")
    await staff.say("/redact")
    assert staff.text.startswith("Özette metnin yanında görünen numarayla /redact")
    await staff.say("/redact 999999")
    assert staff.text == "Meclislerinizde #999.999 numaralı bir görüş yok."
    await staff.say(f"/redact #{target}")
    assert staff.text.startswith(f"#{target} numaralı görüş kaldırıldı")
    outsider = Chat(sessions, cipher, "7300002", client_language="en")
    await outsider.say(f"/redact {target}")
    assert outsider.text == "This command is for the assembly's facilitators."

    after = (await reslog(cli_env, "digest", *WEEK)).ok()
    assert words[:12] not in after
    # Everything else the same: the figures were fixed when first printed.
    line_before = next(line for line in before.splitlines() if line.endswith(f"#{target}"))
    line_after = next(line for line in after.splitlines() if line.endswith(f"#{target}"))
    assert line_after == f"{MARK} #{target}"
    assert after == before.replace(line_before, line_after)
    async with sessions() as session:
        redacted = await session.get(Feedback, target)
        assert redacted is not None and redacted.text == "" and redacted.redacted_at is not None
        assert redacted.participant_id == author  # the author is not erased
        log = (
            await session.execute(
                select(Destruction.category, Destruction.reason, Destruction.records)
            )
        ).all()
        assert [tuple(row) for row in log] == [("feedback", "redaction", 1)]
    (await reslog(cli_env, "privacy", "redact", "--feedback", "999999")).refused(
        "there is no feedback #999999"
    )
