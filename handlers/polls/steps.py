"""The steps of answering polls."""

from __future__ import annotations

from handlers.core.steps import Step


class PollStep(Step):
    """Answering one question of a poll, or choosing a poll from /polls."""

    POLL = "poll"
    POLLS = "polls"
