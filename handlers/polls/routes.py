"""What the polls feature answers: answering polls, and the facilitators' poll commands and steps
(``handlers.core.router`` combines them with the other features')."""

from __future__ import annotations

from handlers.core.commands import Command
from handlers.core.dispatch import StepHandlers
from handlers.core.steps import StaffStep, Step
from handlers.i18n.core import N_
from handlers.polls import answering, preview
from handlers.polls.staff import actions, builder, schedule
from handlers.polls.staff.steps import BuildStep, ScheduleStep
from handlers.polls.steps import PollStep


def steps() -> dict[Step, StepHandlers]:
    """Answering a question, and picking a poll from /polls."""
    return {
        PollStep.POLL: StepHandlers(
            answering.poll_prompt, answering.on_poll_choice, answering.on_poll_text
        ),
        PollStep.POLLS: StepHandlers(answering.polls_overview, answering.on_polls_choice),
    }


def staff_steps() -> dict[StaffStep, StepHandlers]:
    """/newpoll's and /schedule's steps."""
    times = StepHandlers(schedule.time_prompt, schedule.on_time_button, schedule.on_time_text)
    return {
        BuildStep.ASSEMBLY: StepHandlers(builder.assembly_prompt, builder.on_assembly),
        BuildStep.TEXT: StepHandlers(builder.text_prompt, on_text=builder.on_text),
        BuildStep.KIND: StepHandlers(builder.kind_prompt, builder.on_kind),
        BuildStep.MORE: StepHandlers(builder.more_prompt, builder.on_more),
        ScheduleStep.OPEN: times,
        ScheduleStep.CLOSE: times,
        ScheduleStep.REMIND: StepHandlers(
            schedule.remind_prompt, schedule.on_remind_button, schedule.on_remind_text
        ),
    }


def commands() -> dict[str, Command]:
    """/polls for participants; /newpoll, /open, /close, /schedule and /preview for staff."""
    return {
        "polls": Command(answering.polls_command, N_("Open polls and your answers"), order=2),
        "newpoll": Command(
            builder.start_builder, N_("Build a new poll step by step"), order=4, staff=True
        ),
        "open": Command(actions.ask_open, N_("Open a poll"), order=5, staff=True),
        "close": Command(actions.ask_close, N_("Close a poll"), order=6, staff=True),
        "schedule": Command(
            schedule.start_schedule, N_("Set when a poll opens and closes"), order=7, staff=True
        ),
        "preview": Command(
            preview.preview_command, N_("See a poll as residents will"), order=8, staff=True
        ),
    }
