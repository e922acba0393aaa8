"""Reading and changing polls, and recording and reading responses and answers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.base import utcnow
from storage.models import Answer, Poll, Question, Response
from storage.vocabulary import PollStatus, QuestionKind


async def open_polls(session: AsyncSession, assembly_ids: Sequence[int]) -> list[Poll]:
    """The open polls of these assemblies, the earliest opened first."""
    if not assembly_ids:
        return []
    query = (
        select(Poll)
        .where(Poll.assembly_id.in_(assembly_ids), Poll.status == PollStatus.OPEN)
        .order_by(Poll.opened_at, Poll.id)
    )
    return list((await session.execute(query)).scalars())


async def assembly_polls(
    session: AsyncSession, assembly_ids: Sequence[int], statuses: Sequence[str]
) -> list[Poll]:
    """The polls of these assemblies in these states, the newest first."""
    query = (
        select(Poll)
        .where(Poll.assembly_id.in_(list(assembly_ids)), Poll.status.in_(list(statuses)))
        .order_by(Poll.created_at.desc(), Poll.id.desc())
    )
    return list((await session.execute(query)).scalars())


async def latest_opened_polls(
    session: AsyncSession, assembly_ids: Sequence[int], limit: int
) -> list[Poll]:
    """The ``limit`` polls of these assemblies opened last (drafts left out), the latest first."""
    query = (
        select(Poll)
        .where(Poll.assembly_id.in_(list(assembly_ids)), Poll.status != PollStatus.DRAFT)
        .order_by(Poll.opened_at.desc(), Poll.id.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def poll_by_slug(session: AsyncSession, assembly_id: int, slug: str) -> Poll | None:
    """The assembly's poll with this slug, if it has one."""
    query = select(Poll).where(Poll.assembly_id == assembly_id, Poll.slug == slug)
    return (await session.execute(query)).scalar_one_or_none()


async def slug_taken(session: AsyncSession, assembly_id: int, slug: str) -> bool:
    """Whether the assembly has a poll with this slug (the poll itself is not read)."""
    query = select(Poll.id).where(Poll.assembly_id == assembly_id, Poll.slug == slug)
    return (await session.execute(query)).first() is not None


async def poll_slugs(session: AsyncSession, assembly_id: int) -> set[str]:
    """The slugs of the assembly's polls."""
    query = select(Poll.slug).where(Poll.assembly_id == assembly_id)
    return set((await session.execute(query)).scalars().all())


async def move_status(
    session: AsyncSession, poll_id: int, before: str, after: str, **values: object
) -> bool:
    """Move the poll from status ``before`` to ``after`` (and set ``values``) if it is still
    ``before``, in one conditional update (the poll's revision moves too); whether it moved."""
    claimed = await session.execute(
        update(Poll)
        .where(Poll.id == poll_id, Poll.status == before)
        .values(status=after, revision=Poll.revision + 1, **values)
    )
    return bool(getattr(claimed, "rowcount", 0))


async def has_responses(session: AsyncSession, poll_id: int) -> bool:
    """Whether anyone has answered the poll (a response of someone since erased counts too)."""
    found = await session.execute(select(Response.id).where(Response.poll_id == poll_id).limit(1))
    return found.first() is not None


async def participant_responses(session: AsyncSession, participant_id: int) -> list[Response]:
    """Every response a participant started."""
    query = select(Response).where(Response.participant_id == participant_id)
    return list((await session.execute(query)).scalars())


async def poll_with_questions(session: AsyncSession, poll_id: int) -> Poll | None:
    """A poll with its questions and their options, read in one query."""
    return await session.get(
        Poll, poll_id, options=[joinedload(Poll.questions).joinedload(Question.options)]
    )


async def find_response(
    session: AsyncSession, poll_id: int, participant_id: int
) -> Response | None:
    """The participant's response to a poll, if they started one."""
    query = select(Response).where(
        Response.poll_id == poll_id, Response.participant_id == participant_id
    )
    return (await session.execute(query)).scalar_one_or_none()


@dataclass(frozen=True)
class Standing:
    """Where one person stands in one poll: its revision, their response if they started one,
    whether it is complete, and the questions it answers."""

    revision: int
    response_id: int | None
    completed: bool
    answered: frozenset[int]

    def with_answer(self, response_id: int, question_id: int) -> Standing:
        """The standing once this question is answered in this response."""
        return replace(self, response_id=response_id, answered=self.answered | {question_id})


@cache
def _standing_query() -> Select[int, int, datetime | None, int]:
    """The poll's revision, the person's response and the questions it answers: one row per
    answer row (one row if none), built once."""
    return (
        select(Poll.revision, Response.id, Response.completed_at, Answer.question_id)
        .outerjoin(
            Response,
            (Response.poll_id == Poll.id) & (Response.participant_id == bindparam("person")),
        )
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(Poll.id == bindparam("poll"))
    )


async def standing(session: AsyncSession, poll_id: int, participant_id: int) -> Standing | None:
    """Where the participant stands in the poll, in one statement; None if there is no poll."""
    rows = (
        await session.execute(_standing_query(), {"poll": poll_id, "person": participant_id})
    ).all()
    if not rows:
        return None
    revision, response_id, completed_at, _question = rows[0]
    answered = frozenset(row[3] for row in rows if row[3] is not None)
    return Standing(revision, response_id, completed_at is not None, answered)


async def new_response(
    session: AsyncSession, poll_id: int, participant_id: int, language: str
) -> int:
    """Start the participant's response to a poll, in one statement; its id."""
    inserted = await session.execute(
        insert(Response)
        .values(
            poll_id=poll_id, participant_id=participant_id, language=language, started_at=utcnow()
        )
        .returning(Response.id)
    )
    return int(inserted.scalar_one())


async def complete_response(session: AsyncSession, response_id: int) -> None:
    """Mark a response complete, unless it already is."""
    await session.execute(
        update(Response)
        .where(Response.id == response_id, Response.completed_at.is_(None))
        .values(completed_at=utcnow())
    )


async def answers_by_question(session: AsyncSession, response_id: int) -> dict[int, list[Answer]]:
    """A response's answers, grouped by question id."""
    query = select(Answer).where(Answer.response_id == response_id).order_by(Answer.id)
    grouped: dict[int, list[Answer]] = defaultdict(list)
    for answer in (await session.execute(query)).scalars():
        grouped[answer.question_id].append(answer)
    return dict(grouped)


def answer_slot(question: Question, option_id: int | None) -> int:
    """What tells an answer row apart from the question's others: the option of a multiple
    choice, else 0 (one row per question, which the database's unique index keeps so)."""
    if question.kind == QuestionKind.MULTI and option_id is not None:
        return option_id
    return 0


async def replace_answer(
    session: AsyncSession,
    response_id: int,
    question: Question,
    *,
    option_ids: Sequence[int] = (),
    value_int: int | None = None,
    value_text: str | None = None,
    replacing: bool = True,
) -> None:
    """Record the answer to one question: one insert, after deleting the earlier answer when
    ``replacing`` (a question answered before; the unique index refuses a second value)."""
    if replacing:
        await session.execute(
            delete(Answer).where(
                Answer.response_id == response_id, Answer.question_id == question.id
            )
        )
    now = utcnow()
    rows = [
        {
            "response_id": response_id,
            "question_id": question.id,
            "option_id": option_id,
            "slot": answer_slot(question, option_id),
            "value_int": value_int,
            "value_text": value_text,
            "answered_at": now,
        }
        for option_id in (list(option_ids) if option_ids else [None])
    ]
    await session.execute(insert(Answer), rows)


async def answers_by_response(
    session: AsyncSession, poll_id: int
) -> dict[int, dict[int, list[Answer]]]:
    """Each answered response of the poll, by id, with its answers by question (the response
    itself, its language and its person, are never read)."""
    query = (
        select(Response.id, Answer)
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.poll_id == poll_id)
        .order_by(Answer.id)
    )
    found: dict[int, dict[int, list[Answer]]] = {}
    for response_id, answer in (await session.execute(query)).all():
        found.setdefault(response_id, defaultdict(list))[answer.question_id].append(answer)
    return found
