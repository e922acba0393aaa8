"""/privacy (and PRIVACY, GİZLİLİK, خصوصية): the person's consents, and changing them.

Lists each municipality they agreed to take part in (when, on which notice version) and where
the optional consent to its sensitive questions stands; buttons read the notice again, give
that consent, or withdraw it (the answers are then erased at once). Taking part itself is
withdrawn with /forget.
"""

from __future__ import annotations

from babel.dates import format_datetime

from handlers.consent.notice import notice_text
from handlers.consent.sensitive import set_sensitive
from handlers.consent.steps import ConsentStep
from handlers.core.events import Choice, Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _, current_language, format_number, isolate, localized
from storage.assemblies import member_assemblies
from storage.consents import active_notice, consents_of, sensitive_keys
from storage.models import Municipality


async def privacy_command(turn: Turn, args: str) -> list[Outgoing]:
    """/privacy: show the consents and what can be changed."""
    turn.show(ConsentStep.PRIVACY)
    return []


async def _with_sensitive(turn: Turn) -> set[int]:
    """The municipalities whose assemblies of the person's have sensitive questions."""
    return {
        a.municipality_id
        for a in await member_assemblies(turn.session, turn.person.id)
        if sensitive_keys(a.profile)
    }


async def privacy_prompt(turn: Turn) -> list[Outgoing]:
    """Each consent, and a button for each change."""
    consents = await consents_of(turn.session, turn.person.id)
    sensitive = await _with_sensitive(turn)
    lines = [_("Your consents:")]
    choices: list[Choice] = []
    several = len(consents) > 1
    for consent in consents:
        municipality = await turn.session.get(Municipality, consent.municipality_id)
        if municipality is None:
            continue
        name = isolate(localized(municipality.name))
        lines.append(
            _("{municipality}: taking part, agreed on {date} (notice version {version}).").format(
                municipality=name,
                date=isolate(
                    format_datetime(consent.given_at, "medium", locale=current_language())
                ),
                version=format_number(consent.notice_version),
            )
        )
        suffix = f" · {localized(municipality.name)}" if several else ""
        choices.append(
            turn.button(_("Read the notice again") + suffix, f"notice:{municipality.id}")
        )
        if municipality.id not in sensitive:
            continue
        if consent.sensitive:
            lines.append(_("Sensitive questions: allowed."))
            choices.append(
                turn.button(
                    _("Withdraw consent to sensitive questions") + suffix,
                    f"withdraw:{municipality.id}",
                )
            )
        else:
            lines.append(
                _("Sensitive questions: not allowed.")
                if consent.sensitive is False
                else _("Sensitive questions: not asked yet.")
            )
            choices.append(
                turn.button(_("Allow sensitive questions") + suffix, f"allow:{municipality.id}")
            )
    if not consents:
        lines.append(_("You have not agreed to take part anywhere yet."))
    lines.append(_("To withdraw from taking part and erase everything, send /forget."))
    return [Outgoing("\n".join(lines), tuple(choices))]


async def on_privacy(turn: Turn, value: str) -> list[Outgoing]:
    """Read the notice, allow or withdraw the sensitive questions."""
    action, _sep, number = value.partition(":")
    municipality = (
        await turn.session.get(Municipality, int(number))
        if number.isascii() and number.isdigit()
        else None
    )
    if municipality is None or action not in ("notice", "allow", "withdraw"):
        turn.needs_prompt = True
        return []
    turn.finish()
    if action == "notice":
        active = await active_notice(turn.session, municipality)
        return [Outgoing(notice_text(municipality, active, turn.incoming.channel))]
    return await set_sensitive(turn, municipality, action == "allow")
