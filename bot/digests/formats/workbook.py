"""A digest as an XLSX workbook (openpyxl): a summary sheet, then one sheet per poll or table.

An exact count is written as a number; every other figure ("<5", "x", "-") as the text shown,
never turned back into a number. No cell is ever a formula: a text that starts like one
(= + - @) is stored as a plain string with Excel's quote prefix. An Arabic digest's sheets
read right to left.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet
from slugify import slugify

from handlers.digests.report import Digest, MunicipalityDigest, PollSection, RollupDigest
from handlers.digests.text_parts import (
    heading,
    label,
    language_name,
    legend,
    period_line,
    rounding_note,
)
from handlers.i18n.core import LANGUAGE_NAMES, RTL_LANGUAGES, _, use_language
from handlers.privacy.suppression import SafeTable
from handlers.results.by_language import ResultRow
from handlers.results.by_profile import ProfileResults, ProfileRow
from handlers.results.text import status_text

SHEET_NAME_LIMIT = 31
FORBIDDEN_IN_NAMES = re.compile(r"[\[\]:*?/\\]")
FORMULA_START = ("=", "+", "-", "@")
BOLD = Font(bold=True)


def digest_workbook(digest: Digest) -> bytes:
    """The digest's workbook as XLSX bytes."""
    with use_language(digest.language):
        book = Workbook()
        summary = book.active
        assert summary is not None
        summary.title = sheet_name(_("Summary"), set())
        names = {summary.title}
        write_summary(summary, digest)
        if isinstance(digest, MunicipalityDigest):
            for poll in digest.polls:
                sheet = book.create_sheet(sheet_name(poll.title, names))
                names.add(sheet.title)
                write_poll(sheet, poll)
        else:
            for title, table in rollup_tables(digest):
                sheet = book.create_sheet(sheet_name(title, names))
                names.add(sheet.title)
                write_table(sheet, 1, table, title)
        for sheet in book.worksheets:
            sheet.sheet_view.rightToLeft = digest.language in RTL_LANGUAGES
            sheet.column_dimensions["A"].width = 42
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def digest_filename(digest: Digest, extension: str) -> str:
    """An ASCII file name naming the subject and the period's local days."""
    zone = ZoneInfo(digest.period.timezone)
    first = digest.period.start.astimezone(zone).date()
    last = (digest.period.end.astimezone(zone) - timedelta(days=1)).date()
    subject = slugify(digest.slug) or "digest"
    return f"reslog-digest-{subject}-{first.isoformat()}-{last.isoformat()}.{extension.lstrip('.')}"


def sheet_name(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts, unique in the workbook: no []:*?/\\, at most 31 characters."""
    base = FORBIDDEN_IN_NAMES.sub(" ", title).strip().strip("'") or "-"
    name, number = base[:SHEET_NAME_LIMIT], 1
    while name.lower() in {other.lower() for other in taken}:
        number += 1
        suffix = f" ({number})"
        name = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
    return name


def put(
    sheet: Worksheet, row: int, column: int, value: str, *, bold: bool = False, text: bool = False
) -> None:
    """One cell: an exact count as a number (unless ``text``), else text that is never a formula."""
    cell = sheet.cell(row=row, column=column)
    if value.isdigit() and not text:
        cell.value = int(value)
    else:
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True
    if bold:
        cell.font = BOLD


def put_row(sheet: Worksheet, row: int, values: Sequence[str], *, bold: bool = False) -> int:
    """A row of cells from column A (a label, always text); the next row."""
    for column, value in enumerate(values, start=1):
        put(sheet, row, column, value, bold=bold, text=column == 1)
    return row + 1


def write_table(sheet: Worksheet, row: int, table: SafeTable, corner: str) -> int:
    """A suppressed table with its totals; the row after it (and a blank one)."""
    total = _("Total")
    row = put_row(sheet, row, [corner, *map(label, table.column_labels), total], bold=True)
    for name, cells, row_total in zip(table.row_labels, table.cells, table.row_totals, strict=True):
        row = put_row(sheet, row, [label(name), *cells, row_total])
    if table.column_totals is not None:
        row = put_row(sheet, row, [total, *table.column_totals, table.grand_total or ""], bold=True)
    return row + 1


def write_summary(sheet: Worksheet, digest: Digest) -> None:
    """Subject, period, K and the legend; then members, notices and feedback (or the roll-up's members)."""
    row = put_row(sheet, 1, [heading(digest)], bold=True)
    row = put_row(sheet, row, [period_line(digest)])
    row = put_row(sheet, row, [_("Suppression threshold K"), str(digest.k)])
    row = put_row(sheet, row, [legend(digest.k)]) + 1
    if digest.empty:
        put_row(
            sheet,
            row,
            [
                _(
                    "Nothing happened in this period: nobody joined, no poll ran, no feedback came in and no notice was sent."
                )
            ],
        )
        return
    if isinstance(digest, RollupDigest):
        row = put_row(sheet, row, [_("Members of the union")], bold=True)
        for member in digest.members:
            row = put_row(sheet, row, [member])
        return
    members = digest.members
    row = put_row(sheet, row, [_("New members")], bold=True)
    row = put_row(
        sheet,
        row,
        [_("Members in all"), members.total_members, rounding_note(members.total_base)],
    )
    row = write_table(
        sheet, row, members.joined, members.community_question or _("Joined in this period")
    )
    row = put_row(sheet, row, [_("Previous period")], bold=True)
    row = write_table(sheet, row, members.previous, members.community_question or "")
    if digest.notices.notices:
        row = write_notices(sheet, row, digest)
    write_feedback(sheet, row, digest)


def write_notices(sheet: Worksheet, row: int, digest: MunicipalityDigest) -> int:
    """Each notice's assembly and first words, then its reach."""
    notices = digest.notices
    row = put_row(sheet, row, [_("Notices")], bold=True)
    reach = notices.reach
    if reach is None:
        for notice in notices.notices:
            row = put_row(sheet, row, [notice.assembly, notice.summary])
        return row + 1
    numbered = SafeTable(
        tuple(f"{notice.assembly}: {notice.summary}" for notice in notices.notices),
        reach.column_labels,
        reach.cells,
        reach.row_totals,
        reach.column_totals,
        reach.grand_total,
        reach.k,
        reach.withheld,
    )
    return write_table(sheet, row, numbered, _("Notice"))


def write_feedback(sheet: Worksheet, row: int, digest: MunicipalityDigest) -> None:
    """Every feedback text, grouped by assembly, with when it came and its language."""
    zone = ZoneInfo(digest.period.timezone)
    row = put_row(sheet, row, [_("Feedback")], bold=True)
    for feedback in digest.feedback:
        row = put_row(sheet, row, [f"{feedback.assembly} ({feedback.join_code})"], bold=True)
        row = put_row(sheet, row, [_("Previous period"), feedback.previous_count])
        for item in feedback.items:
            received = item.received_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            put(sheet, row, 1, item.text)
            sheet.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
            put(sheet, row, 2, language_name(item.language))
            put(sheet, row, 3, received)
            if item.feedback_id is not None:  # the number /redact takes
                put(sheet, row, 4, f"#{item.feedback_id}")
            row += 1
        row += 1


def write_poll(sheet: Worksheet, poll: PollSection) -> None:
    """A poll's results by language, then by each profile question."""
    results = poll.by_language
    row = put_row(sheet, 1, [poll.title], bold=True)
    row = put_row(sheet, row, [f"{poll.assembly} ({poll.join_code})", status_text(poll.status)])
    languages = [LANGUAGE_NAMES.get(lang, lang) for lang in results.languages]
    row = put_row(sheet, row + 1, [_("By language"), _("Total"), *languages], bold=True)
    row = language_row(sheet, row, _("People who answered"), results.respondents, results.languages)
    for question in results.questions:
        row = put_row(sheet, row + 1, [f"{question.number}. {question.text}"], bold=True)
        if question.withheld:
            row = put_row(sheet, row, [_("Too few answers to show.")])
        row = language_row(sheet, row, _("Answered"), question.answered, results.languages)
        for result in question.rows:
            row = language_row(sheet, row, result.label, result, results.languages)
        if question.median is not None:
            row = language_row(sheet, row, _("Middle answer"), question.median, results.languages)
    for profile in poll.by_profile:
        row = write_profile(sheet, row + 2, profile)


def language_row(
    sheet: Worksheet, row: int, name: str, result: ResultRow, languages: Sequence[str]
) -> int:
    """A label, its total and its figure per language."""
    return put_row(
        sheet, row, [name, result.total, *(result.by_language.get(lang, "") for lang in languages)]
    )


def write_profile(sheet: Worksheet, row: int, results: ProfileResults) -> int:
    """A poll's results by one profile question; the row after them."""
    keys = [column.key for column in results.columns]
    header = [
        _("By: {question}").format(question=results.question),
        _("Total"),
        *(c.label for c in results.columns),
    ]
    row = put_row(sheet, row, header, bold=True)
    row = profile_row(sheet, row, _("People who answered"), results.respondents, keys)
    for question in results.questions:
        row = put_row(sheet, row + 1, [f"{question.number}. {question.text}"], bold=True)
        if question.withheld:
            row = put_row(sheet, row, [_("Too few answers to show.")])
        if question.answered is not None:
            row = profile_row(sheet, row, _("Answered"), question.answered, keys)
        for result in question.rows:
            row = profile_row(sheet, row, result.label, result, keys)
        if question.not_answered is not None:
            row = profile_row(
                sheet, row, _("Did not answer this question"), question.not_answered, keys
            )
        if question.median is not None:
            row = profile_row(sheet, row, _("Middle answer"), question.median, keys)
    return row


def profile_row(
    sheet: Worksheet, row: int, name: str, result: ProfileRow, keys: Sequence[str]
) -> int:
    """A label, its total and its figure per profile answer."""
    return put_row(
        sheet, row, [name, result.total, *(result.by_option.get(key, "") for key in keys)]
    )


def rollup_tables(digest: RollupDigest) -> list[tuple[str, SafeTable]]:
    """A union's tables, each with its sheet title."""
    return [
        (_("New members"), digest.joined),
        (_("Previous period"), digest.previous_joined),
        (_("By community"), digest.communities),
        (_("Polls and responses"), digest.participation),
        (_("Feedback"), digest.feedback),
        (_("Notices"), digest.reach),
    ]
