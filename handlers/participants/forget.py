"""/forget: erase the person after one confirmation; poll answers stay only as unlinkable counts."""

from __future__ import annotations

from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _
from handlers.participants.steps import ParticipantStep
from storage.participants import erase_participant


def nothing_kept() -> Outgoing:
    """Said when there is nothing about the sender to show, stop or erase."""
    return Outgoing(_("We keep nothing about you. Send /start to join an assembly."))


async def forget_command(turn: Turn, args: str) -> list[Outgoing]:
    """/forget: ask before erasing; before consent there is nothing to ask about, so erase."""
    person = turn.participant
    if person is None:
        return [nothing_kept()]
    if person.consented_at is None:
        await on_forget(turn, "yes")
        return [nothing_kept()]
    return await ask_forget(turn)


async def ask_forget(turn: Turn) -> list[Outgoing]:
    """Ask for confirmation before erasing."""
    turn.show(ParticipantStep.FORGET)
    return []


async def forget_prompt(turn: Turn) -> list[Outgoing]:
    """The confirmation question."""
    text = _(
        "Erase everything about you? Your chat id, language, profile and messages will be "
        "deleted. Your poll answers stay only inside the totals, with nothing linking them "
        "to you. This cannot be undone."
    )
    choices = (turn.button(_("Erase everything"), "yes"), turn.button(_("Cancel"), "no"))
    return [Outgoing(text, choices, columns=2)]


async def on_forget(turn: Turn, value: str) -> list[Outgoing]:
    """Erase on yes; keep everything on no."""
    if value == "yes":
        await erase_participant(turn.session, turn.person)
        turn.participant = None
        return [Outgoing(_("Everything about you has been erased. Send /start to join again."))]
    if value == "no":
        turn.finish()
        return [Outgoing(_("Nothing was erased."))]
    turn.needs_prompt = True
    return []
