"""The assembly's registration profile: a few questions, each with "prefer not to say"."""

from __future__ import annotations

from typing import Any

from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _, format_number, localized
from storage.assemblies import set_profile_answer
from storage.models import Assembly

PREFER_NOT_TO_SAY = ""


def profile_question(assembly: Assembly, key: str) -> dict[str, Any] | None:
    """The profile question with this key, if the assembly still has it."""
    return next((q for q in assembly.profile or [] if q.get("key") == key), None)


async def profile_prompt(turn: Turn) -> list[Outgoing]:
    """Ask the profile question the step names."""
    data = turn.person.step_data or {}
    assembly = await turn.session.get(Assembly, data.get("assembly"))
    question = profile_question(assembly, str(data.get("key"))) if assembly else None
    if assembly is None or question is None:
        turn.finish()
        return []
    keys = [q["key"] for q in assembly.profile]
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
    if assembly is None or question is None:
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
