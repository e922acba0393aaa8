"""A poll file whose slug the assembly may have already: what importing it does.

- A new slug: the poll is stored as a draft (``IMPORTED``).
- A poll that nobody has answered yet and that is not closed (a draft, or an open or scheduled
  poll without a response): its title, questions and options become the file's; its status
  and times stay (``REPLACED``). Anyone who was looking at one of its questions is taken back
  to /polls with a fresh nonce, so no answer can land on a question they were not shown.
- A poll with at least one response, or a closed one: its questions and options are locked.
  The file may only correct texts: the same questions in the same order with the same kinds,
  the same number of options and the same min and max, and no option worded as another option
  of its question was (that is a reorder: every stored answer would change meaning). Then the texts are changed in place,
  the rows keep their ids and every stored answer still points at the question it was given
  for (``CORRECTED``); the invitation and results messages of the poll are written anew with
  the corrected wording, for whoever has not been sent them yet. Any other change is refused
  with ``PollLockedError``, naming the first difference: changing the meaning needs a new poll.
- Where only texts differ the poll is corrected in place whatever its state, and a file that
  changes nothing is ``UNCHANGED``.

Nothing is written before everything is checked, so a refused file changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n.core import LANGUAGES, N_
from handlers.polls.file import (
    PollSpec,
    QuestionSpec,
    option_place,
    question_place,
    question_rows,
    store_poll,
    title_place,
)
from handlers.polls.invitation import invitation_texts
from handlers.polls.outcome import outcome_texts
from handlers.polls.steps import PollStep
from handlers.polls.yaml_lines import ContentFileError
from storage.errors import LazyText, lazy
from storage.models import Assembly, Poll, Question
from storage.notices import poll_notices
from storage.participants import move_step_of_poll
from storage.polls import has_responses, poll_by_slug
from storage.vocabulary import PollStatus

IMPORTED, REPLACED, CORRECTED, UNCHANGED = "imported", "replaced", "corrected", "unchanged"


class PollLockedError(ContentFileError):
    """The file changes what a poll asks, and the poll is answered or closed."""


@dataclass(frozen=True)
class TextChange:
    """One text the file corrected: where it is and in which language."""

    where: LazyText
    language: str


@dataclass(frozen=True)
class PollFileResult:
    """What importing a poll file did."""

    action: str
    poll: Poll
    assembly: Assembly
    changes: tuple[TextChange, ...] = ()


async def apply_poll_file(
    session: AsyncSession, assembly: Assembly, spec: PollSpec
) -> PollFileResult:
    """Store a checked poll file as a new poll, or update the poll with its slug as allowed."""
    poll = await poll_by_slug(session, assembly.id, spec.slug)
    if poll is None:
        return PollFileResult(IMPORTED, await store_poll(session, assembly, spec), assembly)
    difference = first_difference(poll, spec)
    if difference is not None:
        locked = poll.status == PollStatus.CLOSED or await has_responses(session, poll.id)
        if locked:
            raise _locked(poll, spec, difference)
        await _replace(session, poll, spec, assembly)
        return PollFileResult(REPLACED, poll, assembly)
    changes = text_changes(poll, spec)
    if not changes:
        return PollFileResult(UNCHANGED, poll, assembly)
    _correct(poll, spec)
    await session.flush()
    await _rewrite_notices(session, poll, assembly)
    return PollFileResult(CORRECTED, poll, assembly, tuple(changes))


def first_difference(poll: Poll, spec: PollSpec) -> tuple[int | None, LazyText] | None:
    """The first change the file makes to what the poll asks (not to its wording), with its line."""
    if len(poll.questions) != len(spec.questions):
        return spec.questions_line, lazy(
            N_("the number of questions differs: {file} in the file, {poll} in the poll"),
            file=len(spec.questions),
            poll=len(poll.questions),
        )
    for number, (question, wanted) in enumerate(
        zip(poll.questions, spec.questions, strict=True), start=1
    ):
        found = _question_difference(question, wanted, question_place(number))
        if found is None:
            found = _moved_option(question, wanted, number)
        if found is not None:
            return wanted.line, found
    return None


def _moved_option(question: Question, wanted: QuestionSpec, number: int) -> LazyText | None:
    """An option the file words as another option of the question was worded: the options
    were reordered, which would give every stored answer another meaning."""
    for index, text in enumerate(wanted.options, start=1):
        for other, stored in enumerate(question.options, start=1):
            same = any(text.get(lang) and text.get(lang) == stored.text.get(lang) for lang in text)
            if other != index and same:
                return lazy(
                    N_("{where} is worded as {other} was: the options were reordered"),
                    where=option_place(number, index),
                    other=option_place(number, other),
                )
    return None


def _question_difference(
    question: Question, wanted: QuestionSpec, where: LazyText
) -> LazyText | None:
    """How one question of the file differs from the stored one in what it asks, if it does."""
    if question.kind != wanted.kind:
        return lazy(
            N_("{where} is {file} in the file but {poll} in the poll"),
            where=where,
            file=wanted.kind,
            poll=question.kind,
        )
    if len(question.options) != len(wanted.options):
        return lazy(
            N_("{where} has a different number of options: {file} in the file, {poll} in the poll"),
            where=where,
            file=len(wanted.options),
            poll=len(question.options),
        )
    if (question.min_value, question.max_value) != (wanted.min_value, wanted.max_value):
        return lazy(
            N_("{where} accepts {file} in the file but {poll} in the poll"),
            where=where,
            file=_bounds(wanted.min_value, wanted.max_value),
            poll=_bounds(question.min_value, question.max_value),
        )
    return None


def _bounds(low: int | None, high: int | None) -> str:
    """A number question's range as written in messages ("1–30", "–30", "1–", "–")."""
    return f"{'' if low is None else low}–{'' if high is None else high}"


def text_changes(poll: Poll, spec: PollSpec) -> list[TextChange]:
    """Every text the file words differently, for a file that asks the same as the poll."""
    changes = _changed(title_place(), poll.title, spec.title)
    for number, (question, wanted) in enumerate(
        zip(poll.questions, spec.questions, strict=True), start=1
    ):
        changes += _changed(question_place(number), question.text, wanted.text)
        for index, (option, text) in enumerate(
            zip(question.options, wanted.options, strict=True), start=1
        ):
            changes += _changed(option_place(number, index), option.text, text)
    return changes


def _changed(where: LazyText, stored: dict[str, str], wanted: dict[str, str]) -> list[TextChange]:
    """The languages in which one text differs."""
    languages = [lang for lang in LANGUAGES if lang in stored or lang in wanted]
    languages += sorted((set(stored) | set(wanted)) - set(LANGUAGES))
    return [TextChange(where, lang) for lang in languages if stored.get(lang) != wanted.get(lang)]


def _correct(poll: Poll, spec: PollSpec) -> None:
    """Write the file's texts over the poll's, keeping every row and its id."""
    poll.title = dict(spec.title)
    for question, wanted in zip(poll.questions, spec.questions, strict=True):
        question.text = dict(wanted.text)
        for option, text in zip(question.options, wanted.options, strict=True):
            option.text = dict(text)


async def _replace(session: AsyncSession, poll: Poll, spec: PollSpec, assembly: Assembly) -> None:
    """Put the file's title, questions and options in place of an unanswered poll's."""
    poll.title = dict(spec.title)
    poll.questions = question_rows(spec)
    await session.flush()
    await move_step_of_poll(session, poll.id, PollStep.POLL, PollStep.POLLS)
    await _rewrite_notices(session, poll, assembly)


async def _rewrite_notices(session: AsyncSession, poll: Poll, assembly: Assembly) -> None:
    """The poll's invitation and results messages, worded as the poll is now."""
    for notice in await poll_notices(session, poll.id, ("invitation", "results")):
        if notice.kind == "invitation":
            notice.text = invitation_texts(poll, assembly)
        else:
            notice.text = await outcome_texts(session, poll, assembly)
    await session.flush()


def _locked(poll: Poll, spec: PollSpec, difference: tuple[int | None, LazyText]) -> PollLockedError:
    """The refusal of a change to what an answered or closed poll asks."""
    line, what = difference
    if poll.status == PollStatus.CLOSED:
        reason = N_(
            "poll {slug} is closed, so only its texts can be corrected, but {difference}; to "
            "change what it asks, import it as a new poll under a new slug"
        )
    else:
        reason = N_(
            "poll {slug} has answers already, so only its texts can be corrected, but "
            "{difference}; to change what it asks, import it as a new poll under a new slug"
        )
    return PollLockedError(line, reason, slug=spec.slug, difference=what)
