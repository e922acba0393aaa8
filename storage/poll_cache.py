"""Poll definitions kept in memory by each process, read again when the poll's revision moves.

Answering a question needs the poll with its questions and options: about fifteen rows turned
into objects at every turn. They change rarely (a correction, opening, closing), and every
change moves ``polls.revision`` (``bump_poll_revisions``, below, and the Core updates in
``storage.polls``). A turn reads the revision anyway, in the one statement that says where the
person stands (``storage.polls.standing``), so a kept definition of that revision is used as it
is, and one of an older revision is read again. The kept objects are detached from any session
and only read.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.models import Option, Poll, Question
from storage.polls import poll_with_questions

POLL_DEFINITIONS = "reslog.poll_definitions"
KEPT = 64


class PollDefinitions:
    """The definitions of the polls answered lately, at most ``size``, the least used dropped."""

    def __init__(self, size: int = KEPT) -> None:
        self._size = size
        self._polls: OrderedDict[int, Poll] = OrderedDict()

    async def get(self, session: AsyncSession, poll_id: int, revision: int) -> Poll | None:
        """The poll at this revision with its questions and options, read if not kept."""
        kept = self._polls.get(poll_id)
        if kept is not None and kept.revision == revision:
            self._polls.move_to_end(poll_id)
            return kept
        poll = await poll_with_questions(session, poll_id)
        if poll is None or poll.revision != revision:
            return poll  # changed since the revision was read: used, not kept
        session.expunge(poll)  # with its questions and options (the relationships cascade)
        self._polls[poll_id] = poll
        self._polls.move_to_end(poll_id)
        while len(self._polls) > self._size:
            self._polls.popitem(last=False)
        return poll


async def poll_at(session: AsyncSession, poll_id: int, revision: int) -> Poll | None:
    """The poll at this revision, from the process's kept definitions when the session's
    factory has them (``storage.engine.create_sessionmaker``), else read."""
    definitions = session.info.get(POLL_DEFINITIONS)
    if isinstance(definitions, PollDefinitions):
        return await definitions.get(session, poll_id, revision)
    return await poll_with_questions(session, poll_id)


def bump_poll_revisions(session: Session, _context: Any, _instances: Any) -> None:
    """Before a flush: one more revision for every poll changed, or whose questions or options
    are added, changed or deleted in it."""
    changed: set[int] = set()
    with session.no_autoflush:
        for instance in (*session.new, *session.dirty, *session.deleted):
            if isinstance(instance, Poll) and instance in session.dirty:
                if session.is_modified(instance):
                    instance.revision = (instance.revision or 0) + 1
            elif isinstance(instance, Question) and instance.poll_id is not None:
                changed.add(instance.poll_id)
            elif isinstance(instance, Option) and instance.question_id is not None:
                question = session.get(Question, instance.question_id)
                if question is not None:
                    changed.add(question.poll_id)
    if changed:
        session.execute(
            update(Poll).where(Poll.id.in_(changed)).values(revision=Poll.revision + 1),
            execution_options={"synchronize_session": False},
        )
