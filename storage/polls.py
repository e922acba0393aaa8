"""Reading polls and recording responses and answers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.base import utcnow
from storage.models import Answer, Poll, Question, Response
from storage.vocabulary import PollStatus


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
            "value_int": value_int,
            "value_text": value_text,
            "answered_at": now,
        }
        for option_id in (list(option_ids) if option_ids else [None])
    ]
    await session.execute(insert(Answer), rows)
