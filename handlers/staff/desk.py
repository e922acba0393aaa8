"""Where a staff member's own conversation stands: its step, what it remembers, its buttons.

A staff conversation (writing a notice, confirming a poll's opening) is kept in its own row,
apart from any participant conversation of the same person. Its buttons carry ``s<nonce>:`` so
that they are told apart from a participant's and go stale once the step moves on; an action
button (``s*:``) names what it acts on and is checked against the stored state instead, so a
second press of "Send" finds the notice sent and says so. A conversation left alone for
``IDLE_LIMIT`` is forgotten.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from handlers.core.events import Choice
from handlers.core.steps import StaffStep
from handlers.core.turn import Turn
from storage.base import utcnow
from storage.models import StaffConversation

DESK_PREFIX = "s"
ACTION_NONCE = "*"
IDLE_LIMIT = timedelta(hours=2)


class DeskStep(StaffStep):
    """Where a staff conversation stands when it stands nowhere."""

    NONE = ""  # over, or never begun


def desk_active(turn: Turn) -> bool:
    """Whether the sender is in the middle of a staff conversation."""
    desk = turn.desk
    return bool(desk and desk.step and desk.updated_at > utcnow() - IDLE_LIMIT)


def desk_step(turn: Turn) -> str:
    """The step of the sender's staff conversation ("" when there is none)."""
    return turn.desk.step if turn.desk is not None and desk_active(turn) else ""


def desk_data(turn: Turn) -> dict[str, Any]:
    """What the current staff step remembers."""
    return dict(turn.desk.step_data or {}) if turn.desk is not None else {}


def desk_button(turn: Turn, label: str, value: str) -> Choice:
    """A button of the current staff step; stale once the step moves on."""
    nonce = turn.desk.nonce if turn.desk is not None else 0
    return Choice(label=label, data=f"{DESK_PREFIX}{nonce}:{value}")


def action_button(label: str, value: str) -> Choice:
    """A button that names what it acts on, valid for as long as the stored state allows."""
    return Choice(label=label, data=f"{DESK_PREFIX}{ACTION_NONCE}:{value}")


def desk_go(turn: Turn, step: StaffStep, **data: Any) -> None:
    """Move the staff conversation to a step; buttons of earlier steps stop working."""
    desk = turn.desk
    if desk is None:
        desk = StaffConversation(
            channel=turn.incoming.channel, address_hash=turn.address_hash, nonce=0
        )
        turn.session.add(desk)
        turn.desk = desk
    desk.step = step
    desk.step_data = data
    desk.nonce = (desk.nonce or 0) + 1
    desk.updated_at = utcnow()


def desk_update(turn: Turn, **data: Any) -> None:
    """Change what the current staff step remembers, keeping its buttons valid."""
    if turn.desk is not None:
        turn.desk.step_data = {**(turn.desk.step_data or {}), **data}
        turn.desk.updated_at = utcnow()


def desk_end(turn: Turn) -> None:
    """The staff conversation is over (its buttons stop working)."""
    if turn.desk is not None and turn.desk.step:
        desk_go(turn, DeskStep.NONE)
