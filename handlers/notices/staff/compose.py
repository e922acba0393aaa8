"""/notice in chat: a facilitator writes a notice in every language of the assembly, then picks
who receives it.

Steps: the assembly (if they run several) → the text in each of its languages, one message each
→ the audience: everyone, some languages, or the people who gave some answers to a profile
question → the summary and confirmation (``handlers.notices.staff.confirm``). Nothing is sent
before that confirmation; /cancel at any step keeps nothing.
"""

from __future__ import annotations

from typing import Any

from handlers.core.events import Outgoing
from handlers.core.text_input import MAX_TEXT_LENGTH
from handlers.core.turn import Turn
from handlers.i18n.core import LANGUAGE_NAMES, _, isolate, localized
from handlers.notices.staff.confirm import on_confirm_step, show_summary
from handlers.notices.staff.steps import NoticeStep
from handlers.participants.profile import PREFER_NOT_TO_SAY, profile_question
from handlers.staff.desk import desk_button, desk_data, desk_end, desk_go, desk_update
from handlers.staff.roles import not_staff, staff_assemblies
from storage.models import Assembly

CHECKED, UNCHECKED = "☑", "☐"


async def start_notice(turn: Turn, args: str) -> list[Outgoing]:
    """/notice: begin a notice for one of the sender's assemblies."""
    managed = await staff_assemblies(turn, "notice")
    if managed is None:
        return [not_staff()]
    if len(managed) == 1:
        return await _begin_texts(turn, managed[0])
    desk_go(turn, NoticeStep.ASSEMBLY)
    return await assembly_prompt(turn)


async def assembly_prompt(turn: Turn) -> list[Outgoing]:
    """Which assembly the notice is for."""
    managed = await staff_assemblies(turn, "notice") or []
    buttons = tuple(desk_button(turn, localized(a.name), f"a:{a.id}") for a in managed)
    return [Outgoing(_("Which assembly is the notice for?"), buttons)]


async def on_assembly(turn: Turn, value: str) -> list[Outgoing]:
    """An assembly was chosen."""
    assembly = await _managed_assembly(turn, value.removeprefix("a:"))
    if assembly is None:
        return await assembly_prompt(turn)
    return await _begin_texts(turn, assembly)


async def _begin_texts(turn: Turn, assembly: Assembly) -> list[Outgoing]:
    """Ask for the text in the assembly's first language."""
    desk_go(turn, NoticeStep.TEXT, assembly=assembly.id, texts={})
    return await text_prompt(turn)


async def text_prompt(turn: Turn) -> list[Outgoing]:
    """Ask for the text in the next language that has none yet."""
    assembly = await _assembly(turn)
    if assembly is None:
        return lost(turn)
    texts = desk_data(turn).get("texts", {})
    language = next(lang for lang in assembly.languages if lang not in texts)
    return [
        Outgoing(
            _(
                "Write the notice in {language}, as one message. It goes to the people who "
                "read {language}. (/cancel stops without sending anything.)"
            ).format(language=isolate(LANGUAGE_NAMES.get(language, language)))
        )
    ]


async def on_text(turn: Turn, text: str) -> list[Outgoing]:
    """The text in one language arrived: ask for the next, or for the audience."""
    assembly = await _assembly(turn)
    if assembly is None:
        return lost(turn)
    body = text.strip()
    if not body:
        return [Outgoing(_("The notice cannot be empty.")), *await text_prompt(turn)]
    if len(body) > MAX_TEXT_LENGTH:
        return [
            Outgoing(_("That is too long for one message. Please shorten it.")),
            *await text_prompt(turn),
        ]
    texts = {**desk_data(turn).get("texts", {})}
    language = next(lang for lang in assembly.languages if lang not in texts)
    texts[language] = body
    if any(lang not in texts for lang in assembly.languages):
        desk_update(turn, texts=texts)
        return await text_prompt(turn)
    desk_go(turn, NoticeStep.AUDIENCE, assembly=assembly.id, texts=texts)
    return await audience_prompt(turn)


async def audience_prompt(turn: Turn) -> list[Outgoing]:
    """Who receives it: everyone, some languages, or by a profile question."""
    assembly = await _assembly(turn)
    if assembly is None:
        return lost(turn)
    buttons = [
        desk_button(turn, _("Everyone in the assembly"), "all"),
        desk_button(turn, _("People who read some languages"), "languages"),
    ]
    buttons += [
        desk_button(
            turn,
            _("By the answer to: {question}").format(question=localized(q["text"])),
            f"p:{q['key']}",
        )
        for q in assembly.profile or []
    ]
    return [Outgoing(_("Who should receive the notice?"), tuple(buttons))]


async def on_audience(turn: Turn, value: str) -> list[Outgoing]:
    """The kind of audience was chosen."""
    assembly = await _assembly(turn)
    if assembly is None:
        return lost(turn)
    data = desk_data(turn)
    if value == "all":
        return await _summary(turn, assembly, data["texts"], {})
    if value == "languages":
        desk_go(turn, NoticeStep.LANGUAGES, **_kept(data), sel=[])
        return await segment_prompt(turn)
    key = value.removeprefix("p:")
    if value.startswith("p:") and profile_question(assembly, key) is not None:
        desk_go(turn, NoticeStep.PROFILE, **_kept(data), key=key, sel=[])
        return await segment_prompt(turn)
    return await audience_prompt(turn)


async def segment_prompt(turn: Turn) -> list[Outgoing]:
    """Tick the languages, or the profile answers, the notice goes to."""
    assembly = await _assembly(turn)
    if assembly is None:
        return lost(turn)
    data = desk_data(turn)
    options = _segment_options(assembly, data)
    chosen = set(data.get("sel", []))
    buttons = [
        desk_button(turn, f"{CHECKED if key in chosen else UNCHECKED} {label}", f"t:{key}")
        for key, label in options
    ]
    buttons.append(desk_button(turn, _("Done ✓"), "done"))
    question = profile_question(assembly, data.get("key", "")) if "key" in data else None
    header = (
        _("Choose the languages, then press Done.")
        if question is None
        else _("{question}: choose the answers, then press Done.").format(
            question=localized(question["text"])
        )
    )
    return [Outgoing(header, tuple(buttons), replace=bool(chosen))]


async def on_segment(turn: Turn, value: str) -> list[Outgoing]:
    """A language or an answer was ticked, or the choice is done."""
    assembly = await _assembly(turn)
    if assembly is None:
        return lost(turn)
    data = desk_data(turn)
    keys = [key for key, _label in _segment_options(assembly, data)]
    chosen = list(data.get("sel", []))
    if value.startswith("t:") and value[2:] in keys:
        item = value[2:]
        chosen = [k for k in chosen if k != item] if item in chosen else [*chosen, item]
        desk_update(turn, sel=[k for k in keys if k in chosen])
        return await segment_prompt(turn)
    if value != "done":
        return await segment_prompt(turn)
    if not chosen:
        return [Outgoing(_("Please choose at least one.")), *await segment_prompt(turn)]
    segment: dict[str, Any] = (
        {"profile": {data["key"]: chosen}} if "key" in data else {"languages": chosen}
    )
    return await _summary(turn, assembly, data["texts"], segment)


async def _summary(
    turn: Turn, assembly: Assembly, texts: dict[str, str], segment: dict[str, Any]
) -> list[Outgoing]:
    """The summary to confirm; for an audience nobody is in, say so and ask again."""
    shown = await show_summary(turn, assembly, texts, segment)
    if shown:
        return shown
    return [
        Outgoing(_("Nobody is in this audience, so nothing was sent. Please choose another.")),
        *await audience_prompt(turn),
    ]


async def on_confirm(turn: Turn, value: str) -> list[Outgoing]:
    """A button of the summary; "audience" goes back to choosing who receives it."""
    if value == "audience":
        desk_go(turn, NoticeStep.AUDIENCE, **desk_data(turn))
        return await audience_prompt(turn)
    return await on_confirm_step(turn, value)


def _segment_options(assembly: Assembly, data: dict[str, Any]) -> list[tuple[str, str]]:
    """What can be ticked: (key, label) for each language, or each answer of the profile question."""
    if "key" not in data:
        return [(lang, LANGUAGE_NAMES.get(lang, lang)) for lang in assembly.languages]
    question = profile_question(assembly, data["key"]) or {"options": []}
    options = [(str(o["key"]), localized(o["text"])) for o in question["options"]]
    return [*options, (PREFER_NOT_TO_SAY, _("Prefer not to say"))]


def _kept(data: dict[str, Any]) -> dict[str, Any]:
    """What every step of the notice carries on: its assembly, texts and draft (once kept)."""
    kept = {"assembly": data.get("assembly"), "texts": data.get("texts", {})}
    return {**kept, "notice": data["notice"]} if "notice" in data else kept


def lost(turn: Turn) -> list[Outgoing]:
    """The assembly of the notice is gone, or no longer the sender's: stop."""
    desk_end(turn)
    return [Outgoing(_("You no longer run this assembly, so the notice was stopped."))]


async def _assembly(turn: Turn) -> Assembly | None:
    """The assembly the notice is for, if the sender still runs it."""
    return await _managed_assembly(turn, str(desk_data(turn).get("assembly", "")))


async def _managed_assembly(turn: Turn, assembly_id: str) -> Assembly | None:
    """One of the sender's assemblies by id, or None."""
    managed = await staff_assemblies(turn, "notice") or []
    return next((a for a in managed if str(a.id) == assembly_id), None)
