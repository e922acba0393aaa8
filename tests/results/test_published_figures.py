"""Published figures: K fixed at first publication, a closed poll's results and a digest period
fixed when first published, an open poll's counts rounded (issue 21, cases 5 and 8).

Every output here is a real `reslog` process or the chat core; the erasure is the one `/forget`
makes (``storage.participants.erase_participant``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.digests.report import Period
from handlers.results.figures import round_to
from storage.crypto import AddressCipher
from storage.models import (
    Membership,
    Notice,
    Participant,
    Poll,
    Publication,
    PublishedFigures,
    Response,
)
from storage.participants import erase_participant
from tests.support.cli import reslog
from tests.support.closing import close_as_facilitator
from tests.support.cohort import COHORT, answer_demo_poll, take_part
from tests.support.digest_cohort import weekly_digest_cohort

SLUG = "services-2026"
LAST_DAY = "2026-11-09"  # the digest cohort's week, Tuesday 3 to Monday 9 November 2026
WEEK = ("--municipality", "zeytinburnu", "--period", "7d", "--through", LAST_DAY)
TUESDAY = 1


def _figures(results: dict[str, Any]) -> list[str]:
    """Every figure of a results JSON, in order."""
    rows = [results["respondents"]]
    for question in results["questions"]:
        rows += [*question["rows"], question["answered"]]
        rows += [question[extra] for extra in ("not_answered",) if question.get(extra)]
    by = "by_language" if "by_language" in rows[0] else "by_option"
    return [text for row in rows for text in (row["total"], *row[by].values())]


async def _poll_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    """The demo poll's id."""
    async with sessions() as session:
        return int((await session.execute(select(Poll.id))).scalar_one())


async def _erase_arabic_respondents(sessions: async_sessionmaker[AsyncSession], count: int) -> int:
    """Erase ``count`` Arabic speakers who answered, as /forget does; how many were erased."""
    async with sessions() as session:
        query = (
            select(Participant)
            .join(Response, Response.participant_id == Participant.id)
            .where(Participant.language == "ar")
            .order_by(Participant.id)
            .limit(count)
        )
        people = list((await session.execute(query)).scalars())
        for person in people:
            await erase_participant(session, person)
        await session.commit()
        return len(people)


async def test_issue21_case5_a_closed_poll_s_results_do_not_change_when_people_erase_themselves(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
) -> None:
    """Case 5: results before and after an erasure pinned the erased person. 15 answered (7 in
    Arabic); the poll closes, its results message goes out; then two Arabic speakers erase
    themselves. Every output afterwards, by language and by community, is the one fixed at
    closing, figure for figure, and says the same K."""
    await answer_demo_poll(sessions, cipher, demo)
    await close_as_facilitator(sessions, await _poll_id(sessions))
    before = json.loads((await reslog(cli_env, "results", demo, SLUG, "--json")).ok())
    by_community = (await reslog(cli_env, "results", demo, SLUG, "--by", "community")).ok()
    assert before["status"] == "closed" and before["k"] == 5 and before["rounding"] == 1
    assert before["respondents"]["by_language"]["ar"] == "7"  # exact once closed
    assert await _erase_arabic_respondents(sessions, 2) == 2
    after = json.loads((await reslog(cli_env, "results", demo, SLUG, "--json")).ok())
    assert _figures(after) == _figures(before)
    assert after == before
    again = (await reslog(cli_env, "results", demo, SLUG, "--by", "community")).ok()
    assert again == by_community
    async with sessions() as session:
        record = (await session.execute(select(PublishedFigures))).scalar_one()
        assert record.k == 5 and record.frozen_at is not None and record.figures is not None
        audiences = [
            p.audience
            for p in (await session.execute(select(Publication).order_by(Publication.id))).scalars()
        ]
        message = (
            await session.execute(select(Notice).where(Notice.kind == "results"))
        ).scalar_one()
    assert audiences[0] == "results message to those who answered"
    assert audiences.count("reslog results") == 4
    # The results message said the same respondents as every later output.
    assert "15" in message.text["en"] and before["respondents"]["total"] == "15"


async def test_issue21_case8_k_is_fixed_when_a_poll_s_results_are_first_published(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
) -> None:
    """Case 8: `--k 9` showed ``x`` where `--k 10` showed ``<10``: the count was 9. Now the first
    output fixes the poll's K: here `--k 9` while it is open; `--k 10` (or the municipality's 5)
    is then refused in one line, and plain `reslog results` shows K 9, before and after closing."""
    await answer_demo_poll(sessions, cipher, demo)
    first = json.loads((await reslog(cli_env, "results", demo, SLUG, "--k", "9", "--json")).ok())
    assert first["k"] == 9
    for other in ("10", "5", "8"):
        (await reslog(cli_env, "results", demo, SLUG, "--k", other)).refused(
            f"poll {SLUG} were first published at K=9", "two thresholds cannot be compared"
        )
    (await reslog(cli_env, "results", demo, SLUG, "--by", "community", "--k", "10")).refused(
        "first published at K=9"
    )
    plain = (await reslog(cli_env, "results", demo, SLUG)).ok()
    assert "<9: fewer than 9 (K=9)" in plain
    await close_as_facilitator(sessions, await _poll_id(sessions))
    closed = json.loads((await reslog(cli_env, "results", demo, SLUG, "--json")).ok())
    assert closed["k"] == 9 and closed["rounding"] == 1
    assert all(t in ("<9", "x", "-", "") or int(t) == 0 or int(t) >= 9 for t in _figures(closed))
    (await reslog(cli_env, "results", demo, SLUG, "--k", "10")).refused("first published at K=9")


async def test_an_open_poll_s_counts_are_rounded_and_exact_once_it_closes(
    cli_env: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    demo: str,
) -> None:
    """While the demo poll is open, only how many answered is shown, rounded to the nearest 5
    (14 read 15), and the output says so; a person answering in between moves no figure by
    one. Closed, the counts are exact."""
    await answer_demo_poll(sessions, cipher, demo, COHORT[:14])
    open_json = json.loads((await reslog(cli_env, "results", demo, SLUG, "--json")).ok())
    table = (await reslog(cli_env, "results", demo, SLUG)).ok()
    assert open_json["rounding"] == 5 and "rounded to the nearest 5" in table
    figures = _figures(open_json)
    assert open_json["respondents"]["total"] == str(round_to(14, 5)) == "15"
    assert set(figures[1:]) == {"-"}, figures  # every breakdown waits for the closing
    await take_part(sessions, cipher, demo, "7099", COHORT[14])  # the 15th answers
    later = json.loads((await reslog(cli_env, "results", demo, SLUG, "--json")).ok())
    assert later["respondents"]["total"] == "15"  # 14 and 15 read the same
    await close_as_facilitator(sessions, await _poll_id(sessions))
    closed = json.loads((await reslog(cli_env, "results", demo, SLUG, "--json")).ok())
    assert closed["rounding"] == 1 and closed["respondents"]["total"] == "15"
    assert closed["respondents"]["by_language"]["ar"] == "7"
    assert "rounded" not in (await reslog(cli_env, "results", demo, SLUG)).ok()


async def test_issue21_case5_a_digest_period_is_fixed_when_first_printed(
    cli_env: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Case 5: "Joined 17 / Syrian 5 one week, 16 / Syrian <5 the next": the same week's digest
    counted again after an erasure gave the erased person away. The week is fixed when first
    printed, in every language: after three Turkish speakers who joined that week erase themselves,
    the week prints the same in Turkish, and in Arabic the same figures as the Arabic print
    fixed with it; asking for the week at another K is refused."""
    cohort = await weekly_digest_cohort(sessions, TUESDAY)
    before = (await reslog(cli_env, "digest", *WEEK)).ok()
    joined_before = await _joined(sessions, cohort.period)
    async with sessions() as session:
        joiners = (
            await session.execute(
                select(Participant)
                .where(
                    Participant.language == "tr",
                    Participant.id.in_(
                        select(Membership.participant_id).where(
                            Membership.joined_at >= cohort.period.start,
                            Membership.joined_at < cohort.period.end,
                        )
                    ),
                )
                .order_by(Participant.id.desc())
                .limit(3)
            )
        ).scalars()
        for person in list(joiners):
            await erase_participant(session, person)
        await session.commit()
    assert await _joined(sessions, cohort.period) == joined_before - 3  # counted now: 3 fewer
    after = (await reslog(cli_env, "digest", *WEEK)).ok()
    assert after == before
    arabic = (await reslog(cli_env, "digest", *WEEK, "--language", "ar")).ok()
    assert re.findall(r"\d+", _western(arabic)) and "الأعضاء الجدد" in arabic
    assert _numbers(arabic) == _numbers(before)
    (await reslog(cli_env, "digest", *WEEK, "--k", "7")).refused("first published at K=5")
    async with sessions() as session:
        record = (
            await session.execute(
                select(PublishedFigures).where(PublishedFigures.subject.like("digest %"))
            )
        ).scalar_one()
        assert set(record.figures or {}) == {"tr", "ar", "en"}


async def _joined(sessions: async_sessionmaker[AsyncSession], period: Period) -> int:
    """How many people who joined in the period are stored now."""
    async with sessions() as session:
        query = select(func.count(func.distinct(Membership.participant_id))).where(
            Membership.joined_at >= period.start, Membership.joined_at < period.end
        )
        return int((await session.execute(query)).scalar_one())


def _western(text: str) -> str:
    """Arabic-Indic digits as 0-9."""
    return text.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))


def _numbers(text: str) -> list[str]:
    """The figures of a printed digest, in order (dates and times left out)."""
    body = _western(text)
    body = re.sub(r"\d{1,4}[./:-]\d{1,2}([./:-]\d{1,4})?", "", body)
    return re.findall(r"(?<![\w<])\d+", body)
