"""A union's digest as lines of text: each member on one line, then the union's totals.

Plain text, not escaped: ``bot.digests.formats.telegram_html`` escapes it for Telegram. Every figure is a
cell of the roll-up's suppressed tables, written as shown.
"""

from __future__ import annotations

from handlers.digests.report import RollupDigest
from handlers.digests.text_parts import iso, label, mark
from handlers.i18n.core import _
from handlers.privacy.suppression import SafeTable


def rollup_sections(digest: RollupDigest) -> list[tuple[str, list[str]]]:
    """(title, lines) for members joined, communities, participation, feedback and reach."""
    names = ", ".join(iso(member) for member in digest.members)
    joined = digest.joined.grand_total or "-"
    previous = digest.previous_joined.grand_total or "-"
    return [
        (_("Members of the union"), [names]),
        (
            _("New members"),
            [
                *side_by_side(digest.joined, digest.members),
                _("Previous period: {count}").format(count=mark(previous)),
                _("Joined in this period: {count}").format(count=mark(joined)),
            ],
        ),
        (_("By community"), side_by_side(digest.communities, digest.members)),
        (_("Polls and responses"), side_by_side(digest.participation, digest.members)),
        (_("Feedback"), side_by_side(digest.feedback, digest.members)),
        (_("Notices"), side_by_side(digest.reach, digest.members)),
    ]


def side_by_side(table: SafeTable, members: tuple[str, ...]) -> list[str]:
    """One line per member (a column of the table), then the union's line (the row totals)."""
    lines = [
        f"• {iso(member)}: {figures(table, [row[index] for row in table.cells])}"
        for index, member in enumerate(members)
    ]
    lines.append(
        _("Union in all: {figures}").format(figures=figures(table, list(table.row_totals)))
    )
    return lines


def figures(table: SafeTable, shown: list[str]) -> str:
    """ "Türkçe 12 · العربية <5 · English x" over a table's rows."""
    return " · ".join(
        f"{iso(label(row))} {mark(value)}"
        for row, value in zip(table.row_labels, shown, strict=True)
    )
