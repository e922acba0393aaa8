"""The steps of /newpoll and /schedule in a staff conversation."""

from __future__ import annotations

from handlers.core.steps import StaffStep


class BuildStep(StaffStep):
    """/newpoll: the assembly, each text, each question's kind, another question or finish."""

    ASSEMBLY = "build_assembly"
    TEXT = "build_text"
    KIND = "build_kind"
    MORE = "build_more"


class ScheduleStep(StaffStep):
    """/schedule: when the poll opens, when it closes, when the reminder goes."""

    OPEN = "schedule_open"
    CLOSE = "schedule_close"
    REMIND = "schedule_remind"
