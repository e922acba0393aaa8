"""Messages translated when they are shown, not when they are made.

A ``LazyText`` (``storage.errors``: plain data, so that storage's errors carry one too) keeps
a msgid (marked with ``N_`` so the catalogs pick it up) and its format arguments. Its
``english()`` fills the msgid itself, for the command line, which speaks English; ``render``
translates it into the language bound to the update being handled, for chat: a handler that
catches a ``DomainError`` answers with ``render(error.message)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from handlers.i18n.core import _, format_number, isolate, localized, ngettext
from storage.errors import Argument, LazyText, Plain


def render(text: LazyText) -> str:
    """The message in the current language."""
    if not text.translate:
        template = text.msgid
    elif text.plural is not None:
        template = ngettext(text.msgid, text.plural, text.count)
    else:
        template = _(text.msgid)
    if not text.args:
        return template
    return template.format(**{name: _rendered(value) for name, value in text.args})


def _rendered(value: Argument) -> str:
    """One argument, as the current language writes it."""
    if isinstance(value, LazyText):
        return render(value)
    if isinstance(value, Plain):
        return _plain(value.value)
    if isinstance(value, bool):
        return isolate(str(value))
    if isinstance(value, int):
        return format_number(value)
    if isinstance(value, Mapping):
        return isolate(localized(dict(value)))
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(_rendered(item) for item in value)
    return isolate(str(value))


def _plain(value: Argument) -> str:
    """One argument without isolation."""
    if isinstance(value, Mapping):
        return localized(dict(value))
    if isinstance(value, str):
        return value
    return _rendered(value)
