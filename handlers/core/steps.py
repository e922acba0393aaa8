"""The steps a conversation can stand at, and what each does with a button or a typed reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers.core import flow
from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.participants import consent, feedback, forget, onboarding, profile
from handlers.polls import answering as polls

Prompt = Callable[[Turn], Awaitable[list[Outgoing]]]
Handler = Callable[[Turn, str], Awaitable[list[Outgoing]]]


@dataclass(frozen=True)
class Step:
    """A step: how to ask its question, and what to do with a button or (optionally) free text.

    A step without ``on_text`` reads a typed reply as one of its buttons (its number or label).
    """

    prompt: Prompt
    on_choice: Handler | None = None
    on_text: Handler | None = None


async def _poll_prompt(turn: Turn) -> list[Outgoing]:
    """The current poll question, as a new message."""
    return await polls.poll_prompt(turn)


def step_for(name: str) -> Step:
    """The step with this name; an unknown or empty name is the resting step."""
    match name:
        case "language":
            return Step(onboarding.language_prompt, onboarding.on_language)
        case "consent":
            return Step(consent.consent_prompt, consent.on_consent)
        case "join":
            return Step(onboarding.join_prompt, on_text=onboarding.on_join_text)
        case "profile":
            return Step(profile.profile_prompt, profile.on_profile)
        case "poll":
            return Step(_poll_prompt, polls.on_poll_choice, polls.on_poll_text)
        case "polls":
            return Step(polls.polls_overview, polls.on_polls_choice)
        case "feedback":
            return Step(feedback.feedback_prompt, on_text=feedback.on_feedback_text)
        case "feedback_assembly":
            return Step(feedback.assembly_prompt, feedback.on_assembly)
        case "forget":
            return Step(forget.forget_prompt, forget.on_forget)
        case _:
            return Step(flow.idle_prompt)
