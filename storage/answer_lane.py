"""The reads and writes of the answer lane: one statement to read, one batch to write.

Most messages a bot like this gets are answers to the question a person was just asked. The
lane (``handlers.polls.lane``) serves them with what is here: ``seat`` reads the person, their
step, whether a staff conversation of theirs is open, and where they stand in the poll the step
names (its revision, their response, the questions answered, listed in one column) in one
statement, one row;
``record_answer`` writes the message's key, the response if it is the first answer, the answer,
the completion, and the person's next step, committed in one batch (``storage.prepared``: one
trip on SQLite).

Each statement is built once. The answer rows name their response by poll and person rather
than by id, so a first answer needs no read of the id it has just created.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import String, and_, bindparam, case, cast, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import utcnow
from storage.models import (
    Answer,
    InboundMessage,
    Participant,
    Poll,
    Response,
    StaffConversation,
)
from storage.polls import Standing
from storage.prepared import Params, Prepared, fetch, write


@dataclass(frozen=True)
class Seat:
    """A person as a turn first needs them: their conversation, and where they stand in the
    poll their step names (None when it names none, or a poll that does not exist)."""

    participant_id: int
    language: str | None
    consented: bool
    step: str
    step_data: dict[str, Any]
    step_nonce: int
    desk_step: str | None
    desk_updated_at: datetime | None
    standing: Standing | None


@cache
def _seat_query(dialect: str) -> Prepared:
    """The person, their staff conversation, and their standing in the step's poll.

    The poll is the step's ``poll`` number. PostgreSQL refuses to cast anything else to an
    integer (a broken step would fail every turn of its person), so there it is cast only when
    it is digits; SQLite casts anything, to 0 at worst.
    """
    stored = Participant.step_data["poll"]
    poll_id: Any = stored.as_integer()
    listed: Any = func.group_concat(Answer.question_id)
    if dialect == "postgresql":
        poll_id = case((stored.as_string().regexp_match("^[0-9]{1,9}$"), poll_id))
        listed = func.string_agg(cast(Answer.question_id, String), ",")
    answered = select(listed).where(Answer.response_id == Response.id).scalar_subquery()
    return Prepared(
        select(
            Participant.id,
            Participant.language,
            Participant.consented_at.is_not(None),
            Participant.step,
            Participant.step_data,
            Participant.step_nonce,
            StaffConversation.step,
            StaffConversation.updated_at,
            Poll.revision,
            Response.id,
            Response.completed_at.is_not(None),
            answered,
        )
        .select_from(Participant)
        .outerjoin(
            StaffConversation,
            and_(
                StaffConversation.channel == Participant.channel,
                StaffConversation.address_hash == Participant.address_hash,
            ),
        )
        .outerjoin(Poll, Poll.id == poll_id)
        .outerjoin(
            Response,
            and_(Response.poll_id == Poll.id, Response.participant_id == Participant.id),
        )
        .where(
            Participant.channel == bindparam("channel"),
            Participant.address_hash == bindparam("address_hash"),
        )
    )


async def seat(session: AsyncSession, channel: str, address_hash: str) -> Seat | None:
    """The person with this address, as a turn first needs them; None if there is none."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    query = _seat_query(dialect)
    rows = await fetch(session, query, {"channel": channel, "address_hash": address_hash})
    if not rows:
        return None
    first = rows[0]
    revision, response_id, completed, listed = first[8], first[9], first[10], first[11]
    standing = None
    if revision is not None:
        answered = (
            frozenset(int(each) for each in str(listed).split(",")) if listed else frozenset()
        )
        standing = Standing(revision, response_id, bool(completed), answered)
    return Seat(
        participant_id=first[0],
        language=first[1],
        consented=bool(first[2]),
        step=first[3] or "",
        step_data=dict(first[4] or {}),
        step_nonce=first[5] or 0,
        desk_step=first[6],
        desk_updated_at=first[7],
        standing=standing,
    )


@dataclass(frozen=True)
class Recording:
    """What one answer changes: the answer itself, and the person's next step."""

    participant_id: int
    language: str
    poll_id: int
    question_id: int
    slots: Sequence[tuple[int | None, int]]  # (option id, slot) of each row: one but for a multi
    value_int: int | None
    value_text: str | None
    new_response: bool
    replacing: bool
    completing: bool
    step: str
    step_data: dict[str, Any]
    step_nonce: int
    message_key: tuple[str, str] | None = field(default=None)  # (channel, the message's id)


def _response_of_person() -> Any:
    """The id of the person's response to the poll, as a subquery of the answer statements."""
    return (
        select(Response.id)
        .where(
            Response.poll_id == bindparam("poll"), Response.participant_id == bindparam("person")
        )
        .scalar_subquery()
    )


@cache
def _writes() -> dict[str, Prepared]:
    """The statements an answer may write, built once."""
    return {
        "key": Prepared(
            insert(InboundMessage).values(
                channel=bindparam("channel"),
                external_id=bindparam("external_id"),
                received_at=bindparam("now"),
            )
        ),
        "response": Prepared(
            insert(Response).values(
                poll_id=bindparam("poll"),
                participant_id=bindparam("person"),
                language=bindparam("language"),
                started_at=bindparam("now"),
            )
        ),
        "unanswer": Prepared(
            delete(Answer).where(
                Answer.response_id == _response_of_person(),
                Answer.question_id == bindparam("question"),
            )
        ),
        "answer": Prepared(
            insert(Answer).values(
                response_id=_response_of_person(),
                question_id=bindparam("question"),
                option_id=bindparam("option"),
                slot=bindparam("slot"),
                value_int=bindparam("value_int"),
                value_text=bindparam("value_text"),
                answered_at=bindparam("now"),
            )
        ),
        "complete": Prepared(
            update(Response)
            .where(
                Response.poll_id == bindparam("poll"),
                Response.participant_id == bindparam("person"),
                Response.completed_at.is_(None),
            )
            .values(completed_at=bindparam("now"))
        ),
        "step": Prepared(
            update(Participant)
            .where(Participant.id == bindparam("person"))
            .values(
                step=bindparam("step"),
                step_data=bindparam("step_data", type_=Participant.step_data.type),
                step_nonce=bindparam("nonce"),
                last_inbound_at=bindparam("now"),
            )
        ),
    }


async def record_answer(session: AsyncSession, recording: Recording) -> None:
    """Write one answer and the person's next step, and commit, as one batch.

    The message's key goes first: a copy of a message handled already fails there, on the
    key's uniqueness, and the batch is rolled back whole (``IntegrityError``).
    """
    statements = _writes()
    now = utcnow()
    who: Params = {"poll": recording.poll_id, "person": recording.participant_id, "now": now}
    batch: list[tuple[Prepared, Params | Sequence[Params]]] = []
    if recording.message_key is not None:
        channel, external_id = recording.message_key
        batch.append(
            (statements["key"], {"channel": channel, "external_id": external_id, "now": now})
        )
    if recording.new_response:
        batch.append((statements["response"], {**who, "language": recording.language}))
    if recording.replacing:
        batch.append((statements["unanswer"], {**who, "question": recording.question_id}))
    rows = [
        {
            **who,
            "question": recording.question_id,
            "option": option_id,
            "slot": slot,
            "value_int": recording.value_int,
            "value_text": recording.value_text,
        }
        for option_id, slot in recording.slots
    ]
    batch.append((statements["answer"], rows))
    if recording.completing:
        batch.append((statements["complete"], who))
    batch.append(
        (
            statements["step"],
            {
                "person": recording.participant_id,
                "step": recording.step,
                "step_data": recording.step_data,
                "nonce": recording.step_nonce,
                "now": now,
            },
        )
    )
    await write(session, batch)
