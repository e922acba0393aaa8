"""What the retention feature answers: /retention, for municipal staff
(``handlers.core.router`` combines it with the other features')."""

from __future__ import annotations

from handlers.core.commands import Command
from handlers.i18n.core import N_
from handlers.retention.staff import retention_command


def commands() -> dict[str, Command]:
    """/retention."""
    return {
        "retention": Command(
            retention_command, N_("The municipality's retention periods"), order=11, staff=True
        )
    }
