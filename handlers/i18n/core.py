"""Translation of every user-facing string, bound to the language of the update being handled.

The language is a ContextVar set around each update by ``use_language``; ``gettext`` and
``ngettext`` read it. Catalogs are compiled gettext files under ``locales/``; a missing
compiled catalog fails loudly rather than falling back silently to the source text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache
from pathlib import Path

from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from storage.errors import DomainError

LANGUAGES: tuple[str, ...] = ("tr", "ar", "en")
DEFAULT_LANGUAGE = "tr"
LANGUAGE_NAMES: dict[str, str] = {"tr": "Türkçe", "ar": "العربية", "en": "English"}
RTL_LANGUAGES = frozenset({"ar"})
LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"

_language: ContextVar[str] = ContextVar("reslog_language", default=DEFAULT_LANGUAGE)


class CatalogMissingError(DomainError):
    """A compiled catalog is missing: run `make catalogs` (pybabel compile)."""


@cache
def translations(language: str) -> Translations:
    """The compiled catalog of one language, loaded once per process."""
    loaded = Translations.load(str(LOCALES_DIR), [language], DOMAIN)
    if not isinstance(loaded, Translations) or type(loaded) is NullTranslations:
        raise CatalogMissingError(
            f"no compiled catalog for {language!r} in {LOCALES_DIR}; run `make catalogs`"
        )
    return loaded


def supported_language(code: str | None) -> str | None:
    """The supported language a client's language code names ("ar-SY" -> "ar"), if any."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def current_language() -> str:
    """The language of the update being handled."""
    return _language.get()


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """Bind the language for everything said inside the block."""
    token = _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


def gettext(message: str) -> str:
    """The message in the current language."""
    return translations(current_language()).ugettext(message)


_ = gettext


def ngettext(singular: str, plural: str, count: int) -> str:
    """The plural form of the message that fits ``count`` in the current language."""
    return translations(current_language()).ungettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


NATIVE_DIGITS = {"ar": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")}


def format_number(value: int) -> str:
    """A number written the way the current language writes it (Arabic-Indic digits in Arabic)."""
    return _formatted(value, current_language())


@lru_cache(maxsize=4096)
def _formatted(value: int, language: str) -> str:
    """``format_number`` in one language, kept: Babel's formatting costs more than a turn's
    statements, and the numbers a conversation shows (positions, counts) repeat."""
    if language in NATIVE_DIGITS:
        formatted = format_decimal(value, locale=language, numbering_system="arab")
        return formatted.translate(NATIVE_DIGITS[language])
    return format_decimal(value, locale=language)


def load_languages() -> None:
    """Load every language's catalog and number formats now, at start-up, rather than in the
    first turn that needs each (tens of milliseconds each, which that person would wait)."""
    for language in LANGUAGES:
        translations(language)
        _formatted(0, language)


def localize_digits(text: str) -> str:
    """Text with its Western digits written as the current language writes them ("<5" -> "<٥")."""
    table = NATIVE_DIGITS.get(current_language())
    return text.translate(table) if table else text


def isolate(fragment: str) -> str:
    """Wrap a fragment (a name, a code) so its direction cannot scramble the sentence around it."""
    return f"{FIRST_STRONG_ISOLATE}{fragment}{POP_DIRECTIONAL_ISOLATE}"


def localized(texts: dict[str, str], language: str | None = None) -> str:
    """Stored per-language content in the current language; a missing one shows which it fell back to."""
    lang = language or current_language()
    if texts.get(lang):
        return texts[lang]
    for other in LANGUAGES:
        if texts.get(other):
            return f"[{other}] {texts[other]}"
    return next((f"[{key}] {text}" for key, text in texts.items() if text), "")
