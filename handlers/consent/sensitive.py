"""The optional consent to an assembly's sensitive profile questions (those marked
``sensitive: true`` in its profile file: the community question, which can reveal ethnic
origin, a special category of personal data under KVKK article 6).

Asked once, before the first of them; a no skips them and everything else works. Declined or
withdrawn later (/privacy), the person's answers to them are erased at once and the
destruction is logged; given later, the questions are asked next.
"""

from __future__ import annotations

from handlers.consent.notice import WORDING
from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _, format_number, isolate, localized, ngettext
from storage.base import utcnow
from storage.consents import record_sensitive, sensitive_keys
from storage.destructions import record_destruction
from storage.models import Assembly, Municipality
from storage.vocabulary import DestructionCategory, DestructionReason


async def sensitive_prompt(turn: Turn) -> list[Outgoing]:
    """What the questions can reveal, that they are optional, and the choice."""
    assembly = await turn.session.get(Assembly, (turn.person.step_data or {}).get("assembly"))
    count = len(sensitive_keys(assembly.profile)) if assembly else 0
    if assembly is None or count == 0:
        turn.finish()
        return []
    text = ngettext(
        "{assembly} has {count} optional question about you that can reveal your ethnic "
        "origin, a special category of personal data. We ask it only with your explicit "
        "consent; everything else works without it, and /privacy changes your choice later.",
        "{assembly} has {count} optional questions about you that can reveal your ethnic "
        "origin, a special category of personal data. We ask them only with your explicit "
        "consent; everything else works without them, and /privacy changes your choice later.",
        count,
    ).format(assembly=isolate(localized(assembly.name)), count=format_number(count))
    choices = (turn.button(_("Yes, ask me"), "yes"), turn.button(_("No, skip them"), "no"))
    return [Outgoing(text, choices, columns=2)]


async def on_sensitive(turn: Turn, value: str) -> list[Outgoing]:
    """Record the choice and go on to the profile (its sensitive questions asked or skipped)."""
    assembly = await turn.session.get(Assembly, (turn.person.step_data or {}).get("assembly"))
    if assembly is None:
        turn.finish()
        return []
    if value not in ("yes", "no"):
        turn.needs_prompt = True
        return []
    replies = await set_sensitive(turn, assembly.municipality, value == "yes")
    turn.finish()
    return replies


async def set_sensitive(turn: Turn, municipality: Municipality, given: bool) -> list[Outgoing]:
    """Give, decline or withdraw the consent; on anything but a yes, erase the answers."""
    now = utcnow()
    erased = await record_sensitive(turn.session, turn.person.id, municipality, given, WORDING, now)
    await record_destruction(
        turn.session,
        DestructionCategory.SENSITIVE_PROFILE,
        DestructionReason.CONSENT_WITHDRAWN,
        erased,
        now,
        municipality_id=municipality.id,
    )
    if given:
        return [Outgoing(_("Thank you."))]
    if erased:
        return [
            Outgoing(_("Your answers to those questions are erased, and they will not be asked."))
        ]
    return [Outgoing(_("We will not ask them. /privacy changes your choice."))]
