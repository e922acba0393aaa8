"""How long a municipality's digest takes at scale, beside its bare aggregate queries.

    python -m bench.digest [--backend sqlite postgres] [--participants 200000] [--questions 10]

For each database: a fresh migrated database with one municipality, two assemblies, and
``--participants`` members (a third of them joined in the digest's week), each with a
community and an age answer, each responding to a poll of ``--questions`` single-choice
questions (200,000 x 10 = 2,000,000 answers), some feedback, and a notice to everyone with
its outbox rows. Rows are written in bulk (executemany in large batches); the generation time
is printed but is not the figure. Then, timed: the bare aggregate queries the digest runs (the
SQL alone: who joined, members, polls, feedback, notices, and the poll's tallies by language
and by each profile question), and ``municipality_digest`` itself, which runs them all and
suppresses every table. Goal: the digest under 5 s on SQLite.
PostgreSQL comes from RESLOG_BENCH_POSTGRES_URL (`make bench` starts the machine's server).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.databases import add_backend_argument, on_each_database
from handlers.digests.content import municipality_digest
from storage import digest_queries as queries
from storage.engine import create_engine, create_sessionmaker
from storage.models import (
    Answer,
    Feedback,
    Membership,
    Municipality,
    Notice,
    Option,
    OutboxMessage,
    Participant,
    Poll,
    ProfileAnswer,
    Question,
    Response,
)
from storage.tallies import tally_poll
from tests.support.digest_cohort import (
    AGE_QUESTION,
    COMMUNITY_QUESTION,
    add_assembly,
    add_municipality,
    add_poll,
    cohort_period,
)

GOAL = "goal: municipality_digest under 5 s on SQLite"
BATCH = 20_000
LANGUAGES = ("tr", "ar", "en")
COMMUNITIES = ("host", "syrian", "")
AGES = ("18-29", "30-44")
NOW = datetime(2026, 11, 10, 6, 0, tzinfo=UTC)


async def bulk(session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows in large executemany batches."""
    for start in range(0, len(rows), BATCH):
        await session.execute(insert(model), list(rows[start : start + BATCH]))


async def generate(
    sessions: async_sessionmaker[AsyncSession], participants: int, questions: int
) -> tuple[int, int, int]:
    """Write the municipality; (its id, the poll's id, the number of answers)."""
    period = cohort_period()
    inside, before = period.start + timedelta(days=2), period.start - timedelta(days=40)
    async with sessions() as session:
        municipality = await add_municipality(session, "buyuksehir", "Büyükşehir")
        first = await add_assembly(
            session, municipality, "BUYUKA", [COMMUNITY_QUESTION, AGE_QUESTION], before
        )
        second = await add_assembly(session, municipality, "BUYUKB", [COMMUNITY_QUESTION], before)
        poll = await add_poll(session, first, "big", ("a", "b", "c", "d"), inside, None)
        for position in range(2, questions + 1):  # add_poll wrote a single choice and a yes/no
            question = Question(position=position, kind="single", text={"tr": f"Soru {position}"})
            question.options.extend(
                Option(position=index, text={"tr": label}) for index, label in enumerate("abcd")
            )
            poll.questions.append(question)
        await session.flush()
        options_of = {
            question.id: [option.id for option in question.options]
            for question in poll.questions
            if question.kind == "single"
        }
        await session.commit()
        first_id, second_id, poll_id = first.id, second.id, poll.id
        municipality_id = municipality.id
    people = range(1, participants + 1)
    joined = {pid: inside if pid % 3 == 0 else before for pid in people}
    async with sessions() as session:
        await bulk(
            session,
            Participant,
            [
                {
                    "id": pid,
                    "channel": "telegram",
                    "address_hash": f"{pid:064d}",
                    "language": LANGUAGES[pid % 3],
                    "consented_at": joined[pid],
                    "consent_version": "bench",
                    "created_at": joined[pid],
                    "step": "idle",
                    "step_data": {},
                    "step_nonce": 1,
                }
                for pid in people
            ],
        )
        await bulk(
            session,
            Membership,
            [
                {
                    "participant_id": pid,
                    "assembly_id": first_id if pid % 4 else second_id,
                    "joined_at": joined[pid],
                }
                for pid in people
            ],
        )
        await bulk(
            session,
            ProfileAnswer,
            [
                {
                    "participant_id": pid,
                    "assembly_id": first_id if pid % 4 else second_id,
                    "question_key": "community",
                    "option_key": COMMUNITIES[pid % 7 % 3],
                }
                for pid in people
            ],
        )
        await bulk(
            session,
            ProfileAnswer,
            [
                {
                    "participant_id": pid,
                    "assembly_id": first_id,
                    "question_key": "age_band",
                    "option_key": AGES[pid % 2],
                }
                for pid in people
                if pid % 4
            ],
        )
        await bulk(
            session,
            Response,
            [
                {
                    "id": pid,
                    "poll_id": poll_id,
                    "participant_id": pid,
                    "language": LANGUAGES[pid % 3],
                    "started_at": inside,
                    "completed_at": inside,
                }
                for pid in people
            ],
        )
        answers = 0
        for question_id, options in options_of.items():
            rows = [
                {
                    "response_id": pid,
                    "question_id": question_id,
                    "option_id": options[(pid * 7 + question_id) % len(options)],
                    "answered_at": inside,
                }
                for pid in people
            ]
            await bulk(session, Answer, rows)
            answers += len(rows)
        await bulk(
            session,
            Feedback,
            [
                {
                    "assembly_id": first_id,
                    "participant_id": pid,
                    "language": LANGUAGES[pid % 3],
                    "text": f"Otobüs lazım, arayın 0532 123 {pid % 100:02d} 67",
                    "created_at": inside,
                }
                for pid in people
                if pid % 500 == 0
            ],
        )
        notice = (
            await session.execute(
                insert(Notice).returning(Notice.id),
                [
                    {
                        "assembly_id": first_id,
                        "kind": "notice",
                        "text": {"tr": "Toplantı salı"},
                        "audience": {},
                        "status": "queued",
                        "created_at": inside,
                        "queued_at": inside,
                    }
                ],
            )
        ).scalar_one()
        statuses = ("sent", "sent", "sent", "failed", "blocked", "pending")
        await bulk(
            session,
            OutboxMessage,
            [
                {
                    "notice_id": notice,
                    "participant_id": pid,
                    "channel": "telegram",
                    "language": "tr",
                    "status": statuses[pid % len(statuses)],
                    "not_before": inside,
                }
                for pid in people
            ],
        )
        await session.commit()
    return municipality_id, poll_id, answers


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    """Seconds one call takes."""
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def bare_queries(session: AsyncSession, municipality_id: int, poll_id: int) -> float:
    """The digest's aggregate queries alone, without building or suppressing anything."""
    period = cohort_period()
    ids = [
        row[0]
        for row in (
            await session.execute(
                text("SELECT id FROM assemblies WHERE municipality_id = :m"), {"m": municipality_id}
            )
        ).all()
    ]
    current = queries.Window(period.start, period.end)
    previous = queries.Window(period.previous.start, period.previous.end)
    started = time.perf_counter()
    await queries.new_members(session, ids, current)
    await queries.new_members(session, ids, previous)
    await queries.total_members(session, ids, period.end)
    await queries.polls_open(session, ids, current)
    await queries.feedback_rows(session, ids, current)
    await queries.feedback_counts(session, ids, previous)
    await queries.notices_reach(session, ids, current)
    poll = await session.get(Poll, poll_id)
    assert poll is not None
    await tally_poll(session, poll, [COMMUNITY_QUESTION, AGE_QUESTION], languages=LANGUAGES)
    return time.perf_counter() - started


async def measure(backend: str, url: str, args: argparse.Namespace, _folder: Path) -> None:
    """Generate the municipality on one database and time the digest and its bare queries."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    try:
        started = time.perf_counter()
        municipality_id, poll_id, answers = await generate(
            sessions, args.participants, args.questions
        )
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
        generated = time.perf_counter() - started
        print(
            f"{backend:<10} generated {args.participants:,} participants, {answers:,} answers in {generated:.0f} s"
        )
        async with sessions() as session:
            bare = await bare_queries(session, municipality_id, poll_id)
        async with sessions() as session:
            municipality = await session.get(Municipality, municipality_id)
            assert municipality is not None
            digest_seconds = await timed(
                lambda: municipality_digest(
                    session, municipality, cohort_period(), language="tr", now=NOW
                )
            )
        print(f"{backend:<10} bare aggregate queries      {bare:8.2f} s")
        print(f"{backend:<10} municipality_digest         {digest_seconds:8.2f} s")
    finally:
        await engine.dispose()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="bench.digest", description=__doc__.splitlines()[0])
    add_backend_argument(parser)
    parser.add_argument("--participants", type=int, default=200_000)
    parser.add_argument("--questions", type=int, default=10)
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    """Measure on every database asked for."""
    heading = (
        f"digest benchmark on {platform.machine()}, Python {platform.python_version()}; {GOAL}"
    )

    async def each(backend: str, url: str, folder: Path) -> None:
        await measure(backend, url, args, folder)

    return await on_each_database(args.backend, "bench.digest", heading, each)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark."""
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
