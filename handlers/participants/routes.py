"""What the participants feature answers: its steps and its commands (``handlers.core.router``
combines them with the other features')."""

from __future__ import annotations

from handlers.core.commands import Command
from handlers.core.dispatch import StepHandlers
from handlers.core.steps import Step
from handlers.i18n.core import N_
from handlers.participants import feedback, forget, mydata, onboarding, optout, profile
from handlers.participants.steps import ParticipantStep


def steps() -> dict[Step, StepHandlers]:
    """The language, the profile, feedback and /forget."""
    return {
        ParticipantStep.LANGUAGE: StepHandlers(onboarding.language_prompt, onboarding.on_language),
        ParticipantStep.PROFILE: StepHandlers(profile.profile_prompt, profile.on_profile),
        ParticipantStep.FEEDBACK: StepHandlers(
            feedback.feedback_prompt, on_text=feedback.on_feedback_text
        ),
        ParticipantStep.FEEDBACK_ASSEMBLY: StepHandlers(
            feedback.assembly_prompt, feedback.on_assembly
        ),
        ParticipantStep.FEEDBACK_OFFER: StepHandlers(feedback.offer_prompt, feedback.on_offer),
        ParticipantStep.FORGET: StepHandlers(forget.forget_prompt, forget.on_forget),
    }


def commands() -> dict[str, Command]:
    """/feedback, /language, /mydata, /forget and /stop."""
    return {
        "feedback": Command(feedback.start_feedback, N_("Write to the assembly"), order=3),
        "language": Command(
            onboarding.language_command, N_("Change the language"), order=4, before_consent=True
        ),
        "mydata": Command(
            mydata.mydata_command,
            N_("See what we keep about you"),
            order=5,
            before_joining=True,
            before_consent=True,
        ),
        "forget": Command(
            forget.forget_command,
            N_("Erase your data"),
            order=6,
            before_joining=True,
            before_consent=True,
        ),
        # STOP is honoured at once, whatever question is waiting (a new notice's included).
        "stop": Command(
            optout.stop_command,
            N_("Stop notices"),
            order=7,
            before_joining=True,
            before_consent=True,
        ),
    }
