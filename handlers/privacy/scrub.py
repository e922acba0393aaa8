"""Personal data taken out of what people wrote, before their words leave the system in a digest.

Phone numbers (found with phonenumbers, Google's libphonenumber, as Turkish or Syrian numbers
or in international form, in Western or Arabic-Indic digits), e-mail addresses, Turkish
identity numbers (11 digits whose two check digits are right) and foreigner identity numbers
(11 digits starting with 99) are each replaced by a mark in the reader's language, such as
"[telefon]". Everything else is kept as written.
"""

from __future__ import annotations

import re

import phonenumbers

from handlers.core.text_input import to_western_digits
from handlers.i18n.core import _

PHONE_REGIONS = ("TR", "SY")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")
FOREIGNER_PREFIX = "99"


def is_turkish_identity_number(digits: str) -> bool:
    """Whether 11 digits form a valid T.C. kimlik numarası (first digit not 0, both checks)."""
    if len(digits) != 11 or not digits.isdigit() or digits[0] == "0":
        return False
    d = [int(c) for c in digits]
    tenth = (7 * sum(d[0:9:2]) - sum(d[1:8:2])) % 10
    return d[9] == tenth and d[10] == sum(d[:10]) % 10


def scrub_personal_data(text: str) -> str:
    """The text with phone numbers, e-mail addresses and identity numbers replaced by marks."""
    text = EMAIL.sub(lambda _m: _("[e-mail]"), text)
    text = _replace_identity_numbers(text)
    return _replace_phone_numbers(text)


def _replace_identity_numbers(text: str) -> str:
    """Identity numbers (in any digits) replaced; other 11-digit numbers kept."""
    western = to_western_digits(text)  # one character for one, so positions stay the same
    spans = [
        match.span()
        for match in ELEVEN_DIGITS.finditer(western)
        if match.group().startswith(FOREIGNER_PREFIX) or is_turkish_identity_number(match.group())
    ]
    return _replace(text, spans, _("[ID number]"))


def _replace_phone_numbers(text: str) -> str:
    """Phone numbers of the regions the assemblies' people come from, or international ones."""
    for region in PHONE_REGIONS:
        spans = [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(text, region)]
        text = _replace(text, spans, _("[phone]"))
    return text


def _replace(text: str, spans: list[tuple[int, int]], mark: str) -> str:
    """The text with each span (in order, not overlapping) replaced by ``mark``."""
    for start, end in reversed(spans):
        text = text[:start] + mark + text[end:]
    return text
