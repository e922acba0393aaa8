"""Reading and changing polls, and recording and reading responses and answers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete, insert, select, update
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
    ``before``, in one conditional update; whether it moved."""
    claimed = await session.execute(
        update(Poll).where(Poll.id == poll_id, Poll.status == before).values(status=after, **values)
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


async def start_response(
    session: AsyncSession, poll_id: int, participant_id: int, language: str
) -> Response:
    """The participant's response to a poll, started now if there was none."""
    response = await find_response(session, poll_id, participant_id)
    if response is None:
        response = Response(
            poll_id=poll_id, participant_id=participant_id, language=language, started_at=utcnow()
        )
        session.add(response)
        await session.flush()
    return response


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
    response: Response,
    question: Question,
    *,
    option_ids: Sequence[int] = (),
    value_int: int | None = None,
    value_text: str | None = None,
) -> None:
    """Record the answer to one question, replacing an earlier one (two statements in all)."""
    await session.execute(
        delete(Answer).where(Answer.response_id == response.id, Answer.question_id == question.id)
    )
    now = utcnow()
    rows = [
        {
            "response_id": response.id,
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
