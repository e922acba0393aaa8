"""The catalogs: every string in the code is translated in Turkish, Arabic and English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from handlers.i18n.core import LANGUAGES, gettext, ngettext, translations, use_language

PROJECT_DIR = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w*)\}")
SOURCE_DIRS = ("bot", "handlers", "storage")


def _strings(value: object) -> tuple[str, ...]:
    """A message's id or translation as a tuple of strings (one per plural form)."""
    if isinstance(value, (tuple, list)):
        return tuple(str(item or "") for item in value)
    return (str(value or ""),)


def _catalog(language: str) -> Catalog:
    with (PROJECT_DIR / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def _code_msgids() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "lazy_plural": (1, 2)}
    for directory in SOURCE_DIRS:
        for _file, _line, message, _comments, _context in extract_from_dir(
            PROJECT_DIR / directory, keywords=keywords
        ):
            found.add(tuple(message) if isinstance(message, tuple) else message)  # type: ignore[arg-type]
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_msgid_in_the_code_is_translated_and_not_fuzzy(language: str) -> None:
    catalog = _catalog(language)
    missing, untranslated, fuzzy = [], [], []
    for msgid in sorted(_code_msgids(), key=str):
        message = catalog.get(msgid if isinstance(msgid, str) else msgid[0])
        if message is None:
            missing.append(msgid)
            continue
        if not all(s.strip() for s in _strings(message.string)):
            untranslated.append(msgid)
        if message.fuzzy:
            fuzzy.append(msgid)
    assert not missing, (
        f"{language}: msgids missing from the catalog (make update-catalogs): {missing}"
    )
    assert not untranslated, f"{language}: untranslated: {untranslated}"
    assert not fuzzy, f"{language}: fuzzy: {fuzzy}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    for message in _catalog(language):
        if not message.id:
            continue
        wanted = set(PLACEHOLDER.findall(_strings(message.id)[-1]))
        for string in _strings(message.string):
            used = set(PLACEHOLDER.findall(string))
            if isinstance(message.id, tuple):
                assert used <= wanted, f"{language}: {string!r} has unknown placeholders"
            else:
                assert used == wanted, f"{language}: {string!r} does not keep {wanted}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_the_po_file(language: str) -> None:
    compiled = translations(language)
    for message in _catalog(language):
        if message.id and isinstance(message.id, str):
            assert compiled.ugettext(message.id) == message.string, "run `make catalogs`"


def test_arabic_has_six_plural_forms_chosen_by_count() -> None:
    catalog = _catalog("ar")
    assert catalog.num_plurals == 6
    singular, plural = "{done} of {total} question answered", "{done} of {total} questions answered"
    with use_language("ar"):
        forms = {
            n: ngettext(singular, plural, n).format(done=0, total=n) for n in (0, 1, 2, 3, 11, 100)
        }
    assert forms[1].endswith("سؤال واحد")
    assert forms[2].endswith("سؤالين")
    assert forms[3].endswith("3 أسئلة")
    assert forms[11].endswith("11 سؤالاً")
    assert forms[100].endswith("100 سؤال")
    assert len(set(forms.values())) == 6


def test_each_language_answers_in_its_own_words() -> None:
    said = {}
    for language in LANGUAGES:
        with use_language(language):
            said[language] = gettext("Language set to English.")
    assert said == {
        "tr": "Dil Türkçe olarak ayarlandı.",
        "ar": "تم ضبط اللغة على العربية.",
        "en": "Language set to English.",
    }
