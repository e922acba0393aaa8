"""Starting a conversation: /start with an optional join code, language choice, joining an assembly."""

from __future__ import annotations

from handlers.consent.notice import is_current
from handlers.consent.steps import ConsentStep
from handlers.core.events import Outgoing
from handlers.core.steps import CoreStep
from handlers.core.turn import Turn
from handlers.i18n.core import (
    LANGUAGE_NAMES,
    LANGUAGES,
    _,
    isolate,
    localized,
    supported_language,
    use_language,
)
from handlers.participants.steps import ParticipantStep
from storage.assemblies import assembly_by_code, join_assembly
from storage.base import utcnow
from storage.consents import consent_of
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
        if turn.person.step in (ParticipantStep.JOIN, ConsentStep.PARTICIPATION):
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
                turn.show(ParticipantStep.JOIN)
            return []
        turn.finish()
        return [Outgoing(_("Language set to English."))]


async def language_command(turn: Turn, args: str) -> list[Outgoing]:
    """/language: ask the language again, keeping a join code given before."""
    turn.show(ParticipantStep.LANGUAGE, join=(turn.person.step_data or {}).get("join"))
    return []


async def join_prompt(turn: Turn) -> list[Outgoing]:
    """Ask for the join code of an assembly."""
    return [
        Outgoing(
            _(
                "Which assembly would you like to join? Send its join code: it is on the "
                "poster, or in the link you were given."
            )
        )
    ]


async def on_join_text(turn: Turn, text: str) -> list[Outgoing]:
    """A join code was typed."""
    return await join_by_code(turn, text)


async def join_by_code(turn: Turn, code: str) -> list[Outgoing]:
    """Join the assembly named by a code (its municipality's consent first, if not given on
    the notice in force), or say plainly that no assembly has it."""
    code = code.strip()
    assembly = await assembly_by_code(turn.session, code) if code else None
    if assembly is None:
        turn.go(ParticipantStep.JOIN)
        return [
            Outgoing(
                _("No assembly has the code {code}. Please check it and send it again.").format(
                    code=isolate(code[:32] or "…")
                )
            )
        ]
    consent = await consent_of(turn.session, turn.person.id, assembly.municipality_id)
    if not is_current(consent, assembly.municipality):
        # Its municipality's notice and the consent to take part come first.
        turn.show(ConsentStep.PARTICIPATION, join=assembly.join_code)
        return []
    joined = await join_assembly(turn.session, turn.person.id, assembly.id)
    name = isolate(localized(assembly.name))
    turn.finish()
    if not joined:
        return [Outgoing(_("You are already a member of {assembly}.").format(assembly=name))]
    return [Outgoing(_("Welcome to {assembly}!").format(assembly=name))]
