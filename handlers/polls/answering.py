"""Answering polls one question at a time, changing answers, and the /polls overview.

Every answer is committed as soon as it is given, so a restart continues at the same question.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass

from handlers.core.events import Choice, Outgoing
from handlers.core.text_input import chosen_value, parse_int, parse_numbers
from handlers.core.turn import Turn
from handlers.i18n.core import _, format_number, isolate, localized, ngettext
from handlers.polls.steps import PollStep
from storage.assemblies import member_assemblies
from storage.models import Answer, Poll, Question
from storage.poll_cache import poll_at
from storage.polls import (
    Standing,
    answers_by_question,
    complete_response,
    find_response,
    new_response,
    open_polls,
    replace_answer,
    standing,
)
from storage.vocabulary import PollStatus, QuestionKind

SCALE = range(1, 6)
NUMBER_LIMIT = 1_000_000_000
CHECKED, UNCHECKED = "☑", "☐"

MakeButton = Callable[[str, str], Choice]


def describe_answer(question: Question, answers: list[Answer]) -> str:
    """An answer as the person would read it back."""
    if not answers:
        return _("not answered")
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
        labels = {option.id: localized(option.text) for option in question.options}
        return ", ".join(labels.get(a.option_id or 0, "?") for a in answers)
    value = answers[0]
    if question.kind == QuestionKind.YESNO:
        return _("Yes") if value.value_int else _("No")
    if question.kind in (QuestionKind.SCALE, QuestionKind.NUMBER):
        return format_number(value.value_int or 0)
    return value.value_text or ""


def first_unanswered(poll: Poll, answered: Container[int]) -> int | None:
    """The position of the first question without an answer, if any."""
    return next((i for i, q in enumerate(poll.questions) if q.id not in answered), None)


async def _current(turn: Turn) -> tuple[Poll | None, int]:
    """The poll and question index the step names."""
    data = turn.person.step_data or {}
    return await load_poll(turn, data.get("poll")), int(data.get("q", 0))


async def load_poll(turn: Turn, poll_id: object) -> Poll | None:
    """A poll with its questions and options, once per turn: the process's kept definition
    when its revision is the poll's (``storage.poll_cache``), read otherwise. The objects are
    shared by the process's turns: only read them."""
    if not isinstance(poll_id, int):
        return None
    kept = turn.loaded.get((Poll, poll_id))
    if isinstance(kept, Poll):
        return kept
    where = await _standing(turn, poll_id)
    poll = await poll_at(turn.session, poll_id, where.revision) if where else None
    if poll is not None:
        turn.loaded[(Poll, poll_id)] = poll
    return poll


async def _standing(turn: Turn, poll_id: int) -> Standing | None:
    """Where the person stands in the poll, read once per turn and kept up to date by it."""
    kept = turn.loaded.get((Standing, poll_id))
    if isinstance(kept, Standing):
        return kept
    where = await standing(turn.session, poll_id, turn.person.id)
    if where is not None:
        turn.loaded[(Standing, poll_id)] = where
    return where


def question_choices(
    make: MakeButton, question: Question, selected: list[int]
) -> tuple[Choice, ...]:
    """The buttons of one question, each made by ``make(label, value)``."""
    if question.kind == QuestionKind.SINGLE:
        return tuple(make(localized(o.text), f"o:{o.id}") for o in question.options)
    if question.kind == QuestionKind.MULTI:
        marked = [
            make(f"{CHECKED if o.id in selected else UNCHECKED} {localized(o.text)}", f"t:{o.id}")
            for o in question.options
        ]
        return (*marked, make(_("Done ✓"), "done"))
    if question.kind == QuestionKind.SCALE:
        return tuple(make(format_number(n), f"v:{n}") for n in SCALE)
    if question.kind == QuestionKind.YESNO:
        return (make(_("Yes"), "v:1"), make(_("No"), "v:0"))
    return ()


def question_parts(poll: Poll, index: int) -> list[str]:
    """The paragraphs that ask one question: where it stands in the poll, its text, how to answer."""
    question = poll.questions[index]
    header = _("{title} · question {number} of {total}").format(
        title=isolate(localized(poll.title)),
        number=format_number(index + 1),
        total=format_number(len(poll.questions)),
    )
    parts = [header, localized(question.text)]
    hint = _hint(question)
    if hint:
        parts.append(hint)
    return parts


def question_columns(question: Question) -> int:
    """How many buttons a row of this question holds."""
    if question.kind == QuestionKind.SCALE:
        return 5
    return 2 if question.kind == QuestionKind.YESNO else 1


def _hint(question: Question) -> str:
    """How to answer, said for each kind of question."""
    if question.kind == QuestionKind.MULTI:
        return _(
            "Choose all that apply, then press Done. (You can also type their numbers, like 1 3.)"
        )
    if question.kind == QuestionKind.SCALE:
        return _("Choose from 1 (lowest) to 5 (highest).")
    if question.kind == QuestionKind.TEXT:
        return _("Type your answer in one message.")
    if question.kind == QuestionKind.NUMBER:
        low, high = _bounds(question)
        return _("Type a number from {low} to {high}.").format(
            low=format_number(low), high=format_number(high)
        )
    return ""


def _bounds(question: Question) -> tuple[int, int]:
    """The range a number answer must fall in."""
    low = question.min_value if question.min_value is not None else -NUMBER_LIMIT
    high = question.max_value if question.max_value is not None else NUMBER_LIMIT
    return low, high


def ask(
    poll: Poll,
    index: int,
    choices: tuple[Choice, ...],
    *,
    notes: tuple[str, ...] = (),
    replace: bool = False,
) -> Outgoing:
    """The message that asks one question with these buttons (and any notes below it)."""
    parts = [*question_parts(poll, index), *notes]
    return Outgoing(
        "\n\n".join(parts),
        choices,
        columns=question_columns(poll.questions[index]),
        replace=replace,
    )


async def poll_prompt(turn: Turn, *, replace: bool = False) -> list[Outgoing]:
    """Ask the question the step points at."""
    poll, index = await _current(turn)
    if poll is None or poll.status != PollStatus.OPEN or index >= len(poll.questions):
        turn.finish()
        return []
    question = poll.questions[index]
    data = turn.person.step_data or {}
    selected = [int(i) for i in data.get("sel", [])]
    answered: dict[int, list[Answer]] = {}
    if data.get("review"):
        response = await find_response(turn.session, poll.id, turn.person.id)
        answered = await answers_by_question(turn.session, response.id) if response else {}
        if question.kind == QuestionKind.MULTI and "sel" not in data and question.id in answered:
            selected = [a.option_id for a in answered[question.id] if a.option_id is not None]
            turn.update(sel=selected)
    choices = question_choices(turn.button, question, selected)
    notes: tuple[str, ...] = ()
    if question.id in answered:
        notes = (
            _("Your current answer: {answer}").format(
                answer=isolate(describe_answer(question, answered[question.id]))
            ),
        )
        choices = (*choices, turn.button(_("Keep this answer"), "keep"))
    return [ask(poll, index, choices, notes=notes, replace=replace)]


async def _closed(turn: Turn) -> list[Outgoing]:
    """The poll closed while the person was answering."""
    turn.finish()
    return [Outgoing(_("This poll has closed. The answers you gave before are kept."))]


def following_question(
    poll: Poll, index: int, answered: Container[int], *, review: bool
) -> int | None:
    """The question to ask after question ``index``: in a review the next one; otherwise the
    next unanswered one, from the start again if need be; None when the poll is done."""
    if review:
        return index + 1 if index + 1 < len(poll.questions) else None
    later = [
        i for i in range(index + 1, len(poll.questions)) if poll.questions[i].id not in answered
    ]
    return later[0] if later else first_unanswered(poll, answered)


def thanks(poll: Poll) -> Outgoing:
    """Said once the last question of a poll is answered."""
    return Outgoing(
        _(
            "Thank you! Your answers to {title} are recorded. You can change them "
            "while the poll is open: /polls"
        ).format(title=isolate(localized(poll.title)))
    )


async def _next_question(turn: Turn, poll: Poll, index: int) -> list[Outgoing]:
    """Move past a question: to the next one, or finish the poll."""
    data = turn.person.step_data or {}
    where = await _standing(turn, poll.id)
    answered = where.answered if where else frozenset()
    review = bool(data.get("review"))
    following = following_question(poll, index, answered, review=review)
    if following is not None:
        turn.show(PollStep.POLL, poll=poll.id, q=following, review=review)
        return []
    if where is not None and where.response_id is not None and not where.completed:
        await complete_response(turn.session, where.response_id)
    turn.finish()
    return [thanks(poll)]


async def _answerable(turn: Turn) -> tuple[Poll, int] | list[Outgoing]:
    """The poll and question index the step points at if still answerable, else what to say."""
    poll, index = await _current(turn)
    if poll is None or index >= len(poll.questions):
        turn.finish()
        return []
    if poll.status != PollStatus.OPEN:
        return await _closed(turn)
    return poll, index


@dataclass(frozen=True)
class Given:
    """An answer read from what a person pressed or typed, ready to be stored."""

    option_ids: tuple[int, ...] = ()
    value_int: int | None = None
    value_text: str | None = None


def pressed_answer(question: Question, value: str) -> Given | None:
    """The answer a button gives a question it answers at once (an option of a single choice,
    a point of a scale, yes or no); None for any other button, or one not of this question."""
    kind, _sep, raw = value.partition(":")
    if kind == "o" and question.kind == QuestionKind.SINGLE and raw.isdigit():
        option_id = int(raw)
        if any(option.id == option_id for option in question.options):
            return Given(option_ids=(option_id,))
    if kind == "v" and question.kind in (QuestionKind.SCALE, QuestionKind.YESNO):
        number = parse_int(raw)
        allowed = SCALE if question.kind == QuestionKind.SCALE else (0, 1)
        if number is not None and number in allowed:
            return Given(value_int=number)
    return None


def number_answer(question: Question, text: str) -> int | None:
    """The number typed for a number question, if it is one within the question's range."""
    number = parse_int(text)
    low, high = _bounds(question)
    return number if number is not None and low <= number <= high else None


def typed_options(question: Question, text: str) -> tuple[int, ...] | None:
    """The options of a multiple choice typed by their numbers ("1 3"), in the question's order."""
    numbers = parse_numbers(text)
    count = len(question.options)
    if not numbers or not all(1 <= n <= count for n in numbers):
        return None
    chosen = {question.options[n - 1].id for n in numbers}
    return tuple(option.id for option in question.options if option.id in chosen)


async def on_poll_choice(turn: Turn, value: str) -> list[Outgoing]:
    """A button of the current question was pressed."""
    found = await _answerable(turn)
    if isinstance(found, list):
        return found
    poll, index = found
    question = poll.questions[index]
    kind, _sep, raw = value.partition(":")
    if kind == "keep" and (turn.person.step_data or {}).get("review"):
        return await _next_question(turn, poll, index)
    given = pressed_answer(question, value)
    if given is not None:
        return await _store(turn, poll, index, given)
    if (
        kind == "t"
        and question.kind == QuestionKind.MULTI
        and raw.isdigit()
        and int(raw) in {o.id for o in question.options}
    ):
        selected = [int(i) for i in (turn.person.step_data or {}).get("sel", [])]
        option_id = int(raw)
        selected = (
            [i for i in selected if i != option_id]
            if option_id in selected
            else [*selected, option_id]
        )
        turn.update(sel=selected)
        return await poll_prompt(turn, replace=True)
    if kind == "done" and question.kind == QuestionKind.MULTI:
        selected = [int(i) for i in (turn.person.step_data or {}).get("sel", [])]
        if not selected:
            turn.ask_again()
            return [
                Outgoing(_("Please choose at least one option, then press Done.")),
                *await poll_prompt(turn),
            ]
        ordered = tuple(o.id for o in question.options if o.id in selected)
        return await _store(turn, poll, index, Given(option_ids=ordered))
    turn.ask_again()
    return [
        Outgoing(_("That is not one of the answers to this question.")),
        *await poll_prompt(turn),
    ]


async def on_poll_text(turn: Turn, text: str) -> list[Outgoing]:
    """A typed answer to the current question."""
    found = await _answerable(turn)
    if isinstance(found, list):
        return found
    poll, index = found
    question = poll.questions[index]
    if question.kind == QuestionKind.TEXT:
        return await _store(turn, poll, index, Given(value_text=text))
    if question.kind == QuestionKind.NUMBER:
        number = number_answer(question, text)
        if number is None:
            low, high = _bounds(question)
            return [
                Outgoing(
                    _("Please type a number from {low} to {high}.").format(
                        low=format_number(low), high=format_number(high)
                    )
                )
            ]
        return await _store(turn, poll, index, Given(value_int=number))
    if question.kind == QuestionKind.MULTI:
        options = typed_options(question, text)
        if options is not None:
            return await _store(turn, poll, index, Given(option_ids=options))
    data = turn.person.step_data or {}
    choices = question_choices(turn.button, question, [int(i) for i in data.get("sel", [])])
    if data.get("review"):
        choices = (*choices, turn.button(_("Keep this answer"), "keep"))
    value = chosen_value(text, choices)
    if value is not None and (question.kind != QuestionKind.MULTI or value in ("done", "keep")):
        return await on_poll_choice(turn, value)
    turn.ask_again()
    return [
        Outgoing(_("That is not one of the answers to this question.")),
        *await poll_prompt(turn),
    ]


async def _store(turn: Turn, poll: Poll, index: int, given: Given) -> list[Outgoing]:
    """Record one answer (committed with the turn) and move on."""
    where = await _standing(turn, poll.id)
    if where is None:
        return await _closed(turn)
    response_id = where.response_id
    if response_id is None:
        response_id = await new_response(
            turn.session, poll.id, turn.person.id, turn.person.language or "tr"
        )
    question = poll.questions[index]
    await replace_answer(
        turn.session,
        response_id,
        question,
        option_ids=given.option_ids,
        value_int=given.value_int,
        value_text=given.value_text,
        replacing=question.id in where.answered,
    )
    turn.loaded[(Standing, poll.id)] = where.with_answer(response_id, question.id)
    turn.answers += 1
    return await _next_question(turn, poll, index)


async def polls_command(turn: Turn, args: str) -> list[Outgoing]:
    """/polls."""
    return await polls_overview(turn)


async def polls_overview(turn: Turn) -> list[Outgoing]:
    """/polls: the open polls, how far the person got in each, and a button to (re)answer."""
    assemblies = await member_assemblies(turn.session, turn.person.id)
    polls = await open_polls(turn.session, [a.id for a in assemblies])
    if not polls:
        turn.finish()
        return [Outgoing(_("There are no open polls right now. You will be told when one opens."))]
    lines = [_("Open polls:")]
    choices = []
    turn.go(PollStep.POLLS)
    for poll in polls:
        response = await find_response(turn.session, poll.id, turn.person.id)
        answered = await answers_by_question(turn.session, response.id) if response else {}
        done = sum(1 for q in poll.questions if q.id in answered)
        total = len(poll.questions)
        if done == total:
            status = _("answered; you can change your answers")
        elif done == 0:
            status = _("not answered yet")
        else:
            status = ngettext(
                "{done} of {total} question answered",
                "{done} of {total} questions answered",
                total,
            ).format(done=format_number(done), total=format_number(total))
        title = localized(poll.title)
        lines.append(f"• {isolate(title)}: {status}")
        choices.append(turn.button(title, f"p:{poll.id}"))
    return [Outgoing("\n".join(lines), tuple(choices))]


async def on_polls_choice(turn: Turn, value: str) -> list[Outgoing]:
    """A poll was picked from /polls: answer it, or go through it again to change answers."""
    kind, _sep, raw = value.partition(":")
    poll = await turn.session.get(Poll, int(raw)) if kind == "p" and raw.isdigit() else None
    assemblies = {a.id for a in await member_assemblies(turn.session, turn.person.id)}
    if poll is None or poll.assembly_id not in assemblies:
        return await polls_overview(turn)
    if poll.status != PollStatus.OPEN:
        return await _closed(turn)
    response = await find_response(turn.session, poll.id, turn.person.id)
    answered = await answers_by_question(turn.session, response.id) if response else {}
    start = first_unanswered(poll, answered)
    if start is None:
        turn.show(PollStep.POLL, poll=poll.id, q=0, review=True)
    else:
        turn.show(PollStep.POLL, poll=poll.id, q=start, review=False)
    return []
