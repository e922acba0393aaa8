"""/preview: a poll exactly as a resident sees it, in any language of its assembly.

The invitation and every question are written by the same code that writes them for residents
(``handlers.polls.invitation``, ``handlers.polls.answering``), in the chosen language, with the same buttons;
pressing them records nothing. Missing translations show as residents would see them (the
text of another language, marked) and are listed first, so they are fixed before opening.
"""

from __future__ import annotations

from handlers.core.events import Choice, Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import LANGUAGE_NAMES, _, current_language, isolate, localized, use_language
from handlers.i18n.lazy import render
from handlers.polls.answering import question_choices, question_columns, question_parts
from handlers.polls.file import missing_translations
from handlers.polls.invitation import invitation_texts
from handlers.polls.staff.pick import PollNotFound, pick_poll, poll_buttons, staff_polls
from handlers.staff.desk import action_button
from handlers.staff.roles import not_staff, staff_assemblies
from storage.models import Assembly, Poll
from storage.polls import poll_with_questions
from storage.vocabulary import PollStatus


async def preview_command(turn: Turn, args: str) -> list[Outgoing]:
    """/preview [poll] [language]."""
    managed = await staff_assemblies(turn, "preview")
    if managed is None:
        return [not_staff()]
    words = args.split()
    if not words:
        polls = await staff_polls(turn, managed, [PollStatus.DRAFT, PollStatus.OPEN])
        if not polls:
            return [Outgoing(_("There is no draft or open poll to preview."))]
        return [
            Outgoing(_("Which poll do you want to see?"), poll_buttons(polls, "preview")),
        ]
    try:
        poll = await pick_poll(turn, managed, words[0])
    except PollNotFound as problem:
        return [Outgoing(render(problem.message))]
    language = words[1].lower() if len(words) > 1 else current_language()
    return await preview(turn, poll, language)


async def on_preview_button(turn: Turn, value: str) -> list[Outgoing]:
    """A "preview:<poll>[:<language>]" button."""
    poll_id, _sep, language = value.partition(":")
    managed = await staff_assemblies(turn, "preview") or []
    poll = await turn.session.get(Poll, int(poll_id)) if poll_id.isdigit() else None
    if poll is None or poll.assembly_id not in {a.id for a in managed}:
        return [Outgoing(_("This poll no longer exists."))]
    return await preview(turn, poll, language or current_language())


async def preview(turn: Turn, poll: Poll, language: str) -> list[Outgoing]:
    """The poll in ``language``: a note for the facilitator, then what residents get."""
    full = await poll_with_questions(turn.session, poll.id)
    assembly = await turn.session.get(Assembly, poll.assembly_id)
    if full is None or assembly is None:
        return [Outgoing(_("This poll no longer exists."))]
    if language not in assembly.languages:
        names = ", ".join(
            f"{lang} ({LANGUAGE_NAMES.get(lang, lang)})" for lang in assembly.languages
        )
        return [
            Outgoing(
                _("This assembly's languages are: {languages}.").format(languages=isolate(names))
            )
        ]
    return [_note(full, assembly, language), *_as_residents_see_it(full, assembly, language)]


def _note(poll: Poll, assembly: Assembly, language: str) -> Outgoing:
    """What the facilitator is looking at, the gaps, and the other languages as buttons."""
    lines = [
        _(
            "Preview of {title} in {language}, as residents see it. Its buttons record nothing."
        ).format(
            title=isolate(localized(poll.title)),
            language=isolate(LANGUAGE_NAMES.get(language, language)),
        )
    ]
    gaps = missing_translations(poll, list(assembly.languages))
    if gaps:
        lines.append(
            _("Missing translations, to fix before opening: {gaps}").format(
                gaps=isolate("; ".join(gaps))
            )
        )
    others = tuple(
        action_button(LANGUAGE_NAMES.get(lang, lang), f"preview:{poll.id}:{lang}")
        for lang in assembly.languages
        if lang != language
    )
    return Outgoing("\n".join(lines), others, columns=len(others) or 1)


def _as_residents_see_it(poll: Poll, assembly: Assembly, language: str) -> list[Outgoing]:
    """The invitation and each question, in ``language``, with buttons that do nothing."""

    def inert(label: str, _value: str) -> Choice:
        return action_button(label, "noop")

    messages = [Outgoing(invitation_texts(poll, assembly)[language])]
    with use_language(language):
        for index, question in enumerate(poll.questions):
            parts = question_parts(poll, index)
            choices = question_choices(inert, question, [])
            messages.append(
                Outgoing("\n\n".join(parts), choices, columns=question_columns(question))
            )
    return messages
