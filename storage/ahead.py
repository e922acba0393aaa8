"""What may still wait for a person once a step is done: profile questions, open polls.

``ahead`` reads it in two statements (``storage.prepared``): the person's assemblies with the
profile questions they have answered and their consent to each one's municipality, and the open polls of those assemblies with where the
person stands in each. Both the conversation's general path (``handlers.core.flow``) and the
answer lane use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Answer,
    Assembly,
    Consent,
    Membership,
    Municipality,
    Poll,
    ProfileAnswer,
    Response,
)
from storage.prepared import Prepared, Row, fetch
from storage.vocabulary import PollStatus


@dataclass(frozen=True)
class AssemblyAhead:
    """One of the person's assemblies: its name, its profile questions (those marked sensitive
    apart) and those they have answered, and where their consent to its municipality stands:
    the notice version in force, the version and wording they agreed on (None: never), and
    their choice on the sensitive questions (None: not asked)."""

    id: int
    name: dict[str, str]
    profile_keys: tuple[str, ...]
    answered_keys: frozenset[str]
    municipality_id: int = 0
    notice_version: int = 0
    agreed_version: int | None = None
    agreed_wording: str | None = None
    sensitive: bool | None = None
    sensitive_keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PollAhead:
    """An open poll of the person's assemblies, and where they stand in it."""

    id: int
    revision: int
    completed: bool
    answered: frozenset[int]


@dataclass(frozen=True)
class Ahead:
    """What may still wait for a person: their assemblies, the first joined first, and the
    open polls of those assemblies, the earliest opened first."""

    assemblies: tuple[AssemblyAhead, ...]
    polls: tuple[PollAhead, ...]


@cache
def _assemblies_query() -> Prepared:
    """The person's assemblies with their consent to each one's municipality and their profile
    answers: a row per answer (one if none), the answer's key last."""
    return Prepared(
        select(
            Assembly.id,
            Assembly.name,
            Assembly.profile,
            Assembly.municipality_id,
            Municipality.notice_version,
            Consent.notice_version.label("agreed_version"),
            Consent.wording,
            Consent.sensitive,
            ProfileAnswer.question_key,
        )
        .join(Membership, Membership.assembly_id == Assembly.id)
        .join(Municipality, Municipality.id == Assembly.municipality_id)
        .outerjoin(
            Consent,
            and_(
                Consent.participant_id == Membership.participant_id,
                Consent.municipality_id == Assembly.municipality_id,
            ),
        )
        .outerjoin(
            ProfileAnswer,
            and_(
                ProfileAnswer.participant_id == Membership.participant_id,
                ProfileAnswer.assembly_id == Assembly.id,
            ),
        )
        .where(Membership.participant_id == bindparam("person"))
        .order_by(Membership.joined_at, Assembly.id)
    )


@cache
def _open_polls_query() -> Prepared:
    """The open polls of the person's assemblies with their standing: a row per answer."""
    return Prepared(
        select(Poll.id, Poll.revision, Response.completed_at, Answer.question_id)
        .join(
            Membership,
            and_(
                Membership.assembly_id == Poll.assembly_id,
                Membership.participant_id == bindparam("person"),
            ),
        )
        .outerjoin(
            Response,
            and_(Response.poll_id == Poll.id, Response.participant_id == bindparam("person")),
        )
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(Poll.status == PollStatus.OPEN)
        .order_by(Poll.opened_at, Poll.id)
    )


async def ahead(session: AsyncSession, participant_id: int) -> Ahead:
    """The person's assemblies and open polls, in two statements."""
    person = {"person": participant_id}
    assemblies = _grouped(await fetch(session, _assemblies_query(), person), 8)
    polls = _grouped(await fetch(session, _open_polls_query(), person), 3)
    return Ahead(
        assemblies=tuple(
            AssemblyAhead(
                id=row[0],
                name=dict(row[1] or {}),
                profile_keys=tuple(str(question["key"]) for question in row[2] or []),
                answered_keys=frozenset(keys),
                municipality_id=row[3],
                notice_version=row[4],
                agreed_version=row[5],
                agreed_wording=row[6],
                sensitive=row[7],
                sensitive_keys=frozenset(
                    str(question["key"]) for question in row[2] or [] if question.get("sensitive")
                ),
            )
            for row, keys in assemblies
        ),
        polls=tuple(
            PollAhead(id=row[0], revision=row[1], completed=row[2] is not None, answered=ids)
            for row, ids in polls
        ),
    )


def _grouped(rows: list[Row], last: int) -> list[tuple[Row, frozenset[Any]]]:
    """Rows that repeat a thing once per joined value (column ``last``), as one row per thing
    with the set of its values; in the order the things first appear."""
    grouped: dict[Any, tuple[Row, set[Any]]] = {}
    for row in rows:
        kept = grouped.setdefault(row[0], (row, set()))
        if row[last] is not None:
            kept[1].add(row[last])
    return [(row, frozenset(values)) for row, values in grouped.values()]
