"""The raw counts of a digest, each one grouped query: never shown as they are.

Every function takes the assemblies a digest covers (a municipality's, or those of many
municipalities for a union's roll-up) and a period, half open (``start`` included, ``end``
not), and counts by GROUP BY in the database: no row of a person or an answer is read into
Python. Figures are keyed by the assembly's municipality, so one query serves a roll-up too.

A person counts once per municipality: new in a period when their first membership of any of
the municipality's assemblies falls in it, with their language and their answer to the
``community`` profile question (a real option before "prefer not to say" if they answered it
differently in two assemblies; None when they never answered it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.destructions import record_destruction
from storage.models import (
    Answer,
    Assembly,
    Feedback,
    Membership,
    Notice,
    OutboxMessage,
    Participant,
    Poll,
    ProfileAnswer,
    Response,
)
from storage.vocabulary import DestructionCategory, DestructionReason, OutboxStatus

COMMUNITY = "community"
REACH = ("delivered", "failed", "blocked", "waiting")
REACH_OF_STATUS: dict[str, str] = {
    OutboxStatus.SENT: "delivered",
    OutboxStatus.FAILED: "failed",
    OutboxStatus.UNCONFIRMED: "failed",
    OutboxStatus.BLOCKED: "blocked",
    OutboxStatus.SKIPPED: "blocked",
    OutboxStatus.PENDING: "waiting",
    OutboxStatus.SENDING: "waiting",
}


@dataclass(frozen=True)
class Window:
    """A half-open stretch of time, ``start`` included and ``end`` not."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class JoinedCount:
    """How many people of one municipality, language and community answer joined."""

    municipality_id: int
    language: str | None
    community: str | None
    people: int


@dataclass(frozen=True)
class FeedbackRow:
    """One piece of feedback as stored (not yet scrubbed); ``text`` None: staff redacted it."""

    assembly_id: int
    created_at: datetime
    language: str
    text: str | None
    id: int


@dataclass(frozen=True)
class NoticeReach:
    """A notice queued in the period and its outbox rows by reach (delivered, failed, ...)."""

    notice_id: int
    assembly_id: int
    kind: str
    text: dict[str, str]
    queued_at: datetime
    reach: dict[str, int]


def _ids(assembly_ids: Sequence[int]) -> list[int]:
    """The assembly ids as a list (an empty one matches nothing)."""
    return list(assembly_ids)


async def new_members(
    session: AsyncSession, assembly_ids: Sequence[int], window: Window
) -> list[JoinedCount]:
    """People whose first membership of a municipality's assemblies falls in the window."""
    first = (
        select(
            Membership.participant_id.label("participant_id"),
            Assembly.municipality_id.label("municipality_id"),
        )
        .join(Assembly, Assembly.id == Membership.assembly_id)
        .where(Membership.assembly_id.in_(_ids(assembly_ids)))
        .group_by(Membership.participant_id, Assembly.municipality_id)
        .having(
            and_(
                func.min(Membership.joined_at) >= window.start,
                func.min(Membership.joined_at) < window.end,
            )
        )
        .subquery()
    )
    community = (
        select(
            ProfileAnswer.participant_id.label("participant_id"),
            Assembly.municipality_id.label("municipality_id"),
            func.max(ProfileAnswer.option_key).label("option_key"),
        )
        .join(Assembly, Assembly.id == ProfileAnswer.assembly_id)
        .where(
            ProfileAnswer.assembly_id.in_(_ids(assembly_ids)),
            ProfileAnswer.question_key == COMMUNITY,
        )
        .group_by(ProfileAnswer.participant_id, Assembly.municipality_id)
        .subquery()
    )
    query = (
        select(
            first.c.municipality_id,
            Participant.language,
            community.c.option_key,
            func.count().label("people"),
        )
        .select_from(first)
        .join(Participant, Participant.id == first.c.participant_id)
        .outerjoin(
            community,
            and_(
                community.c.participant_id == first.c.participant_id,
                community.c.municipality_id == first.c.municipality_id,
            ),
        )
        .group_by(first.c.municipality_id, Participant.language, community.c.option_key)
    )
    return [
        JoinedCount(int(row[0]), row[1], row[2], int(row[3]))
        for row in (await session.execute(query)).all()
    ]


async def total_members(
    session: AsyncSession, assembly_ids: Sequence[int], end: datetime
) -> dict[int, int]:
    """Members by municipality at ``end``: people with a membership begun before it."""
    people = (
        select(Membership.participant_id, Assembly.municipality_id)
        .join(Assembly, Assembly.id == Membership.assembly_id)
        .where(Membership.assembly_id.in_(_ids(assembly_ids)), Membership.joined_at < end)
        .distinct()
        .subquery()
    )
    query = select(people.c.municipality_id, func.count()).group_by(people.c.municipality_id)
    return {int(m): int(n) for m, n in (await session.execute(query)).all()}


def _open_in(window: Window) -> list[ColumnElement[bool]]:
    """Conditions: a poll opened before the window ends and not closed before it starts."""
    return [
        Poll.opened_at.is_not(None),
        Poll.opened_at < window.end,
        or_(Poll.closed_at.is_(None), Poll.closed_at >= window.start),
    ]


async def polls_open(
    session: AsyncSession, assembly_ids: Sequence[int], window: Window
) -> list[Poll]:
    """The polls open at some moment of the window, by assembly, then opening time."""
    query = (
        select(Poll)
        .where(Poll.assembly_id.in_(_ids(assembly_ids)), *_open_in(window))
        .order_by(Poll.assembly_id, Poll.opened_at, Poll.id)
    )
    return list((await session.execute(query)).scalars())


async def participation(
    session: AsyncSession, assembly_ids: Sequence[int], window: Window
) -> dict[int, tuple[int, int, int]]:
    """Per municipality: the polls open in the window, their responses with an answer, and the
    fewest responses any of those polls has."""
    answered = exists().where(Answer.response_id == Response.id)
    responses = (
        select(Response.poll_id, func.count().label("responses"))
        .where(answered)
        .group_by(Response.poll_id)
        .subquery()
    )
    query = (
        select(
            Assembly.municipality_id,
            func.count(Poll.id),
            func.coalesce(func.sum(responses.c.responses), 0),
            func.min(func.coalesce(responses.c.responses, 0)),
        )
        .select_from(Poll)
        .join(Assembly, Assembly.id == Poll.assembly_id)
        .outerjoin(responses, responses.c.poll_id == Poll.id)
        .where(Poll.assembly_id.in_(_ids(assembly_ids)), *_open_in(window))
        .group_by(Assembly.municipality_id)
    )
    return {
        int(m): (int(p), int(r), int(least or 0))
        for m, p, r, least in (await session.execute(query)).all()
    }


async def feedback_rows(
    session: AsyncSession, assembly_ids: Sequence[int], window: Window
) -> list[FeedbackRow]:
    """The feedback received in the window, by assembly, oldest first."""
    query = (
        select(
            Feedback.assembly_id,
            Feedback.created_at,
            Feedback.language,
            case((Feedback.redacted_at.is_(None), Feedback.text), else_=None),
            Feedback.id,
        )
        .where(
            Feedback.assembly_id.in_(_ids(assembly_ids)),
            Feedback.created_at >= window.start,
            Feedback.created_at < window.end,
        )
        .order_by(Feedback.assembly_id, Feedback.created_at, Feedback.id)
    )
    return [FeedbackRow(*row) for row in (await session.execute(query)).all()]


async def feedback_counts(
    session: AsyncSession, assembly_ids: Sequence[int], window: Window
) -> dict[int, int]:
    """How much feedback each assembly received in the window."""
    query = (
        select(Feedback.assembly_id, func.count())
        .where(
            Feedback.assembly_id.in_(_ids(assembly_ids)),
            Feedback.created_at >= window.start,
            Feedback.created_at < window.end,
        )
        .group_by(Feedback.assembly_id)
    )
    return {int(a): int(n) for a, n in (await session.execute(query)).all()}


async def notices_reach(
    session: AsyncSession, assembly_ids: Sequence[int], window: Window
) -> list[NoticeReach]:
    """Notices queued in the window, oldest first, each with its outbox rows counted by reach."""
    in_window = and_(
        Notice.assembly_id.in_(_ids(assembly_ids)),
        Notice.queued_at.is_not(None),
        Notice.queued_at >= window.start,
        Notice.queued_at < window.end,
    )
    notices = (
        await session.execute(
            select(Notice.id, Notice.assembly_id, Notice.kind, Notice.text, Notice.queued_at)
            .where(in_window)
            .order_by(Notice.queued_at, Notice.id)
        )
    ).all()
    counts = (
        await session.execute(
            select(OutboxMessage.notice_id, OutboxMessage.status, func.count())
            .join(Notice, Notice.id == OutboxMessage.notice_id)
            .where(in_window)
            .group_by(OutboxMessage.notice_id, OutboxMessage.status)
        )
    ).all()
    reach: dict[int, dict[str, int]] = {int(row[0]): dict.fromkeys(REACH, 0) for row in notices}
    for notice_id, status, count in counts:
        column = REACH_OF_STATUS.get(str(status))
        if column is not None:
            reach[int(notice_id)][column] += int(count)
    found = []
    for n, a, kind, text, queued in notices:
        assert queued is not None  # the query keeps only queued notices
        found.append(NoticeReach(int(n), int(a), str(kind), dict(text), queued, reach[int(n)]))
    return found


async def reach_by_municipality(
    session: AsyncSession, assembly_ids: Sequence[int], window: Window
) -> dict[int, dict[str, int]]:
    """Outbox rows of the notices queued in the window, by municipality and reach."""
    query = (
        select(Assembly.municipality_id, OutboxMessage.status, func.count())
        .select_from(OutboxMessage)
        .join(Notice, Notice.id == OutboxMessage.notice_id)
        .join(Assembly, Assembly.id == Notice.assembly_id)
        .where(
            Notice.assembly_id.in_(_ids(assembly_ids)),
            Notice.queued_at.is_not(None),
            Notice.queued_at >= window.start,
            Notice.queued_at < window.end,
        )
        .group_by(Assembly.municipality_id, OutboxMessage.status)
    )
    found: dict[int, dict[str, int]] = {}
    for municipality_id, status, count in (await session.execute(query)).all():
        column = REACH_OF_STATUS.get(str(status))
        if column is not None:
            row = found.setdefault(int(municipality_id), dict.fromkeys(REACH, 0))
            row[column] += int(count)
    return found


async def feedback_by_municipality(
    session: AsyncSession, assembly_ids: Sequence[int], window: Window
) -> dict[int, int]:
    """How much feedback each municipality received in the window."""
    query = (
        select(Assembly.municipality_id, func.count())
        .select_from(Feedback)
        .join(Assembly, Assembly.id == Feedback.assembly_id)
        .where(
            Feedback.assembly_id.in_(_ids(assembly_ids)),
            Feedback.created_at >= window.start,
            Feedback.created_at < window.end,
        )
        .group_by(Assembly.municipality_id)
    )
    return {int(m): int(n) for m, n in (await session.execute(query)).all()}


async def feedback_texts(
    session: AsyncSession, feedback_ids: Sequence[int]
) -> dict[int, str | None]:
    """The texts of these feedback rows as stored now, None for a redacted one; a row erased
    (with its writer, or for its age) is not among them."""
    if not feedback_ids:
        return {}
    query = select(Feedback.id, Feedback.text, Feedback.redacted_at).where(
        Feedback.id.in_(list(feedback_ids))
    )
    return {
        row.id: None if row.redacted_at is not None else row.text
        for row in await session.execute(query)
    }


async def redact_feedback(
    session: AsyncSession, feedback_id: int, assembly_ids: Sequence[int], now: datetime
) -> bool:
    """Empty one feedback text of these assemblies, mark it redacted and log the destruction
    (in the caller's transaction); False if there is no such feedback among them."""
    feedback = await session.get(Feedback, feedback_id)
    if feedback is None or feedback.assembly_id not in assembly_ids:
        return False
    if feedback.redacted_at is None:
        feedback.text = ""
        feedback.redacted_at = now
        assembly = await session.get(Assembly, feedback.assembly_id)
        await record_destruction(
            session,
            DestructionCategory.FEEDBACK,
            DestructionReason.REDACTION,
            1,
            now,
            municipality_id=assembly.municipality_id if assembly else None,
        )
    return True
