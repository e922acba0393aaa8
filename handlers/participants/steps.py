"""The steps of a participant's own conversation: joining, the profile, feedback, erasing
(consent has its own, ``handlers.consent.steps``)."""

from __future__ import annotations

from handlers.core.steps import Step


class ParticipantStep(Step):
    """A step of joining, the profile, feedback or /forget."""

    LANGUAGE = "language"
    JOIN = "join"
    PROFILE = "profile"
    FEEDBACK = "feedback"
    FEEDBACK_ASSEMBLY = "feedback_assembly"
    FORGET = "forget"
