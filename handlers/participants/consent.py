"""The data-protection notice (KVKK and GDPR style) and the person's Accept or Decline."""

from __future__ import annotations

from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _, format_number, ngettext
from handlers.participants.onboarding import join_by_code
from storage.assemblies import assembly_by_code
from storage.base import utcnow
from storage.models import DEFAULT_SUPPRESSION_K
from storage.participants import erase_participant

CONSENT_VERSION = "2026-11"


async def consent_prompt(turn: Turn) -> list[Outgoing]:
    """The notice: what is stored, why, for how long, who sees it, how to erase it."""
    smallest = await _smallest_group_shown(turn)
    text = "\n\n".join(
        [
            _("Before we start: how your data is protected."),
            _(
                "What we keep: your chat id (encrypted), your language, your answers to the "
                "profile questions and polls, and the messages you send to the assembly."
            ),
            ngettext(
                "Why: to run the assembly's polls and to send you its notices and results. "
                "The municipality only ever sees totals; groups of fewer than {k} person are "
                "hidden. Nobody sees how you answered.",
                "Why: to run the assembly's polls and to send you its notices and results. "
                "The municipality only ever sees totals; groups of fewer than {k} people are "
                "hidden. Nobody sees how you answered.",
                smallest,
            ).format(k=format_number(smallest)),
            _(
                "For how long: until you leave or erase your data. Send /forget at any time "
                "and everything about you is erased; /mydata shows what we keep."
            ),
            _("Do you accept?"),
        ]
    )
    choices = (turn.button(_("Accept"), "yes"), turn.button(_("Decline"), "no"))
    return [Outgoing(text, choices, columns=2)]


async def _smallest_group_shown(turn: Turn) -> int:
    """The suppression threshold of the municipality the person is joining (the default if unknown)."""
    join_code = (turn.person.step_data or {}).get("join")
    assembly = await assembly_by_code(turn.session, str(join_code)) if join_code else None
    return assembly.municipality.suppression_k if assembly else DEFAULT_SUPPRESSION_K


async def on_consent(turn: Turn, value: str) -> list[Outgoing]:
    """Accept records the consent and joins the assembly; Decline keeps nothing at all."""
    person = turn.person
    if value == "no":
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
    if value != "yes":
        turn.needs_prompt = True
        return []
    join_code = (person.step_data or {}).get("join")
    person.consented_at = utcnow()
    person.consent_version = CONSENT_VERSION
    person.address_enc = turn.cipher.encrypt(turn.incoming.address)
    replies = [Outgoing(_("Thank you."))]
    if join_code:
        replies += await join_by_code(turn, str(join_code))
    else:
        turn.finish()
    return replies
