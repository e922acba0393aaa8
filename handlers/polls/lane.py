"""The answer lane: an answer to the question just asked, read in one statement, written in one.

Most messages are answers to the question a person was just asked. For those, the general path
(the person and their staff conversation as ORM objects, the handlers of their step, a unit of
work at commit) costs several statements and most of a turn's CPU. The lane takes the common
case only, and whatever it does not recognise goes the general way, untouched:

- a participant who chose a language and consented, at a poll's question (not reviewing
  answers, not ticking a multiple choice's boxes), with no staff conversation open;
- a typed answer the question takes as it is (a text, a number in range, option numbers, one
  of the buttons by number or label, not a command or keyword) or a pressed button of the
  current question that answers it at once (an option, a point of a scale, yes or no).

It reads the person and their standing in the poll in one statement (``storage.answer_lane``),
uses the process's kept poll definition, and writes the answer, the message's key and the next
step in one batch, committed (``storage.prepared``). The replies are the very messages the
general path sends, built by the same functions (``handlers.polls.answering``,
``handlers.core.flow``), and the step and its button nonce move the same way, so a person
cannot tell which way their answer went. A finished poll reads what comes next
(``storage.ahead``) before anything is written; if that is not another poll or rest (a
profile question added meanwhile, say), the turn goes the general way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.events import Answer, Incoming, Outgoing
from handlers.core.flow import idle_message, step_ahead
from handlers.core.keywords import keyword_command
from handlers.core.steps import CoreStep, Step
from handlers.core.text_input import MAX_TEXT_LENGTH, chosen_value, clean_text
from handlers.core.turn import step_choice
from handlers.i18n.core import use_language
from handlers.polls.answering import (
    Given,
    MakeButton,
    ask,
    following_question,
    number_answer,
    pressed_answer,
    question_choices,
    thanks,
    typed_options,
)
from handlers.polls.steps import PollStep
from handlers.staff.desk import IDLE_LIMIT
from handlers.staff.steps import is_staff_button
from storage.ahead import Ahead, ahead
from storage.answer_lane import Recording, Seat, record_answer, seat
from storage.base import utcnow
from storage.models import Poll, Question
from storage.poll_cache import poll_at
from storage.polls import answer_slot
from storage.vocabulary import PollStatus, QuestionKind


@dataclass(frozen=True)
class Next:
    """Where the conversation goes after the answer, and what is said."""

    step: Step
    data: dict[str, Any]
    nonce: int
    replies: list[Outgoing]
    completing: bool


async def answer_in_lane(
    session: AsyncSession, incoming: Incoming, address_hash: str
) -> Answer | None:
    """Answer and commit an answer to the current question, or None to go the general way
    (nothing is written then)."""
    if incoming.unsupported or incoming.document is not None:
        return None
    person = await seat(session, incoming.channel, address_hash)
    if person is None or not _answering(person):
        return None
    data = person.step_data
    poll_id, index, standing = data.get("poll"), data.get("q"), person.standing
    if not isinstance(poll_id, int) or not isinstance(index, int) or standing is None:
        return None
    poll = await poll_at(session, poll_id, standing.revision)
    if poll is None or poll.status != PollStatus.OPEN or not 0 <= index < len(poll.questions):
        return None
    language = person.language or ""
    with use_language(language):
        question = poll.questions[index]
        given = _given(question, incoming, person.step_nonce)
        if given is None:
            return None
        answered = standing.answered | {question.id}
        coming = await _next(session, person, poll, index, answered)
        if coming is None:
            return None
    key = (incoming.channel, str(incoming.message_id)) if incoming.message_id else None
    await record_answer(
        session,
        Recording(
            participant_id=person.participant_id,
            language=language,
            poll_id=poll.id,
            question_id=question.id,
            slots=[(option, answer_slot(question, option)) for option in given.option_ids]
            or [(None, 0)],
            value_int=given.value_int,
            value_text=given.value_text,
            new_response=standing.response_id is None,
            replacing=question.id in standing.answered,
            completing=coming.completing and not standing.completed,
            step=coming.step,
            step_data=coming.data,
            step_nonce=coming.nonce,
            message_key=key,
        ),
    )
    return Answer(coming.replies, person.language, answers=1)


def _answering(person: Seat) -> bool:
    """Whether the person stands at a poll's question, as the lane serves it."""
    data = person.step_data
    desk_open = bool(
        person.desk_step
        and person.desk_updated_at is not None
        and person.desk_updated_at > utcnow() - IDLE_LIMIT
    )
    return (
        person.consented
        and person.language is not None
        and person.step == PollStep.POLL
        and not desk_open
        and not data.get("review")
        and "sel" not in data
    )


def _given(question: Question, incoming: Incoming, nonce: int) -> Given | None:
    """The answer the message gives the question, if the lane takes it as it is."""
    if incoming.choice is not None:
        if is_staff_button(incoming.choice):
            return None
        pressed_nonce, _sep, value = incoming.choice.partition(":")
        return pressed_answer(question, value) if pressed_nonce == str(nonce) else None
    text = clean_text(incoming.text or "")
    if not text or len(text) > MAX_TEXT_LENGTH or text.startswith("/") or keyword_command(text):
        return None
    if question.kind == QuestionKind.TEXT:
        return Given(value_text=text)
    if question.kind == QuestionKind.NUMBER:
        number = number_answer(question, text)
        return Given(value_int=number) if number is not None else None
    if question.kind == QuestionKind.MULTI:
        options = typed_options(question, text)
        return Given(option_ids=options) if options is not None else None
    named = chosen_value(text, question_choices(_button_of(nonce), question, []))
    return pressed_answer(question, named) if named is not None else None


async def _next(
    session: AsyncSession, person: Seat, poll: Poll, index: int, answered: frozenset[int]
) -> Next | None:
    """The next question of the poll; or, the poll done, the next poll's first question or
    rest; None when what follows is for the general path."""
    following = following_question(poll, index, answered, review=False)
    if following is not None:
        nonce = person.step_nonce + 1
        asked = ask(
            poll, following, question_choices(_button_of(nonce), poll.questions[following], [])
        )
        data = {"poll": poll.id, "q": following, "review": False}
        return Next(PollStep.POLL, data, nonce, [asked], completing=False)
    waiting = await ahead(session, person.participant_id)
    others = Ahead(waiting.assemblies, tuple(p for p in waiting.polls if p.id != poll.id))
    step, data = await step_ahead(session, others)
    nonce = person.step_nonce + 2  # the poll's step ends, and the next one begins
    if step == CoreStep.IDLE:
        rest = idle_message([assembly.name for assembly in waiting.assemblies])
        return Next(step, data, nonce, [thanks(poll), rest], completing=True)
    if step != PollStep.POLL:
        return None
    upcoming = await poll_at(session, data["poll"], _revision(others, data["poll"]))
    if upcoming is None:
        return None
    start = data["q"]
    asked = ask(upcoming, start, question_choices(_button_of(nonce), upcoming.questions[start], []))
    return Next(step, data, nonce, [thanks(poll), asked], completing=True)


def _revision(waiting: Ahead, poll_id: int) -> int:
    """The revision of an open poll as read with what is ahead."""
    return next(p.revision for p in waiting.polls if p.id == poll_id)


def _button_of(nonce: int) -> MakeButton:
    """A maker of buttons that carry this step nonce, as ``Turn.button`` makes them."""
    return partial(step_choice, nonce)
