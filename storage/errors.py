"""The one error of the domain: something cannot be done, and why, said for two readers.

A ``DomainError`` carries an English line, ``str(error)``, which the command line prints
(``bot.cli.main`` catches every one, once), and ``message``, a ``LazyText``: a msgid and its
arguments, which a chat handler renders in the reader's language
(``handlers.i18n.lazy.render``). It lives here, at the bottom, so that storage's own errors
derive from it too; it is plain data and translates nothing::

    Exception
     └── DomainError
          ├── DatabaseURLError, SecretKeyError, UnionError     storage
          ├── CatalogMissingError                               handlers.i18n
          ├── PeriodError, RecipientInputError                  handlers.digests
          ├── ResultsError
          │    └── UnknownProfileKeyError                       handlers.results
          ├── ContentFileError
          │    └── PollLockedError                              handlers.polls
          ├── PollNotFound, PollStateError                      handlers.polls
          ├── NoticeProblem                                     handlers.notices
          └── SettingsError, DigestRunError, CliError           bot

An argument of a ``LazyText`` is another ``LazyText`` (said in place), a whole number (written
as the reader's language writes numbers), a string (a name, a code, a fragment of YAML) or a
mapping of language to text (a poll's title), both isolated in chat so they cannot scramble a
right-to-left sentence, ``Plain`` (the same without isolation), or a sequence of these (joined
with commas).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

Argument: TypeAlias = "LazyText | Plain | str | int | Mapping[str, str] | Sequence[Argument]"


@dataclass(frozen=True)
class LazyText:
    """A msgid and its arguments, said only when shown.

    ``plural`` is the msgid's plural form, chosen by the argument ``count``; a ``layout`` is put
    together as it is, untranslated (lines of other texts, a list item).
    """

    msgid: str
    args: tuple[tuple[str, Argument], ...] = ()
    plural: str | None = None
    translate: bool = True

    @property
    def count(self) -> int:
        """The number that picks the plural form."""
        count = dict(self.args).get("count")
        return count if isinstance(count, int) else 1

    def english(self) -> str:
        """The message as the command line says it."""
        template = self.msgid if self.plural is None or self.count == 1 else self.plural
        if not self.args:
            return template
        return template.format(**{name: _english(value) for name, value in self.args})

    def __str__(self) -> str:
        return self.english()


@dataclass(frozen=True)
class Plain:
    """An argument shown as it is, without the isolation a name gets (a text on its own line)."""

    value: Argument


def lazy(msgid: str, **args: Argument) -> LazyText:
    """A message to translate later; write ``lazy(N_("..."), name=value)``."""
    return LazyText(msgid, tuple(args.items()))


def lazy_plural(singular: str, plural: str, count: int, **args: Argument) -> LazyText:
    """A message with plural forms, the form picked by ``count`` (an argument too)."""
    return LazyText(singular, (("count", count), *args.items()), plural)


def layout(template: str, **args: Argument) -> LazyText:
    """Texts put together by a template that is not translated ("• {key}: {text}")."""
    return LazyText(template, tuple(args.items()), translate=False)


def lines(*texts: Argument) -> LazyText:
    """Texts one below the other."""
    names = [f"line{n}" for n in range(len(texts))]
    return layout(
        "\n".join(f"{{{name}}}" for name in names), **dict(zip(names, texts, strict=True))
    )


def _english(value: Argument) -> str:
    """One argument, as the command line writes it."""
    if isinstance(value, LazyText):
        return value.english()
    if isinstance(value, Plain):
        return _english(value.value)
    if isinstance(value, Mapping):
        return value.get("en") or next((text for text in value.values() if text), "")
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(_english(item) for item in value)
    return str(value)


class DomainError(Exception):
    """Something cannot be done: ``str(error)`` says why in English, ``message`` for chat.

    ``message`` is a ``LazyText``, or a msgid without arguments. Its English is the line unless
    ``english`` gives another (one that names a poll by its slug, say). An error only the command
    line meets (a setting, a database URL) gives its English line alone: no catalog holds it.
    """

    def __init__(self, message: LazyText | str, *, english: str | None = None) -> None:
        self.message = message if isinstance(message, LazyText) else LazyText(message)
        self.english = self.message.english() if english is None else english
        super().__init__(self.english)

    def __str__(self) -> str:
        return self.english

    def about(self, subject: str) -> None:
        """Say first, on the command line, what the error is about (``--time: ``)."""
        self.english = subject + self.english
        self.args = (self.english,)
