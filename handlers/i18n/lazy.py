"""Messages translated when they are shown, not when they are made.

A ``LazyText`` keeps a msgid (marked with ``N_`` so the catalogs pick it up) and its format
arguments. ``english()`` fills the msgid itself, for the command line, which speaks English;
``render()`` translates it into the language bound to the update being handled, for chat.
An argument may be a ``LazyText`` (rendered the same way), a whole number (written as the
language writes numbers), a sequence of these (joined with commas) or a string (a name, a code, a
fragment of YAML: isolated in chat, so it cannot scramble a right-to-left sentence).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.i18n.core import _, format_number, isolate

Argument = object


@dataclass(frozen=True)
class LazyText:
    """A msgid and its arguments, translated only when shown."""

    msgid: str
    args: tuple[tuple[str, Argument], ...] = ()

    def english(self) -> str:
        """The message as the command line says it."""
        return self.msgid.format(**{name: _english(value) for name, value in self.args})

    def render(self) -> str:
        """The message in the current language."""
        return _(self.msgid).format(**{name: _rendered(value) for name, value in self.args})

    def __str__(self) -> str:
        return self.english()


def lazy(msgid: str, **args: Argument) -> LazyText:
    """A message to translate later; write ``lazy(N_("..."), name=value)``."""
    return LazyText(msgid, tuple(args.items()))


def _english(value: Argument) -> str:
    """One argument, as the command line writes it."""
    if isinstance(value, LazyText):
        return value.english()
    if isinstance(value, (list, tuple)):
        return ", ".join(_english(item) for item in value)
    return str(value)


def _rendered(value: Argument) -> str:
    """One argument, as the current language writes it."""
    if isinstance(value, LazyText):
        return value.render()
    if isinstance(value, bool):
        return isolate(str(value))
    if isinstance(value, int):
        return format_number(value)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(_rendered(item) for item in value)
    return isolate(str(value))
