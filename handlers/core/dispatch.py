"""What a step does with a pressed button or typed text; one ``dispatch`` for both conversations.

Each feature declares its steps as ``StepHandlers`` (``handlers.polls.routes``); the router
combines the declarations (``combined``) and describes where a conversation stands as a
``Conversation``: the participant's own, or a staff member's (``handlers.staff.steps``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from handlers.core.events import Outgoing
from handlers.core.text_input import chosen_value
from handlers.core.turn import Turn
from handlers.i18n.core import _

Prompt = Callable[[Turn], Awaitable[list[Outgoing]]]
Handler = Callable[[Turn, str], Awaitable[list[Outgoing]]]
Key = TypeVar("Key", bound=str)
Value = TypeVar("Value")


@dataclass(frozen=True)
class StepHandlers:
    """How a step asks its question, and what it does with a button or (optionally) free text.

    A step without ``on_text`` reads a typed reply as one of its buttons (its number or label).
    """

    prompt: Prompt
    on_choice: Handler | None = None
    on_text: Handler | None = None


@dataclass(frozen=True)
class Conversation:
    """Where one conversation stands: its step's handlers (None: none it knows), the nonce its
    current buttons carry, what a stale button is told, and how to make shown buttons stale."""

    step: StepHandlers | None
    nonce: int | None
    stale: str
    ask_again: Callable[[], None]


async def dispatch(
    turn: Turn, talk: Conversation, *, button: str | None = None, text: str = ""
) -> list[Outgoing]:
    """Answer a pressed button (its data, ``nonce:value``) or typed text with the current step."""
    step = talk.step
    if button is not None:
        nonce, _sep, value = button.partition(":")
        if step is None or step.on_choice is None or talk.nonce is None or nonce != str(talk.nonce):
            talk.ask_again()
            return [Outgoing(talk.stale), *(await step.prompt(turn) if step else [])]
        return await step.on_choice(turn, value)
    if step is None:
        return []
    if step.on_text is not None:
        return await step.on_text(turn, text)
    if step.on_choice is None:
        talk.ask_again()
        return [
            Outgoing(_("To write to the assembly, send /feedback and then your message.")),
            *await step.prompt(turn),
        ]
    choices = tuple(choice for message in await step.prompt(turn) for choice in message.choices)
    chosen = chosen_value(text, choices)
    if chosen is None:
        talk.ask_again()
        return [Outgoing(_("Please choose one of the options below.")), *await step.prompt(turn)]
    return await step.on_choice(turn, chosen)


def combined(*declared: Mapping[Key, Value]) -> dict[str, Value]:
    """The features' declarations as one mapping by name; a name declared twice is a mistake."""
    merged: dict[str, Value] = {}
    for mapping in declared:
        for key, value in mapping.items():
            if key in merged:
                raise ValueError(f"{key!r} is declared twice")
            merged[key] = value
    return merged
