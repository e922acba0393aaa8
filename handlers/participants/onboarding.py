"""Starting a conversation: /start with an optional join code, and the language choice (joining
itself, with its consent, is ``handlers.consent.joining``)."""

from __future__ import annotations

from handlers.consent.joining import join_by_code
from handlers.consent.steps import ConsentStep
from handlers.core.events import Outgoing
from handlers.core.steps import CoreStep
from handlers.core.turn import Turn
from handlers.i18n.core import (
    LANGUAGE_NAMES,
    LANGUAGES,
    _,
    supported_language,
    use_language,
)
from handlers.participants.steps import ParticipantStep
from storage.base import utcnow
from storage.models import Participant


def _language_order(client_language: str | None) -> list[str]:
    """The languages with the client's own first."""
    first = supported_language(client_language)
    return sorted(LANGUAGES, key=lambda lang: (lang != first, LANGUAGES.index(lang)))


async def start(turn: Turn, join_code: str | None) -> list[Outgoing]:
    """/start [code]: greet, remember the code, and ask the language of a new person.

    Emits the language prompt for a new person; for a known one, joins the named assembly
    (if any) and lets the router continue where the conversation stands.
    """
    person = turn.participant
    if person is None:
        person = Participant(
            channel=turn.incoming.channel,
            address_hash=turn.address_hash,
            created_at=utcnow(),
            step=CoreStep.NONE,
            step_data={},
            step_nonce=0,
        )
        turn.session.add(person)
        await turn.session.flush()
        turn.participant = person
        turn.go(ParticipantStep.LANGUAGE, join=join_code)
        return await language_prompt(turn)
    if person.consented_at is None:
        turn.go(ParticipantStep.LANGUAGE, join=join_code or (person.step_data or {}).get("join"))
        return await language_prompt(turn)
    replies: list[Outgoing] = []
    if person.stopped_at is not None:
        person.stopped_at = None
        replies.append(Outgoing(_("Welcome back. Notices are on again.")))
    if join_code:
        replies += await join_by_code(turn, join_code)
        if turn.person.step in (ConsentStep.JOIN, ConsentStep.PARTICIPATION):
            return replies  # the code was unknown, or its municipality's consent comes first
    turn.finish()
    return replies


async def language_prompt(turn: Turn) -> list[Outgoing]:
    """The language question, asked in every language at once.

    The language the client suggested first comes first, and the step remembers it: on WhatsApp
    only a message in Arabic script suggests Arabic, and the reply "1" that follows must still
    mean the first language as it was listed.
    """
    data = turn.person.step_data or {}
    first = data.get("suggested") or supported_language(turn.incoming.client_language)
    if first and data.get("suggested") != first:
        turn.update(suggested=first)
    order = _language_order(first)
    lines = []
    for lang in order:
        with use_language(lang):
            lines.append(_("Please choose your language."))
    choices = tuple(turn.button(LANGUAGE_NAMES[lang], lang) for lang in order)
    return [Outgoing("\n".join(lines), choices)]


async def on_language(turn: Turn, value: str) -> list[Outgoing]:
    """A language was chosen: remember it and go on to consent, or back to where things stood."""
    if value not in LANGUAGES:
        turn.ask_again()
        return await language_prompt(turn)
    person = turn.person
    person.language = value
    with use_language(value):
        if person.consented_at is None:
            join = (person.step_data or {}).get("join")
            if join:  # the notice of the assembly's municipality, then the consent
                turn.show(ConsentStep.PARTICIPATION, join=join)
            else:  # which assembly first: its municipality is who asks for the consent
                turn.show(ConsentStep.JOIN)
            return []
        turn.finish()
        return [Outgoing(_("Language set to English."))]


async def language_command(turn: Turn, args: str) -> list[Outgoing]:
    """/language: ask the language again, keeping a join code given before."""
    turn.show(ParticipantStep.LANGUAGE, join=(turn.person.step_data or {}).get("join"))
    return []
