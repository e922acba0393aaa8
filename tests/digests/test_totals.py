"""Members in all: a running total that every digest repeats, rounded so no two give a count away.

Hole A of "small-group suppression that holds against a reader of every output": with K=5,
two weekly digests said 30 and then 34 members, and the second said "joined <5", so 4 joined.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.digests.formats.email import plain_text
from bot.digests.formats.telegram_html import digest_messages
from bot.digests.formats.workbook import digest_workbook
from handlers.digests.content import municipality_digest
from handlers.digests.members import rounded_total
from handlers.digests.period import days_before
from handlers.digests.report import MunicipalityDigest
from handlers.digests.text_parts import mark, rounding_note
from handlers.i18n.core import _, use_language
from handlers.privacy.suppression import small
from storage.digest_queries import total_members
from tests.support.digest_cohort import (
    COMMUNITY_QUESTION,
    TIMEZONE,
    add_assembly,
    add_municipality,
    add_people,
)

K = 5
# Weekly digests on Mondays: 16 to 22 November 2026, then 23 to 29 November.
FIRST_WEEK = days_before(date(2026, 11, 23), 7, TIMEZONE)
SECOND_WEEK = days_before(date(2026, 11, 30), 7, TIMEZONE)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MEMBERS_LINE = re.compile(r"^Members in all: (\S+)$", re.MULTILINE)
JOINED_LINE = re.compile(r"^Joined in this period: (\S+)$", re.MULTILINE)
NOTE = re.compile(r"^Totals of members are rounded down to a multiple of (\d+)\.$", re.MULTILINE)


def shown_bounds(text: str, base: int, k: int) -> range:
    """The counts a reader can tell a shown figure stands for, from the legend alone."""
    if text == small(k):
        return range(k)
    return range(int(text), int(text) + base)


def joined_values(first: str, second: str, joined: str, base: int, k: int) -> set[int]:
    """Every number of people joined in between that agrees with both totals and the joined cell."""
    joined_range = shown_bounds(joined, 1, k)
    return {
        after - before
        for before in shown_bounds(first, base, k)
        for after in shown_bounds(second, base, k)
        if after - before in joined_range
    }


async def _two_weeks(sessions: async_sessionmaker[AsyncSession]) -> list[MunicipalityDigest]:
    """30 members by the end of the first week (10 of them new), 4 more in the second week."""
    async with sessions() as session:
        municipality = await add_municipality(session, "karakoy", "Karaköy", k=K)
        assembly = await add_assembly(
            session, municipality, "KARA", [COMMUNITY_QUESTION], datetime(2026, 1, 5, tzinfo=UTC)
        )
        await add_people(session, assembly, "host", "tr", 20, datetime(2026, 10, 1, tzinfo=UTC))
        await add_people(session, assembly, "host", "tr", 6, FIRST_WEEK.start + timedelta(days=1))
        await add_people(session, assembly, "syrian", "ar", 4, FIRST_WEEK.start + timedelta(days=2))
        await add_people(
            session, assembly, "syrian", "ar", 4, SECOND_WEEK.start + timedelta(days=3)
        )
        await session.commit()
        ids = [assembly.id]
        # The hole's numbers, as the database has them.
        assert (await total_members(session, ids, FIRST_WEEK.end))[municipality.id] == 30
        assert (await total_members(session, ids, SECOND_WEEK.end))[municipality.id] == 34
        return [
            await municipality_digest(session, municipality, week, language="en", now=NOW)
            for week in (FIRST_WEEK, SECOND_WEEK)
        ]


def _workbook_members(digest: MunicipalityDigest) -> tuple[object, object]:
    """The workbook's "Members in all" figure and the note beside it."""
    book = load_workbook(io.BytesIO(digest_workbook(digest)))
    for row in book.worksheets[0].iter_rows(values_only=True):
        if row[0] == "Members in all":
            return row[1], row[2]
    raise AssertionError("the workbook has no Members in all")


async def test_hole_a_two_weekly_digests_30_then_34_members_do_not_give_away_the_4_who_joined(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first, second = await _two_weeks(sessions)
    assert FIRST_WEEK.end == SECOND_WEEK.start
    texts = [plain_text(digest_messages(digest)) for digest in (first, second)]
    totals = [MEMBERS_LINE.findall(text) for text in texts]
    assert [len(found) for found in totals] == [1, 1]
    (first_total,), (second_total,) = totals
    [joined] = JOINED_LINE.findall(texts[1])
    assert joined == small(K) == "<5"  # the 4 who joined are hidden ...
    assert (first_total, second_total) == ("30", "30")  # ... and 34 reads 30
    notes = [NOTE.findall(text) for text in texts]
    assert notes == [[str(K)], [str(K)]]  # each says so beside the figure
    base = int(notes[1][0])
    assert (int(second_total) - int(first_total)) % base == 0
    possible = joined_values(first_total, second_total, joined, base, K)
    assert 4 in possible and len(possible) > 1, possible
    # The workbook (and so the e-mail's attachment) shows the same figure, and says the same.
    for digest, total in zip((first, second), (first_total, second_total), strict=True):
        figure, note = _workbook_members(digest)
        assert figure == int(total)
        assert note == f"Totals of members are rounded down to a multiple of {K}."


async def test_the_note_is_translated_where_the_figure_is_shown(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        municipality = await add_municipality(session, "karakoy", "Karaköy", k=K)
        assembly = await add_assembly(
            session, municipality, "KARA", [COMMUNITY_QUESTION], datetime(2026, 1, 5, tzinfo=UTC)
        )
        await add_people(session, assembly, "syrian", "ar", 11, datetime(2026, 10, 1, tzinfo=UTC))
        await add_people(session, assembly, "host", "tr", 1, SECOND_WEEK.start + timedelta(days=1))
        await session.commit()
        shown = {
            language: plain_text(
                digest_messages(
                    await municipality_digest(
                        session, municipality, SECOND_WEEK, language=language, now=NOW
                    )
                )
            )
            for language in ("tr", "ar")
        }
    with use_language("tr"):
        turkish = [_("Members in all: {count}").format(count="10"), rounding_note(K)]
    with use_language("ar"):
        arabic = [_("Members in all: {count}").format(count=mark("10")), rounding_note(K)]
    assert turkish[0] == "Toplam üye: 10"
    assert all(line in shown["tr"].splitlines() for line in turkish), shown["tr"]
    assert all(line in shown["ar"].splitlines() for line in arabic), shown["ar"]
    assert "١٠" in arabic[0] and "٥" in arabic[1]  # 12 members, rounded down; Arabic digits
    assert not NOTE.search(shown["ar"]) and not NOTE.search(shown["tr"])


@pytest.mark.parametrize("k", range(3, 13))
def test_no_two_consecutive_totals_pin_down_a_count_under_k(k: int) -> None:
    """Whatever the total before and the hidden count after it, a reader of both totals who
    knows the rule is left with at least two values for that count."""
    for before in range(0, 6 * k):
        for joined in range(k):
            first, second = rounded_total(before, k), rounded_total(before + joined, k)
            possible = {
                j
                for b in range(0, 8 * k)
                for j in range(k)
                if rounded_total(b, k) == first and rounded_total(b + j, k) == second
            }
            assert joined in possible and len(possible) > 1, (k, before, joined, possible)


def test_a_total_under_k_reads_under_k_and_the_rest_a_multiple_of_k() -> None:
    assert [rounded_total(n, 5) for n in (0, 4, 5, 9, 30, 34, 35, 69)] == [
        "<5", "<5", "5", "5", "30", "30", "35", "65"
    ]  # fmt: skip
    assert [rounded_total(n, 7) for n in (6, 7, 13, 14, 41)] == ["<7", "7", "7", "14", "35"]
