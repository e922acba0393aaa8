"""The notice, then the consent to take part: two texts, one declaration.

The step names the municipality asking: by the join code being followed (``join``), or by id
when a new notice version asks a member again (``municipality``). Agreeing records the consent
on the notice in force and goes on (joining, if a code was followed); not agreeing keeps
nothing of someone new, and takes back what a member gave that municipality.
"""

from __future__ import annotations

from handlers.consent.joining import join_by_code
from handlers.consent.notice import WORDING, notice_text
from handlers.consent.steps import UNSEEN, ConsentStep
from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _, isolate, localized
from storage.assemblies import assembly_by_code
from storage.base import utcnow
from storage.consents import (
    active_notice,
    consent_of,
    consents_of,
    leave_municipality,
    record_declined,
    record_participation,
)
from storage.destructions import record_destruction
from storage.models import Assembly, Municipality
from storage.participants import erase_participant
from storage.vocabulary import DestructionCategory, DestructionReason


async def _asking(turn: Turn) -> tuple[Municipality | None, Assembly | None]:
    """The municipality whose notice the step shows, and the assembly being joined (if any)."""
    data = turn.person.step_data or {}
    if data.get("join"):
        assembly = await assembly_by_code(turn.session, str(data["join"]))
        return (assembly.municipality, assembly) if assembly else (None, None)
    if data.get("municipality") is not None:
        return await turn.session.get(Municipality, int(data["municipality"])), None
    return None, None


def participation_step(
    turn: Turn, join: str | None = None, municipality: int | None = None
) -> None:
    """Ask for the consent to take part (the notice first), for a code or a municipality."""
    if join:
        turn.show(ConsentStep.PARTICIPATION, join=join)
    else:
        turn.show(ConsentStep.PARTICIPATION, municipality=municipality)


async def consent_prompt(turn: Turn) -> list[Outgoing]:
    """The notice, then the question: two messages, the buttons on the second."""
    municipality, assembly = await _asking(turn)
    if municipality is None:
        turn.finish()
        return []
    data = turn.person.step_data or {}
    if UNSEEN in data:  # shown now: the next message answers it
        turn.person.step_data = {key: value for key, value in data.items() if key != UNSEEN}
    active = await active_notice(turn.session, municipality)
    notice = Outgoing(notice_text(municipality, active, turn.incoming.channel))
    where = isolate(localized(assembly.name if assembly else municipality.name))
    question = _(
        "Do you agree to take part in {assembly}, and to what you send being processed as "
        "this notice says? Taking part needs your agreement."
    ).format(assembly=where)
    choices = (turn.button(_("I agree"), "yes"), turn.button(_("I do not agree"), "no"))
    return [notice, Outgoing(question, choices, columns=2)]


async def on_consent(turn: Turn, value: str) -> list[Outgoing]:
    """Agree: record the consent and go on. Not agree: keep nothing more than the person wants."""
    person = turn.person
    municipality, assembly = await _asking(turn)
    if municipality is None:
        turn.finish()
        return []
    if value == "no":
        return await _declined(turn, municipality, assembly)
    if value != "yes":
        turn.needs_prompt = True
        return []
    now = utcnow()
    await record_participation(turn.session, person.id, municipality, WORDING, now)
    if person.consented_at is None:
        person.consented_at = now
        person.consent_version = WORDING
        person.address_enc = turn.cipher.encrypt(turn.incoming.address)
    replies = [Outgoing(_("Thank you."))]
    if assembly is not None:
        replies += await join_by_code(turn, assembly.join_code)
    else:
        turn.finish()
    return replies


async def _declined(
    turn: Turn, municipality: Municipality, assembly: Assembly | None
) -> list[Outgoing]:
    """Someone new: nothing kept. A member asked again: they leave that municipality (and are
    erased if it was their only one). Someone joining one more: nothing changes."""
    person = turn.person
    if person.consented_at is None:
        await erase_participant(turn.session, person)
        turn.participant = None
        return [
            Outgoing(
                _(
                    "Nothing about you was kept. If you change your mind, send /start or "
                    "open the assembly's link again."
                )
            )
        ]
    now = utcnow()
    if await consent_of(turn.session, person.id, municipality.id) is None:
        await record_declined(turn.session, person.id, municipality, WORDING, now)
        turn.finish()
        name = isolate(localized(assembly.name if assembly else municipality.name))
        return [
            Outgoing(_("You did not join {assembly}. Nothing else changed.").format(assembly=name))
        ]
    if len(await consents_of(turn.session, person.id)) <= 1:
        await erase_participant(turn.session, person)
        turn.participant = None
        return [Outgoing(_("Everything about you has been erased. Send /start to join again."))]
    await leave_municipality(turn.session, person.id, municipality.id)
    await record_declined(turn.session, person.id, municipality, WORDING, now)
    await record_destruction(
        turn.session,
        DestructionCategory.PARTICIPANT,
        DestructionReason.REQUEST,
        1,
        now,
        municipality_id=municipality.id,
    )
    turn.finish()
    return [
        Outgoing(
            _(
                "You have left the assemblies of {municipality}, and what you gave them is erased."
            ).format(municipality=isolate(localized(municipality.name)))
        )
    ]
