"""/feedback: free text to the assembly at any time, acknowledged. Text sent when no question
is waiting is offered back: send it to the assembly as feedback, or not."""

from __future__ import annotations

from handlers.consent.steps import ConsentStep
from handlers.core.events import Outgoing
from handlers.core.text_input import parse_int
from handlers.core.turn import Turn
from handlers.i18n.core import _, isolate, localized
from handlers.participants.steps import ParticipantStep
from storage.assemblies import member_assemblies
from storage.base import utcnow
from storage.models import Assembly, Feedback


async def start_feedback(turn: Turn, text: str) -> list[Outgoing]:
    """/feedback [text]: store the text now, or ask for it (and for the assembly if several)."""
    assemblies = await member_assemblies(turn.session, turn.person.id)
    if not assemblies:
        turn.show(ConsentStep.JOIN)
        return [Outgoing(_("Please join an assembly first; then you can write to it."))]
    if len(assemblies) > 1:
        turn.show(ParticipantStep.FEEDBACK_ASSEMBLY, text=text)
        return []
    if text:
        return await _store(turn, assemblies[0], text)
    turn.show(ParticipantStep.FEEDBACK, assembly=assemblies[0].id)
    return []


QUOTED = 120  # characters of an offered text quoted back
SHORTEST_OFFERED = 3  # shorter texts (and bare numbers) are not offered: a stray reply


async def offer_feedback(turn: Turn, text: str) -> list[Outgoing]:
    """Text with no question waiting: offer to send it as feedback (a stray number or a word
    of two letters is answered with how to write to the assembly instead)."""
    if parse_int(text) is not None or len(text.strip()) < SHORTEST_OFFERED:
        turn.needs_prompt = True
        return [Outgoing(_("To write to the assembly, send /feedback and then your message."))]
    turn.show(ParticipantStep.FEEDBACK_OFFER, text=text)
    return []


async def offer_prompt(turn: Turn) -> list[Outgoing]:
    """The text quoted back, and the choice."""
    text = str((turn.person.step_data or {}).get("text") or "")
    if not text:
        turn.finish()
        return []
    quoted = text if len(text) <= QUOTED else text[:QUOTED] + "…"
    choices = (turn.button(_("Send"), "send"), turn.button(_("No"), "no"))
    return [
        Outgoing(
            _("Send this to the assembly as feedback?") + f"\n\n«{isolate(quoted)}»",
            choices,
            columns=2,
        )
    ]


async def on_offer(turn: Turn, value: str) -> list[Outgoing]:
    """Send: store it (asking the assembly first if there are several). No: keep nothing."""
    text = str((turn.person.step_data or {}).get("text") or "")
    if value == "send" and text:
        return await start_feedback(turn, text)
    if value in ("send", "no"):
        turn.finish()
        return [Outgoing(_("Not sent; nothing was kept."))]
    turn.needs_prompt = True
    return []


async def feedback_prompt(turn: Turn) -> list[Outgoing]:
    """Ask for the message."""
    return [
        Outgoing(
            _(
                "Write your message to the assembly in one message. Please do not include "
                "names, phone numbers or addresses. Send /cancel to stop."
            )
        )
    ]


async def assembly_prompt(turn: Turn) -> list[Outgoing]:
    """Ask which assembly the message is for."""
    assemblies = await member_assemblies(turn.session, turn.person.id)
    choices = tuple(turn.button(localized(a.name), str(a.id)) for a in assemblies)
    return [Outgoing(_("Which assembly is your message for?"), choices)]


async def on_assembly(turn: Turn, value: str) -> list[Outgoing]:
    """The assembly was chosen: store a waiting text, or ask for it."""
    assemblies = {str(a.id): a for a in await member_assemblies(turn.session, turn.person.id)}
    if value not in assemblies:
        turn.needs_prompt = True
        return []
    waiting = str((turn.person.step_data or {}).get("text") or "")
    if waiting:
        return await _store(turn, assemblies[value], waiting)
    turn.show(ParticipantStep.FEEDBACK, assembly=assemblies[value].id)
    return []


async def on_feedback_text(turn: Turn, text: str) -> list[Outgoing]:
    """The message itself."""
    assembly = await turn.session.get(Assembly, (turn.person.step_data or {}).get("assembly"))
    if assembly is None:
        turn.finish()
        return []
    return await _store(turn, assembly, text)


async def _store(turn: Turn, assembly: Assembly, text: str) -> list[Outgoing]:
    """Keep the message and thank the person."""
    turn.session.add(
        Feedback(
            assembly_id=assembly.id,
            participant_id=turn.person.id,
            language=turn.person.language or "tr",
            text=text,
            created_at=utcnow(),
        )
    )
    await turn.session.flush()
    turn.finish()
    return [
        Outgoing(
            _("Thank you. Your message reached {assembly}.").format(
                assembly=isolate(localized(assembly.name))
            )
        )
    ]
