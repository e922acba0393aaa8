"""The staff conversation's own routing: its buttons, the text it waits for, and /cancel.

Its steps are declared by the features that own them and combined by ``handlers.core.router``,
which passes them in; ``handlers.core.dispatch.dispatch`` answers them as it answers a
participant's. Every staff button and typed reply first checks that the sender still holds a
staff role; a removed facilitator's old buttons are refused like any staff command.
"""

from __future__ import annotations

from collections.abc import Mapping

from handlers.core.dispatch import Conversation, StepHandlers, dispatch
from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.digests.staff.settings import DigestStep
from handlers.i18n.core import _
from handlers.notices import delivery as notice_delivery
from handlers.notices.staff import confirm as staff_notice_confirm
from handlers.notices.staff.steps import NoticeStep
from handlers.polls import preview as poll_preview
from handlers.polls.staff import actions as staff_poll_actions
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

Steps = Mapping[str, StepHandlers]


def is_staff_button(data: str) -> bool:
    """Whether pressed button data belongs to a staff conversation."""
    return data.startswith(DESK_PREFIX)


def waiting_for_staff(turn: Turn, steps: Steps) -> bool:
    """Whether typed text belongs to the sender's staff conversation."""
    return desk_active(turn) and desk_step(turn) in steps


def _conversation(turn: Turn, steps: Steps) -> Conversation:
    """Where the sender's staff conversation stands; its buttons are not made stale by asking
    again."""
    desk = turn.desk
    return Conversation(
        steps.get(desk_step(turn)),
        desk.nonce if desk is not None else None,
        _("That button is no longer active."),
        lambda: None,
    )


async def on_staff_button(turn: Turn, data: str, steps: Steps) -> list[Outgoing]:
    """A staff button: an action on what it names, or a choice of the current staff step."""
    if await staff_assemblies(turn, "button") is None:
        desk_end(turn)
        return [not_staff()]
    pressed = data.removeprefix(DESK_PREFIX)
    nonce, _sep, value = pressed.partition(":")
    if nonce == ACTION_NONCE:
        return await _on_action(turn, value)
    return await dispatch(turn, _conversation(turn, steps), button=pressed)


async def on_staff_text(turn: Turn, text: str, steps: Steps) -> list[Outgoing]:
    """Typed text while a staff conversation waits: its own reading, or one of its buttons."""
    if await staff_assemblies(turn, "text") is None:
        desk_end(turn)
        return [not_staff()]
    talk = _conversation(turn, steps)
    if talk.step is None:
        desk_end(turn)
        return []
    return await dispatch(turn, talk, text=text)


async def cancel_staff(turn: Turn) -> list[Outgoing]:
    """/cancel during a staff conversation: stop it, keeping nothing it wrote."""
    step = desk_step(turn)
    if step in set(NoticeStep) and "notice" in desk_data(turn):
        return await staff_notice_confirm.cancel_notice(turn)
    if step in set(DigestStep):
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
        case "resend":
            return await notice_delivery.resend_unconfirmed_rows(turn, target)
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
