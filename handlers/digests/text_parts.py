"""The small pieces every digest format writes the same way: figures, labels, the period, the legend.

All of them read the current language (``handlers.i18n.core.use_language``); none of them escapes
HTML, so the Telegram text, the e-mail and the workbook can each escape what they need.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_interval, format_skeleton

from handlers.digests.report import Change, Digest, Period
from handlers.i18n.core import (
    LANGUAGE_NAMES,
    N_,
    RTL_LANGUAGES,
    _,
    current_language,
    isolate,
    localize_digits,
)
from handlers.privacy.suppression import HIDDEN, WITHHELD, small

REACH_LABELS = {
    "delivered": N_("delivered"),
    "failed": N_("failed"),
    "blocked": N_("blocked"),
    "waiting": N_("waiting"),
}


def rtl() -> bool:
    """Whether the current language is written right to left."""
    return current_language() in RTL_LANGUAGES


def iso(fragment: str) -> str:
    """A name, number or code isolated when it sits in a right-to-left sentence, else as is."""
    return isolate(fragment) if rtl() else fragment


def mark(shown: str) -> str:
    """A suppressed figure as written: "12", "<5", "x" or "-", in the reader's digits."""
    return iso(localize_digits(shown))


def label(text: str) -> str:
    """A row or column label: a language code becomes its name, a reach column is translated."""
    if text in LANGUAGE_NAMES:
        return language_name(text)
    if text in REACH_LABELS:
        return _(REACH_LABELS[text])
    return text


def reach_text(columns: tuple[str, ...], figures: tuple[str, ...]) -> str:
    """ "delivered 180 · failed <5 · ..." """
    return " · ".join(
        f"{label(column)} {mark(shown)}" for column, shown in zip(columns, figures, strict=True)
    )


def language_name(code: str) -> str:
    """A language's name in the current language ("ar" in a Turkish digest: "Arapça")."""
    return str(Locale.parse(current_language()).languages.get(code, code))


def in_language(code: str) -> str:
    """ "(in Arabic)": said beside a text written in another language than the digest's."""
    return _("(in {language})").format(language=language_name(code))


def period_text(period: Period) -> str:
    """The period's local days, formatted by Babel ("24–30 Kas 2026")."""
    zone = ZoneInfo(period.timezone)
    first = period.start.astimezone(zone).date()
    last = (period.end.astimezone(zone) - timedelta(days=1)).date()
    language = current_language()
    if first == last:
        text = format_skeleton("yMMMd", first, locale=language)
    else:
        text = format_interval(first, last, "yMMMd", locale=language)
    return iso(localize_digits(text))


def change_text(change: Change) -> str:
    """A change against the previous period ("+3", "−2", "0"); "" when it cannot be known."""
    if change.change is None:
        return ""
    sign = "+" if change.change > 0 else "−" if change.change < 0 else ""
    return iso(localize_digits(f"{sign}{abs(change.change)}"))


def heading(digest: Digest) -> str:
    """The digest's first line: whose it is."""
    return _("Digest for {name}").format(name=iso(digest.name))


def period_line(digest: Digest) -> str:
    """The line naming the period."""
    return _("Period: {period}").format(period=period_text(digest.period))


def legend(k: int) -> str:
    """What the marks mean."""
    return _(
        "{small}: fewer than {k} people · {hidden}: hidden so that a small count cannot be "
        "worked out · {withheld}: too few to show anything"
    ).format(
        small=mark(small(k)),
        k=mark(str(k)),
        hidden=mark(HIDDEN),
        withheld=mark(WITHHELD),
    )


def rounding_note(base: int) -> str:
    """What is said beside a total of members: it is rounded."""
    return _("Totals of members are rounded down to a multiple of {base}.").format(
        base=mark(str(base))
    )


def nothing_happened() -> str:
    """What an empty digest says."""
    return _(
        "Nothing happened in this period: nobody joined, no poll ran, no feedback came in "
        "and no notice was sent."
    )


def is_shown(shown: str) -> bool:
    """Whether a figure is an exact number."""
    return shown.isdigit()
