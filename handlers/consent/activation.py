"""Putting a new version of a municipality's data-protection notice in force.

The officer reads the notice as people will (``reslog privacy notice``), then activates it:
it must name the controller in every language its assemblies speak and give a contact for
people's rights, or it is refused. Activating records the figures it states and asks every
member again, at their next message, without losing anything they gave.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.consent.notice import WORDING, stated_now
from handlers.consent.steps import UNSEEN, ConsentStep
from storage.assemblies import municipality_assemblies
from storage.consents import activate_notice, ask_again
from storage.errors import DomainError
from storage.models import Municipality


class NoticeNotReady(DomainError):
    """The notice lacks something it must state; the line says what."""


async def check_complete(session: AsyncSession, municipality: Municipality) -> None:
    """Refuse a notice with the controller's name missing in a language of its assemblies, or
    with no contact for people's rights."""
    assemblies = await municipality_assemblies(session, [municipality.id])
    missing = sorted(
        {lang for assembly in assemblies for lang in assembly.languages or []}
        - {lang for lang, name in (municipality.name or {}).items() if name.strip()}
    )
    if missing:
        raise NoticeNotReady(
            f"the notice names {municipality.slug} as the controller, but its name has no"
            f" translation in {', '.join(missing)}, which its assemblies speak"
        )
    if not (municipality.privacy_contact or "").strip():
        raise NoticeNotReady(
            "the notice gives no contact for people's rights; set one with"
            f" `reslog privacy contact --municipality {municipality.slug} TEXT`"
        )


async def activate(
    session: AsyncSession, municipality: Municipality, now: datetime
) -> tuple[int, int]:
    """Put the notice as it reads now in force (the caller commits); its version and how many
    members will be asked again."""
    await check_complete(session, municipality)
    version, members = await activate_notice(
        session, municipality, WORDING, stated_now(municipality), now
    )
    await ask_again(
        session,
        municipality.id,
        ConsentStep.PARTICIPATION,
        {"municipality": municipality.id, UNSEEN: True},
    )
    return version, members
