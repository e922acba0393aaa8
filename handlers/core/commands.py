"""A /command as a feature declares it, and the menu and /help built from the declarations.

Each feature declares its commands (``handlers.participants.routes``); ``handlers.core.router``
combines them and decides who may send which. The menu (also registered with Telegram) lists
everyone's commands by ``order``, then, for staff, the staff ones.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _

Run = Callable[[Turn, str], Awaitable[list[Outgoing]]]


@dataclass(frozen=True)
class Command:
    """What a /command runs (given its arguments), how the menu lists it, and who may send it.

    A staff command runs for anyone and checks the sender's role itself. The others need a
    participant who has consented, unless they run ``before_joining`` (the bot does not know
    the sender yet: the command sees no participant) or ``before_consent``.
    """

    run: Run
    description: str = ""  # an N_() msgid; empty: not in the menu
    order: int = 0  # its place in the menu
    staff: bool = False
    before_joining: bool = False
    before_consent: bool = False


def descriptions(commands: Mapping[str, Command], *, staff: bool) -> list[tuple[str, str]]:
    """Everyone's listed commands, or the staff ones, in order, described in the current language."""
    listed = sorted(
        (command.order, name, command.description)
        for name, command in commands.items()
        if command.description and command.staff == staff
    )
    return [(name, _(description)) for _order, name, description in listed]


def menu(commands: Mapping[str, Command], *, staff: bool = False) -> list[tuple[str, str]]:
    """The menu in the current language: everyone's commands, then the staff ones for staff."""
    return descriptions(commands, staff=False) + (
        descriptions(commands, staff=True) if staff else []
    )


def help_text(commands: Mapping[str, Command], *, staff: bool = False) -> str:
    """The /help message in the current language; with the staff commands for staff."""
    lines = [_("This bot lets you take part in your assembly. You can send:")]
    lines.extend(f"/{name} · {text}" for name, text in descriptions(commands, staff=False))
    if staff:
        lines += ["", _("For the assembly's staff:")]
        lines.extend(f"/{name} · {text}" for name, text in descriptions(commands, staff=True))
    return "\n".join(lines)
