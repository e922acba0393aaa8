"""What the notices feature answers: /delivery, and /notice with its steps
(``handlers.core.router`` combines them with the other features')."""

from __future__ import annotations

from handlers.core.commands import Command
from handlers.core.dispatch import StepHandlers
from handlers.core.steps import StaffStep
from handlers.i18n.core import N_
from handlers.notices import delivery
from handlers.notices.staff import compose, confirm
from handlers.notices.staff.steps import NoticeStep


def staff_steps() -> dict[StaffStep, StepHandlers]:
    """/notice's steps."""
    segment = StepHandlers(compose.segment_prompt, compose.on_segment)
    return {
        NoticeStep.ASSEMBLY: StepHandlers(compose.assembly_prompt, compose.on_assembly),
        NoticeStep.TEXT: StepHandlers(compose.text_prompt, on_text=compose.on_text),
        NoticeStep.AUDIENCE: StepHandlers(compose.audience_prompt, compose.on_audience),
        NoticeStep.LANGUAGES: segment,
        NoticeStep.PROFILE: segment,
        NoticeStep.CONFIRM: StepHandlers(confirm.summary_again, compose.on_confirm),
        NoticeStep.TIME: StepHandlers(confirm.time_prompt, on_text=confirm.on_time_text),
    }


def commands() -> dict[str, Command]:
    """/delivery and /notice, for staff."""
    return {
        "delivery": Command(
            delivery.show_delivery, N_("How far the latest notices went"), order=1, staff=True
        ),
        "notice": Command(
            compose.start_notice, N_("Write a notice to members"), order=3, staff=True
        ),
    }
