"""/newpoll: a facilitator builds a poll step by step in chat, every text in every language.

Steps: the assembly (if they run several) → the title in each language → for each question its
kind, its text in each language and, for a choice, its options in each language (one per line,
as many in every language) → add another question or finish. Finishing checks the poll as a
poll file is checked and stores it as a draft, named after its title; nothing is stored before.
"""

from __future__ import annotations

from typing import Any

from slugify import slugify

from handlers.core.events import Outgoing
from handlers.core.text_input import MAX_TEXT_LENGTH
from handlers.core.turn import Turn
from handlers.i18n.core import LANGUAGE_NAMES, _, format_number, isolate, localized
from handlers.polls.file import CHOICE_KINDS, MAX_OPTIONS, PollSpec, QuestionSpec, store_poll
from handlers.polls.staff.steps import BuildStep
from handlers.staff.desk import desk_button, desk_data, desk_end, desk_go, desk_update
from handlers.staff.roles import not_staff, staff_assemblies
from storage.models import Assembly
from storage.polls import poll_slugs
from storage.vocabulary import QuestionKind

MAX_QUESTIONS = 30
SLUG_LENGTH = 48


def kind_names() -> dict[QuestionKind, str]:
    """Each kind of question in the current language."""
    return {
        QuestionKind.SINGLE: _("One choice"),
        QuestionKind.MULTI: _("Several choices"),
        QuestionKind.SCALE: _("Scale from 1 to 5"),
        QuestionKind.YESNO: _("Yes or no"),
        QuestionKind.TEXT: _("Free text"),
        QuestionKind.NUMBER: _("A number"),
    }


async def start_builder(turn: Turn, args: str) -> list[Outgoing]:
    """/newpoll: begin a poll for one of the sender's assemblies."""
    managed = await staff_assemblies(turn, "newpoll")
    if managed is None:
        return [not_staff()]
    if len(managed) == 1:
        return await _begin(turn, managed[0])
    desk_go(turn, BuildStep.ASSEMBLY)
    return await assembly_prompt(turn)


async def assembly_prompt(turn: Turn) -> list[Outgoing]:
    """Which assembly the poll is for."""
    managed = await staff_assemblies(turn, "newpoll") or []
    buttons = tuple(desk_button(turn, localized(a.name), f"a:{a.id}") for a in managed)
    return [Outgoing(_("Which assembly is the poll for?"), buttons)]


async def on_assembly(turn: Turn, value: str) -> list[Outgoing]:
    """An assembly was chosen."""
    managed = await staff_assemblies(turn, "newpoll") or []
    assembly = next((a for a in managed if f"a:{a.id}" == value), None)
    if assembly is None:
        return await assembly_prompt(turn)
    return await _begin(turn, assembly)


async def _begin(turn: Turn, assembly: Assembly) -> list[Outgoing]:
    """Ask for the title."""
    desk_go(turn, BuildStep.TEXT, assembly=assembly.id, title={}, questions=[], part="title")
    return await text_prompt(turn)


async def text_prompt(turn: Turn) -> list[Outgoing]:
    """Ask for the title, a question or its options in the next language that lacks it."""
    assembly = await _assembly(turn)
    if assembly is None:
        return _lost(turn)
    data = desk_data(turn)
    part = data["part"]
    language = _next_language(assembly, _texts_of(data))
    name = isolate(LANGUAGE_NAMES.get(language or "", language or ""))
    number = format_number(len(data["questions"]) + 1)
    if part == "title":
        text = _("Write the poll's title in {language}.").format(language=name)
    elif part == "question":
        text = _("Write question {number} in {language}.").format(number=number, language=name)
    else:
        text = _(
            "Write the options of question {number} in {language}, one per line, in the same "
            "order in every language."
        ).format(number=number, language=name)
    return [Outgoing(text + "\n" + _("(/cancel stops, and keeps nothing.)"))]


async def on_text(turn: Turn, text: str) -> list[Outgoing]:
    """A text in one language arrived."""
    assembly = await _assembly(turn)
    if assembly is None:
        return _lost(turn)
    data = desk_data(turn)
    body = text.strip()
    if not body or len(body) > MAX_TEXT_LENGTH:
        return [Outgoing(_("Please write a text of one message.")), *await text_prompt(turn)]
    language = _next_language(assembly, _texts_of(data)) or ""
    if data["part"] == "options":
        problem = _options_problem(body, data)
        if problem:
            return [Outgoing(problem), *await text_prompt(turn)]
        value: Any = [line.strip() for line in body.splitlines() if line.strip()]
    else:
        value = body
    texts = {**_texts_of(data), language: value}
    _store_texts(turn, data, texts)
    if _next_language(assembly, texts) is not None:
        return await text_prompt(turn)
    return await _part_done(turn)


async def _part_done(turn: Turn) -> list[Outgoing]:
    """Every language has the title, question or options: go on."""
    data = desk_data(turn)
    if data["part"] == "title":
        desk_go(turn, BuildStep.KIND, **_kept(data))
        return await kind_prompt(turn)
    current = data.get("current", {})
    if data["part"] == "question" and current.get("kind") in CHOICE_KINDS:
        desk_go(turn, BuildStep.TEXT, **_kept(data), current=current, part="options")
        return await text_prompt(turn)
    questions = [*data["questions"], current]
    desk_go(turn, BuildStep.MORE, **{**_kept(data), "questions": questions})
    return await more_prompt(turn)


async def kind_prompt(turn: Turn) -> list[Outgoing]:
    """What kind the next question is."""
    number = format_number(len(desk_data(turn).get("questions", [])) + 1)
    buttons = tuple(desk_button(turn, label, kind) for kind, label in kind_names().items())
    return [
        Outgoing(
            _("What kind of question is question {number}?").format(number=number),
            buttons,
            columns=2,
        )
    ]


async def on_kind(turn: Turn, kind: str) -> list[Outgoing]:
    """A kind was chosen: ask for the question's text."""
    if kind not in kind_names():
        return await kind_prompt(turn)
    data = desk_data(turn)
    desk_go(
        turn, BuildStep.TEXT, **_kept(data), current={"kind": kind, "text": {}}, part="question"
    )
    return await text_prompt(turn)


async def more_prompt(turn: Turn) -> list[Outgoing]:
    """Another question, or finish."""
    count = len(desk_data(turn).get("questions", []))
    buttons = [desk_button(turn, _("Finish and keep as a draft"), "finish")]
    if count < MAX_QUESTIONS:
        buttons.insert(0, desk_button(turn, _("Add a question"), "add"))
    text = _("Question {number} is added.").format(number=format_number(count))
    return [Outgoing(text, tuple(buttons))]


async def on_more(turn: Turn, value: str) -> list[Outgoing]:
    """Add a question, or store the poll."""
    data = desk_data(turn)
    if value == "add" and len(data.get("questions", [])) < MAX_QUESTIONS:
        desk_go(turn, BuildStep.KIND, **_kept(data))
        return await kind_prompt(turn)
    if value != "finish":
        return await more_prompt(turn)
    assembly = await _assembly(turn)
    if assembly is None:
        return _lost(turn)
    poll = await store_poll(turn.session, assembly, await _spec(turn, assembly, data))
    desk_end(turn)
    return [
        Outgoing(
            _(
                "{title} is kept as a draft, named {slug}. /preview {slug} shows it as residents "
                "will see it; /open {slug} opens it."
            ).format(title=isolate(localized(poll.title)), slug=poll.slug)
        )
    ]


async def _spec(turn: Turn, assembly: Assembly, data: dict[str, Any]) -> PollSpec:
    """The poll as built, with a slug no other poll of the assembly has."""
    questions = [
        QuestionSpec(
            kind=q["kind"],
            text=q["text"],
            options=[
                {lang: q["options"][lang][i] for lang in assembly.languages}
                for i in range(len(q["options"][assembly.languages[0]]))
            ]
            if q["kind"] in CHOICE_KINDS
            else [],
        )
        for q in data["questions"]
    ]
    title = data["title"]
    return PollSpec(assembly.join_code, await _free_slug(turn, assembly, title), title, questions)


async def _free_slug(turn: Turn, assembly: Assembly, title: dict[str, str]) -> str:
    """A short name from the title, with a number added if the assembly has it already."""
    source = title.get("tr") or title.get("en") or ""
    base = slugify(source, max_length=SLUG_LENGTH) or "poll"
    taken = await poll_slugs(turn.session, assembly.id)
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def _options_problem(body: str, data: dict[str, Any]) -> str | None:
    """Why these option lines cannot be taken, if they cannot."""
    lines = [line for line in body.splitlines() if line.strip()]
    if not 2 <= len(lines) <= MAX_OPTIONS:
        return _("A choice needs from 2 to {most} options, one per line.").format(
            most=format_number(MAX_OPTIONS)
        )
    earlier = data.get("current", {}).get("options", {})
    if earlier:
        wanted = len(next(iter(earlier.values())))
        if len(lines) != wanted:
            return _("Please write the same {count} options, one per line.").format(
                count=format_number(wanted)
            )
    return None


def _texts_of(data: dict[str, Any]) -> dict[str, Any]:
    """The per-language texts of the part being written."""
    if data["part"] == "title":
        return dict(data.get("title", {}))
    current = data.get("current", {})
    return dict(current.get("text" if data["part"] == "question" else "options", {}))


def _store_texts(turn: Turn, data: dict[str, Any], texts: dict[str, Any]) -> None:
    """Keep the texts of the part being written."""
    if data["part"] == "title":
        desk_update(turn, title=texts)
        return
    field = "text" if data["part"] == "question" else "options"
    desk_update(turn, current={**data.get("current", {}), field: texts})


def _next_language(assembly: Assembly, texts: dict[str, Any]) -> str | None:
    """The first language of the assembly without a text yet."""
    return next((lang for lang in assembly.languages if lang not in texts), None)


def _kept(data: dict[str, Any]) -> dict[str, Any]:
    """What every step carries on: the assembly, the title, the questions so far."""
    return {
        "assembly": data.get("assembly"),
        "title": data.get("title", {}),
        "questions": data.get("questions", []),
    }


def _lost(turn: Turn) -> list[Outgoing]:
    """The assembly is gone or no longer the sender's: stop."""
    desk_end(turn)
    return [Outgoing(_("You no longer run this assembly, so the poll was not kept."))]


async def _assembly(turn: Turn) -> Assembly | None:
    """The assembly the poll is for, if the sender still runs it."""
    managed = await staff_assemblies(turn, "newpoll") or []
    wanted = desk_data(turn).get("assembly")
    return next((a for a in managed if a.id == wanted), None)
