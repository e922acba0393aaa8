"""Suppressed results written out for people in chat: a question's figures, line by line.

Every figure comes from ``handlers.results.by_language`` or ``handlers.results.by_profile`` and so has
passed the suppression module; here it is only written in the reader's digits, with "hidden"
for the counts hidden beside small ones. Each channel cuts a long message to its own length.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.i18n.core import LANGUAGE_NAMES, _, isolate, localize_digits
from handlers.privacy.suppression import HIDDEN, WITHHELD
from handlers.results.by_language import PollResults, QuestionResult, ResultRow
from handlers.results.by_profile import (
    ProfileColumn,
    ProfileQuestionResult,
    ProfileResults,
    ProfileRow,
)
from storage.vocabulary import PollStatus, QuestionKind


def open_poll_note(base: int) -> str:
    """What is said of an open poll's figures: only the number who answered, rounded."""
    return _(
        "While the poll is open, only the number of people who answered is shown, rounded to "
        "the nearest {base}; its results are shown once it closes."
    ).format(base=localize_digits(str(base)))


def figure(shown: str) -> str:
    """A suppressed figure: a number or "<K" in the reader's digits, else "hidden"."""
    if shown in (HIDDEN, WITHHELD):
        return _("hidden")
    return localize_digits(shown)


def questions_lines(results: PollResults, *, by_language: bool = False) -> list[str]:
    """Every question but the free-text ones: its number and text, then its figures."""
    lines: list[str] = []
    for question in results.questions:
        if question.kind == QuestionKind.TEXT:
            continue
        lines += ["", f"{figure(str(question.number))}. {question.text}"]
        lines += question_lines(question, by_language=by_language)
    return lines


def question_lines(question: QuestionResult, *, by_language: bool = False) -> list[str]:
    """One question's figures, each with its breakdown by language when asked."""
    if question.withheld:
        return [_("Too few answers to show.")]
    if question.kind == QuestionKind.NUMBER:
        median = question.median.total if question.median else WITHHELD
        return [_("Middle answer: {median}").format(median=figure(median))]
    return [
        f"• {localize_digits(row.label) if question.kind == QuestionKind.SCALE else row.label}: "
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


def profile_lines(results: ProfileResults) -> list[str]:
    """A poll's results by a profile question: respondents, then every question but free text."""
    lines = [
        _("{title} ({status})").format(
            title=isolate(results.title), status=status_text(results.status)
        ),
        _("Broken down by: {question}").format(question=isolate(results.question)),
    ]
    if results.rounding > 1:
        count = figure(results.respondents.total)
        people = _("People who answered: {count}").format(count=count)
        return [*lines, people, open_poll_note(results.rounding)]
    lines.append(
        _("People who answered: {count}").format(count=figure(results.respondents.total))
        + _by_column(results.respondents, results.columns)
    )
    for question in results.questions:
        if question.kind == QuestionKind.TEXT:
            continue
        lines += ["", f"{figure(str(question.number))}. {question.text}"]
        lines += _profile_question_lines(question, results.columns)
    return lines


def status_text(status: str) -> str:
    """A poll's status in the reader's language."""
    return _("open") if status == PollStatus.OPEN else _("closed")


def _profile_question_lines(
    question: ProfileQuestionResult, columns: tuple[ProfileColumn, ...]
) -> list[str]:
    """One question's figures, each with its breakdown by profile answer."""
    if question.withheld:
        return [_("Too few answers to show.")]
    if question.kind == QuestionKind.NUMBER:
        if question.median is None:
            return []
        return [
            _("Middle answer: {median}").format(median=_median(question.median.total))
            + _by_column(question.median, columns, _median)
        ]
    lines = [
        f"• {localize_digits(row.label) if question.kind == QuestionKind.SCALE else row.label}: "
        f"{figure(row.total)}{_by_column(row, columns)}"
        for row in question.rows
    ]
    if question.not_answered is not None:
        skipped = _("Did not answer this question")
        lines.append(
            f"• {skipped}: {figure(question.not_answered.total)}"
            + _by_column(question.not_answered, columns)
        )
    return lines


def _median(shown: str) -> str:
    """A median as shown, or "hidden" where too few answered."""
    return figure(shown) if shown else _("hidden")


def _by_column(
    row: ProfileRow, columns: tuple[ProfileColumn, ...], show: Callable[[str], str] = figure
) -> str:
    """ " (Yerel halk 6 · Suriyeli <5 · …)" for one row."""
    parts = [f"{isolate(column.label)} {show(row.by_option[column.key])}" for column in columns]
    return f" ({' · '.join(parts)})"
