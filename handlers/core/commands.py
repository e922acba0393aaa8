"""The commands a participant can send, with their descriptions (also registered with Telegram)."""

from __future__ import annotations

from handlers.i18n.core import N_, _

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Join an assembly, or continue")),
    ("polls", N_("Open polls and your answers")),
    ("feedback", N_("Write to the assembly")),
    ("language", N_("Change the language")),
    ("mydata", N_("See what we keep about you")),
    ("forget", N_("Erase your data")),
    ("stop", N_("Stop notices")),
    ("help", N_("What I can do")),
)


STAFF_COMMAND_DESCRIPTIONS: tuple[tuple[str, str], ...] = (
    ("delivery", N_("How far the latest notices went")),
    ("results", N_("The latest polls' results so far")),
    ("notice", N_("Write a notice to members")),
    ("newpoll", N_("Build a new poll step by step")),
    ("open", N_("Open a poll")),
    ("close", N_("Close a poll")),
    ("schedule", N_("Set when a poll opens and closes")),
    ("preview", N_("See a poll as residents will")),
    ("digest", N_("The municipality's digest: when, in which language, to whom")),
)


def command_descriptions() -> list[tuple[str, str]]:
    """Each command with its description in the current language."""
    return [(name, _(description)) for name, description in COMMANDS]


def staff_command_descriptions() -> list[tuple[str, str]]:
    """A staff member's menu in the current language: everyone's commands, then the staff ones."""
    return command_descriptions() + [(name, _(text)) for name, text in STAFF_COMMAND_DESCRIPTIONS]


def help_text(staff: bool = False) -> str:
    """The /help message in the current language; with the staff commands for staff."""
    lines = [_("This bot lets you take part in your assembly. You can send:")]
    lines.extend(f"/{name} · {description}" for name, description in command_descriptions())
    if staff:
        lines += ["", _("For the assembly's staff:")]
        lines.extend(f"/{name} · {_(text)}" for name, text in STAFF_COMMAND_DESCRIPTIONS)
    return "\n".join(lines)
