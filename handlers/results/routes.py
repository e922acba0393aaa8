"""What the results feature answers: /results, for staff (``handlers.core.router`` combines it
with the other features')."""

from __future__ import annotations

from handlers.core.commands import Command
from handlers.i18n.core import N_
from handlers.results import staff


def commands() -> dict[str, Command]:
    """/results."""
    return {
        "results": Command(
            staff.show_results, N_("The latest polls' results so far"), order=2, staff=True
        )
    }
