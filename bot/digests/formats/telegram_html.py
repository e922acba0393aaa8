"""A digest written as Telegram messages: HTML (Telegram's subset), in the digest's language.

Every figure comes from the digest as shown (already suppressed); every text from the digest is
HTML-escaped here, and every tag opens and closes on one line, so the messages can be cut
between any two lines. Sections are kept whole in one message where they fit, else cut
between lines (``bot.channels.text_parts.split_pieces``); each message stays under Telegram's
4096 characters. A long feedback text is shortened here; the workbook has it whole.
"""

from __future__ import annotations

import html

from bot.channels.telegram.render import MAX_TEXT
from bot.channels.text_parts import split_pieces
from bot.digests.formats.rollup_text import rollup_sections
from handlers.digests.report import (
    AssemblyFeedback,
    Digest,
    MembersSection,
    MunicipalityDigest,
    NoticesSection,
    PollSection,
)
from handlers.digests.text_parts import (
    change_text,
    heading,
    in_language,
    is_shown,
    iso,
    label,
    language_name,
    legend,
    mark,
    nothing_happened,
    period_line,
    reach_text,
    rounding_note,
)
from handlers.i18n.core import (
    _,
    current_language,
    localize_digits,
    ngettext,
    use_language,
)
from handlers.privacy.suppression import SafeTable
from handlers.results.by_language import QuestionResult, ResultRow
from handlers.results.text import open_poll_note, status_text
from storage.vocabulary import QuestionKind

LIMIT = MAX_TEXT - 96  # room for what Telegram counts differently
FEEDBACK_SHOWN = 5  # texts quoted per assembly; the rest are in the workbook
FEEDBACK_CHARS = 600  # the longest quote; the workbook has the whole text

Section = list[str]


def esc(text: str) -> str:
    """Text made safe for Telegram's HTML."""
    return html.escape(text, quote=False)


def bold(text: str) -> str:
    """A bold line of escaped text."""
    return f"<b>{esc(text)}</b>"


def digest_messages(digest: Digest) -> list[str]:
    """The digest as Telegram HTML messages, each under the 4096-character limit."""
    with use_language(digest.language):
        sections = [[bold(heading(digest)), esc(period_line(digest))]]
        if digest.empty:
            sections.append([esc(nothing_happened())])
        elif isinstance(digest, MunicipalityDigest):
            sections += municipality_sections(digest)
            sections.append([f"<i>{esc(legend(digest.k))}</i>"])
        else:
            sections += [
                [bold(title), *map(esc, lines)] for title, lines in rollup_sections(digest)
            ]
            sections.append([f"<i>{esc(legend(digest.k))}</i>"])
        return pack(sections)


def pack(sections: list[Section]) -> list[str]:
    """Sections into messages: whole where they fit, else cut between their lines."""
    units: list[str] = []
    for section in sections:
        units += ["\n".join(section), ""]
    return split_pieces(units, LIMIT)


def municipality_sections(digest: MunicipalityDigest) -> list[Section]:
    """Members, each poll, feedback per assembly, and notices."""
    sections = [members_section(digest.members)]
    sections += [poll_section(poll) for poll in digest.polls]
    if digest.feedback:
        sections.append([bold(_("Feedback"))])
        sections += [feedback_section(feedback) for feedback in digest.feedback]
    if digest.notices.notices:
        sections.append(notices_section(digest.notices))
    return sections


def members_section(members: MembersSection) -> Section:
    """New members by community and by language, beside the previous period."""
    new = members.new_members
    lines = [
        bold(_("New members")),
        esc(_("Joined in this period: {count}").format(count=mark(new.current))),
        esc(_("Previous period: {count}").format(count=mark(new.previous))),
    ]
    if change := change_text(new):
        lines.append(esc(_("Change: {change}").format(change=change)))
    lines.append(esc(_("Members in all: {count}").format(count=mark(members.total_members))))
    lines.append(f"<i>{esc(rounding_note(members.total_base))}</i>")
    if members.community_question is not None:
        lines.append(
            esc(_("By community ({question}):").format(question=iso(members.community_question)))
        )
        lines += [esc(line) for line in row_lines(members.joined)]
    lines.append(esc(_("By language:")))
    lines += [esc(line) for line in column_lines(members.joined)]
    return lines


def row_lines(table: SafeTable) -> list[str]:
    """ "• label: total" for each row of a table."""
    return [
        f"• {iso(label(row))}: {mark(total)}"
        for row, total in zip(table.row_labels, table.row_totals, strict=True)
    ]


def column_lines(table: SafeTable) -> list[str]:
    """ "• label: total" for each column of a table (its column totals)."""
    totals = table.column_totals or ("-",) * len(table.column_labels)
    return [
        f"• {iso(label(column))}: {mark(total)}"
        for column, total in zip(table.column_labels, totals, strict=True)
    ]


def poll_section(poll: PollSection) -> Section:
    """One poll: where it ran, its respondents, each question's figures by language."""
    results = poll.by_language
    lines = [
        bold(
            _("{title} ({status})").format(title=iso(poll.title), status=status_text(poll.status))
        ),
        esc(
            _("Assembly: {name} ({code})").format(name=iso(poll.assembly), code=iso(poll.join_code))
        ),
    ]
    if results.rounding > 1:
        count = mark(results.respondents.total)
        lines.append(esc(_("People who answered: {count}").format(count=count)))
        return [*lines, f"<i>{esc(open_poll_note(results.rounding))}</i>"]
    lines.append(
        esc(
            _("People who answered: {count}").format(count=mark(results.respondents.total))
            + by_language(results.respondents)
        )
    )
    if not is_shown(results.respondents.total):
        lines.append(esc(_("Too few people answered this poll to show any of its results.")))
        return lines
    for question in results.questions:
        if question.kind != QuestionKind.TEXT:
            lines.append(
                f"<u>{esc(localize_digits(str(question.number)))}. {esc(question.text)}</u>"
            )
            lines += [esc(line) for line in question_lines(question)]
    return lines


def question_lines(question: QuestionResult) -> list[str]:
    """A question's figures, each option with its breakdown by language."""
    if question.withheld:
        return [_("Too few answers to show.")]
    if question.kind == QuestionKind.NUMBER:
        median = question.median.total if question.median and question.median.total else "-"
        return [_("Middle answer: {median}").format(median=mark(median))]
    return [
        f"• {iso(localize_digits(row.label))}: {mark(row.total)}{by_language(row)}"
        for row in question.rows
    ]


def by_language(row: ResultRow) -> str:
    """ " (Türkçe 12 · Arapça <5 · İngilizce x)" for one row, languages named in the digest's."""
    parts = [f"{iso(language_name(lang))} {mark(shown)}" for lang, shown in row.by_language.items()]
    return f" ({' · '.join(parts)})"


def feedback_section(feedback: AssemblyFeedback) -> Section:
    """One assembly's feedback: how many texts, the first ones quoted, the rest counted."""
    count = len(feedback.items)
    lines = [
        f"<i>{esc(iso(feedback.assembly))} ({esc(iso(feedback.join_code))})</i>",
        esc(
            ngettext("{count} text", "{count} texts", count).format(count=mark(str(count)))
            + " · "
            + _("Previous period: {count}").format(count=mark(feedback.previous_count))
        ),
    ]
    for item in feedback.items[:FEEDBACK_SHOWN]:
        text = item.text if len(item.text) <= FEEDBACK_CHARS else item.text[:FEEDBACK_CHARS] + "…"
        named = "" if item.language == current_language() else f" {esc(in_language(item.language))}"
        number = f" #{item.feedback_id}" if item.feedback_id is not None else ""
        lines.append(f"<blockquote>{esc(text)}</blockquote>{named}{number}")
    if count > FEEDBACK_SHOWN:
        more = count - FEEDBACK_SHOWN
        lines.append(
            esc(
                ngettext(
                    "… and {count} more text, in the workbook.",
                    "… and {count} more texts, in the workbook.",
                    more,
                ).format(count=mark(str(more)))
            )
        )
    return lines


def notices_section(notices: NoticesSection) -> Section:
    """Each notice with its reach, then the period's totals."""
    lines = [bold(_("Notices"))]
    reach = notices.reach
    for index, notice in enumerate(notices.notices):
        lines.append(esc(f"• {iso(notice.assembly)}: {notice.summary}"))
        if reach is not None and not reach.withheld:
            lines.append(esc("  " + reach_text(reach.column_labels, reach.cells[index])))
    if reach is not None:
        totals = reach.column_totals or ("-",) * len(reach.column_labels)
        lines.append(
            esc(_("In all: {figures}").format(figures=reach_text(reach.column_labels, totals)))
        )
    return lines
