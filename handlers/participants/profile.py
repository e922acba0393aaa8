"""The assembly's registration profile: a few questions, each with "prefer not to say".

A question marked sensitive is asked, and its answer kept, only while the person's optional
consent to it stands (``handlers.consent.sensitive``).
"""

from __future__ import annotations

from typing import Any

from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _, format_number, localized
from storage.assemblies import set_profile_answer
from storage.consents import consent_of
from storage.models import Assembly

PREFER_NOT_TO_SAY = ""


def profile_question(assembly: Assembly, key: str) -> dict[str, Any] | None:
    """The profile question with this key, if the assembly still has it."""
    return next((q for q in assembly.profile or [] if q.get("key") == key), None)


async def _askable(turn: Turn, assembly: Assembly) -> list[str]:
    """The keys of the questions the person may be asked: the sensitive ones only with the
    optional consent given."""
    consent = await consent_of(turn.session, turn.person.id, assembly.municipality_id)
    allowed = consent is not None and consent.sensitive is True
    return [q["key"] for q in assembly.profile or [] if allowed or not q.get("sensitive")]


async def profile_prompt(turn: Turn) -> list[Outgoing]:
    """Ask the profile question the step names."""
    data = turn.person.step_data or {}
    assembly = await turn.session.get(Assembly, data.get("assembly"))
    question = profile_question(assembly, str(data.get("key"))) if assembly else None
    keys = await _askable(turn, assembly) if assembly is not None else []
    if assembly is None or question is None or question["key"] not in keys:
        turn.finish()
        return []
    position = keys.index(question["key"]) + 1
    header = _("About you ({number} of {total}): this helps the assembly hear everyone.").format(
        number=format_number(position), total=format_number(len(keys))
    )
    choices = [
        turn.button(localized(option["text"]), option["key"]) for option in question["options"]
    ]
    choices.append(turn.button(_("Prefer not to say"), "-"))
    return [Outgoing(f"{header}\n\n{localized(question['text'])}", tuple(choices))]


async def on_profile(turn: Turn, value: str) -> list[Outgoing]:
    """Record the profile answer and go on."""
    data = turn.person.step_data or {}
    assembly = await turn.session.get(Assembly, data.get("assembly"))
    question = profile_question(assembly, str(data.get("key"))) if assembly else None
    if (
        assembly is None
        or question is None
        or question["key"] not in await _askable(turn, assembly)
    ):
        turn.finish()
        return []
    valid = {option["key"] for option in question["options"]}
    if value != "-" and value not in valid:
        turn.needs_prompt = True
        return []
    option_key = PREFER_NOT_TO_SAY if value == "-" else value
    await set_profile_answer(turn.session, turn.person.id, assembly.id, question["key"], option_key)
    turn.finish()
    return []
