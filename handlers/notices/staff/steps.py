"""The steps of /notice in a staff conversation."""

from __future__ import annotations

from handlers.core.steps import StaffStep


class NoticeStep(StaffStep):
    """/notice: the assembly, the texts, the audience (languages or profile answers), confirming."""

    ASSEMBLY = "notice_assembly"
    TEXT = "notice_text"
    AUDIENCE = "notice_audience"
    LANGUAGES = "notice_languages"
    PROFILE = "notice_profile"
    CONFIRM = "notice_confirm"
    TIME = "notice_time"
