"""What the digests feature answers: /digest and its steps, for municipal staff
(``handlers.core.router`` combines them with the other features')."""

from __future__ import annotations

from handlers.core.commands import Command
from handlers.core.dispatch import StepHandlers
from handlers.core.steps import StaffStep
from handlers.digests.staff import redact, settings, steps
from handlers.digests.staff.settings import DigestStep
from handlers.i18n.core import N_


def staff_steps() -> dict[StaffStep, StepHandlers]:
    """/digest's steps: the subject, the settings, and each thing to change."""
    pick = StepHandlers(steps.step_prompt, steps.on_choice)
    return {
        DigestStep.PICK: StepHandlers(settings.pick_prompt, settings.on_pick),
        DigestStep.SETTINGS: StepHandlers(settings.settings_prompt, steps.on_settings_button),
        DigestStep.DAY: pick,
        DigestStep.LANGUAGE: pick,
        DigestStep.REMOVE: pick,
        DigestStep.TIME: StepHandlers(steps.step_prompt, steps.on_choice, steps.on_time_text),
        DigestStep.EMAIL: StepHandlers(steps.step_prompt, steps.on_choice, steps.on_email_text),
        DigestStep.CHAT: StepHandlers(steps.step_prompt, steps.on_choice, steps.on_chat_text),
    }


def commands() -> dict[str, Command]:
    """/digest and /redact."""
    return {
        "digest": Command(
            settings.start_digest,
            N_("The municipality's digest: when, in which language, to whom"),
            order=9,
            staff=True,
        ),
        "redact": Command(
            redact.redact_command,
            N_("Remove one feedback text that could identify someone"),
            order=10,
            staff=True,
        ),
    }
