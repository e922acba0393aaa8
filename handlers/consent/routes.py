"""What the consent feature answers: its steps and /privacy (``handlers.core.router``
combines them with the other features')."""

from __future__ import annotations

from handlers.consent import joining, participation, privacy, sensitive
from handlers.consent.steps import ConsentStep
from handlers.core.commands import Command
from handlers.core.dispatch import StepHandlers
from handlers.core.steps import Step
from handlers.i18n.core import N_


def steps() -> dict[Step, StepHandlers]:
    """The join code, the consent to take part, to the sensitive questions, and /privacy."""
    return {
        ConsentStep.JOIN: StepHandlers(joining.join_prompt, on_text=joining.on_join_text),
        ConsentStep.PARTICIPATION: StepHandlers(
            participation.consent_prompt, participation.on_consent
        ),
        ConsentStep.SENSITIVE: StepHandlers(sensitive.sensitive_prompt, sensitive.on_sensitive),
        ConsentStep.PRIVACY: StepHandlers(privacy.privacy_prompt, privacy.on_privacy),
    }


def commands() -> dict[str, Command]:
    """/privacy."""
    return {"privacy": Command(privacy.privacy_command, N_("Your consents"), order=5)}
