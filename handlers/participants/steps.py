"""The steps of a participant's own conversation: joining, the profile, feedback, erasing
(joining and consent have theirs, ``handlers.consent.steps``)."""

from __future__ import annotations

from handlers.core.steps import Step


class ParticipantStep(Step):
    """A step of the language, the profile, feedback or /forget."""

    LANGUAGE = "language"
    PROFILE = "profile"
    FEEDBACK = "feedback"
    FEEDBACK_ASSEMBLY = "feedback_assembly"
    FEEDBACK_OFFER = "feedback_offer"
    FORGET = "forget"
