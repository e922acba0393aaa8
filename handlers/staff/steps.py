"""Routing within a staff conversation: its buttons, the text it waits for, and /cancel.

Every staff button and typed reply first checks that the sender still holds a staff role; a
removed facilitator's old buttons are refused like any staff command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.core.events import Outgoing
from handlers.core.steps import Step
from handlers.core.text_input import match_choice
from handlers.core.turn import Turn
from handlers.digests.staff import settings as staff_digest
from handlers.digests.staff import steps as staff_digest_steps
from handlers.i18n.core import _
from handlers.notices.staff import compose as staff_notice
from handlers.notices.staff import confirm as staff_notice_confirm
from handlers.polls import preview as poll_preview
from handlers.polls.staff import actions as staff_poll_actions
from handlers.polls.staff import builder as staff_poll_builder
from handlers.polls.staff import schedule as staff_poll_schedule
from handlers.staff.desk import (
    ACTION_NONCE,
    DESK_PREFIX,
    desk_active,
    desk_data,
    desk_end,
    desk_step,
)
from handlers.staff.roles import not_staff, staff_assemblies

Action = Callable[[Turn, str], Awaitable[list[Outgoing]]]


def staff_step(name: str) -> Step | None:
    """The staff step with this name, if there is one."""
    match name:
        case "notice_assembly":
            return Step(staff_notice.assembly_prompt, staff_notice.on_assembly)
        case "notice_text":
            return Step(staff_notice.text_prompt, on_text=staff_notice.on_text)
        case "notice_audience":
            return Step(staff_notice.audience_prompt, staff_notice.on_audience)
        case "notice_languages" | "notice_profile":
            return Step(staff_notice.segment_prompt, staff_notice.on_segment)
        case "notice_confirm":
            return Step(_summary_again, staff_notice.on_confirm)
        case "notice_time":
            return Step(staff_notice_confirm.time_prompt, on_text=staff_notice_confirm.on_time_text)
        case "schedule_open" | "schedule_close":
            return Step(
                staff_poll_schedule.time_prompt,
                staff_poll_schedule.on_time_button,
                staff_poll_schedule.on_time_text,
            )
        case "schedule_remind":
            return Step(
                staff_poll_schedule.remind_prompt,
                staff_poll_schedule.on_remind_button,
                staff_poll_schedule.on_remind_text,
            )
        case "build_assembly":
            return Step(staff_poll_builder.assembly_prompt, staff_poll_builder.on_assembly)
        case "build_text":
            return Step(staff_poll_builder.text_prompt, on_text=staff_poll_builder.on_text)
        case "build_kind":
            return Step(staff_poll_builder.kind_prompt, staff_poll_builder.on_kind)
        case "build_more":
            return Step(staff_poll_builder.more_prompt, staff_poll_builder.on_more)
    return _digest_step(name)


def _digest_step(name: str) -> Step | None:
    """The steps of /digest."""
    steps = staff_digest_steps
    match name:
        case "digest_pick":
            return Step(staff_digest.pick_prompt, staff_digest.on_pick)
        case "digest":
            return Step(staff_digest.settings_prompt, steps.on_settings_button)
        case "digest_day" | "digest_language" | "digest_remove":
            return Step(steps.step_prompt, steps.on_choice)
        case "digest_time":
            return Step(steps.step_prompt, steps.on_choice, steps.on_time_text)
        case "digest_email":
            return Step(steps.step_prompt, steps.on_choice, steps.on_email_text)
        case "digest_chat":
            return Step(steps.step_prompt, steps.on_choice, steps.on_chat_text)
    return None


async def _summary_again(turn: Turn) -> list[Outgoing]:
    """The notice's summary, shown again."""
    return await staff_notice_confirm.on_confirm_step(turn, "")


def is_staff_button(data: str) -> bool:
    """Whether pressed button data belongs to a staff conversation."""
    return data.startswith(DESK_PREFIX)


async def on_staff_button(turn: Turn, data: str) -> list[Outgoing]:
    """A staff button: an action on what it names, or a choice of the current staff step."""
    if await staff_assemblies(turn, "button") is None:
        desk_end(turn)
        return [not_staff()]
    nonce, _sep, value = data.removeprefix(DESK_PREFIX).partition(":")
    if nonce == ACTION_NONCE:
        return await _on_action(turn, value)
    step = staff_step(desk_step(turn))
    desk = turn.desk
    if step is None or step.on_choice is None or desk is None or nonce != str(desk.nonce):
        reply = [Outgoing(_("That button is no longer active."))]
        return reply + (await step.prompt(turn) if step is not None else [])
    return await step.on_choice(turn, value)


async def on_staff_text(turn: Turn, text: str) -> list[Outgoing]:
    """Typed text while a staff conversation waits: its own reading, or one of its buttons."""
    if await staff_assemblies(turn, "text") is None:
        desk_end(turn)
        return [not_staff()]
    step = staff_step(desk_step(turn))
    if step is None:
        desk_end(turn)
        return []
    if step.on_text is not None:
        return await step.on_text(turn, text)
    prompt = await step.prompt(turn)
    choices = tuple(choice for message in prompt for choice in message.choices)
    matched = match_choice(text, choices)
    if matched is None or step.on_choice is None:
        return [Outgoing(_("Please choose one of the options below.")), *prompt]
    return await step.on_choice(turn, matched.data.partition(":")[2])


def waiting_for_staff(turn: Turn) -> bool:
    """Whether typed text belongs to the sender's staff conversation."""
    return desk_active(turn) and staff_step(desk_step(turn)) is not None


async def cancel_staff(turn: Turn) -> list[Outgoing]:
    """/cancel during a staff conversation: stop it, keeping nothing it wrote."""
    if desk_step(turn).startswith("notice") and "notice" in desk_data(turn):
        return await staff_notice_confirm.cancel_notice(turn)
    if desk_step(turn).startswith("digest"):
        desk_end(turn)
        return [Outgoing(_("Stopped. The digest settings already saved are kept."))]
    desk_end(turn)
    return [Outgoing(_("Cancelled: nothing was kept."))]


async def _on_action(turn: Turn, value: str) -> list[Outgoing]:
    """An action button: it names what it acts on."""
    action, _sep, target = value.partition(":")
    match action:
        case "send":
            return await staff_notice_confirm.send_notice(turn, target)
        case "open" | "open?" | "close" | "close?":
            return await staff_poll_actions.on_poll_action(turn, action, target)
        case "preview":
            return await poll_preview.on_preview_button(turn, target)
        case "schedule":
            return await staff_poll_schedule.on_schedule_button(turn, target)
        case "noop":
            return [Outgoing(_("This is a preview: nothing was recorded."))]
        case "dismiss":
            return [Outgoing(_("Nothing was changed."))]
    return [Outgoing(_("That button is no longer active."))]
