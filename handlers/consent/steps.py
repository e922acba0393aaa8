"""The steps of joining and consent: the code, the consent to take part, to the sensitive
questions, and /privacy."""

from __future__ import annotations

from handlers.core.steps import Step

# Step data of a step a person was moved to without being shown it (``storage.consents.ask_again``):
# their next message shows its question instead of being read as an answer to it.
UNSEEN = "unseen"


class ConsentStep(Step):
    """The join code, a consent question, or the /privacy overview."""

    JOIN = "join"
    PARTICIPATION = "consent"
    SENSITIVE = "sensitive_consent"
    PRIVACY = "privacy"
