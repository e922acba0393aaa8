"""Suppressed results written out for people in chat: a question's figures, line by line.

Every figure comes from ``handlers.results`` and so has passed the suppression module; here it
is only written in the reader's digits, with "hidden" for the counts hidden beside small ones.
"""

from __future__ import annotations

from handlers.i18n import LANGUAGE_NAMES, _, isolate, localize_digits
from handlers.results import PollResults, QuestionResult, ResultRow
from handlers.suppression import HIDDEN, WITHHELD


def figure(shown: str) -> str:
    """A suppressed figure: a number or "<K" in the reader's digits, else "hidden"."""
    if shown in (HIDDEN, WITHHELD):
        return _("hidden")
    return localize_digits(shown)


def questions_lines(results: PollResults, *, by_language: bool = False) -> list[str]:
    """Every question but the free-text ones: its number and text, then its figures."""
    lines: list[str] = []
    for question in results.questions:
        if question.kind == "text":
            continue
        lines += ["", f"{figure(str(question.number))}. {question.text}"]
        lines += question_lines(question, by_language=by_language)
    return lines


def question_lines(question: QuestionResult, *, by_language: bool = False) -> list[str]:
    """One question's figures, each with its breakdown by language when asked."""
    if question.withheld:
        return [_("Too few answers to show.")]
    if question.kind == "number":
        median = question.median.total if question.median else WITHHELD
        return [_("Middle answer: {median}").format(median=figure(median))]
    return [
        f"• {localize_digits(row.label) if question.kind == 'scale' else row.label}: "
        f"{figure(row.total)}{_breakdown(row) if by_language else ''}"
        for row in question.rows
    ]


def _breakdown(row: ResultRow) -> str:
    """ " (Türkçe 3 · العربية <5 · English <5)" for one row."""
    parts = [
        f"{isolate(LANGUAGE_NAMES.get(lang, lang))} {figure(shown)}"
        for lang, shown in row.by_language.items()
    ]
    return f" ({' · '.join(parts)})"
