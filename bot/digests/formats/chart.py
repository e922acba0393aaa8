"""Charts of suppressed figures for digests (a poll question's results, members by community): horizontal bars, phone-sized.

Only figures that passed the suppression module are drawn: a count is a bar with its number; a
count under K ("<5") or a hidden one has no bar, only its mark, so the picture gives away no
more than the table. matplotlib (3.11 and later, through libraqm) shapes Arabic and lays it out
right to left itself, so labels are given as written; an Arabic chart also reads from the
right: labels on the right, bars growing to the left. The figure is built per call with
matplotlib's object API (no pyplot state), drawn by the Agg backend.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import Literal

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from handlers.i18n.core import RTL_LANGUAGES, use_language
from handlers.results.by_language import QuestionResult
from handlers.results.text import figure

TITLE_WIDTH = 52  # characters on one line of the title
BAR, EMPTY, INK = "#0d5c6b", "#c9d3db", "#1b2631"
WIDTH_INCHES, ROW_INCHES, DPI = 6.4, 0.55, 160
Format = Literal["png", "svg"]


def question_chart(
    question: QuestionResult, title: str, language: str, file_format: Format = "png"
) -> bytes:
    """The question's rows as bars, in ``language`` (marks and digits as the reader writes them)."""
    rows = [(row.label, row.total) for row in question.rows]
    return bar_chart(rows, title, language, file_format)


def bar_chart(
    rows: Sequence[tuple[str, str]], title: str, language: str, file_format: Format = "png"
) -> bytes:
    """Labelled suppressed figures as bars: a bar only where the figure is an exact count."""
    rtl = language in RTL_LANGUAGES
    with use_language(language):
        marks = [figure(total) for _label, total in rows]
    counts = [int(total) if total.isdigit() else 0 for _label, total in rows]
    height = 1.4 + ROW_INCHES * max(1, len(rows))
    chart = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(chart)
    axes = chart.add_subplot()
    positions = list(range(len(rows)))
    axes.barh(positions, counts, color=[BAR if total.isdigit() else EMPTY for _l, total in rows])
    axes.set_yticks(positions, [label for label, _total in rows], fontsize=11)
    axes.invert_yaxis()  # the first option on top
    top = max(counts, default=0) or 1
    axes.set_xlim(0, top * 1.25)
    for position, (count, mark) in enumerate(zip(counts, marks, strict=True)):
        axes.text(
            count + top * 0.02,
            position,
            mark,
            va="center",
            ha="right" if rtl else "left",
            fontsize=11,
            color=INK,
        )
    if rtl:
        axes.invert_xaxis()
        axes.yaxis.tick_right()
    axes.set_xticks([])
    for side in ("top", "right", "left", "bottom"):
        axes.spines[side].set_visible(False)
    axes.set_title(
        textwrap.fill(title, TITLE_WIDTH), fontsize=13, color=INK, loc="right" if rtl else "left"
    )
    chart.tight_layout()
    out = io.BytesIO()
    chart.savefig(
        out, format=file_format, metadata={"Software": None} if file_format == "png" else {}
    )
    return out.getvalue()
