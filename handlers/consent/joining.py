"""Joining an assembly by its code: the code asked for and checked, and the assembly joined once
its municipality's consent to take part stands (else that consent is asked first)."""

from __future__ import annotations

from handlers.consent.notice import is_current
from handlers.consent.steps import ConsentStep
from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _, isolate, localized
from storage.assemblies import assembly_by_code, join_assembly
from storage.consents import consent_of


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
        turn.go(ConsentStep.JOIN)
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
