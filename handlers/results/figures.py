"""A poll's published figures: every breakdown decided once, recorded, and fixed at closing.

Every output of a poll's results (chat, the command line, the message sent at closing, digests
and their workbooks, exports) takes its figures from here, so that no two of them, and no two
moments, can be differenced:

- *K is fixed at first publication.* The first output of a poll records the K it was shown
  at (the municipality's, or a higher one asked for); every later output uses that K, and
  asking for another is refused. Scanning K (``x`` at 9, ``<10`` at 10) gives nothing away,
  and a municipality that changes its K changes only the polls published afterwards.
- *A closed poll's figures are fixed.* The first output after closing (normally the results
  message sent at closing, in the same transaction) computes them and stores their display
  strings; every later output reads exactly those. An erasure or a late change to the
  assembly's profile after closing changes nothing that is shown.
- *An open poll shows only how many have answered,* rounded to the nearest multiple of 5 (of
  K where K is larger; 3 to 7 read 5, and while fewer than 3 have answered nothing is
  shown). Every breakdown and every question waits for the closing. Any figure of a group
  shown while answers still arrive would be differenced against a later one by a reader who
  knows one more person answered in between: ``<5`` one day and 5 the next gives 4 away,
  and so does rounding (0 then 5 with one more answer: it was 2, then 3), as the two-moment
  property test (tests/results/test_disclosure_property.py) found with per-cell rounding.
- *Every output is logged*: to whom the figures went and when (``storage.published``).

A draft poll has no answers: its (empty) figures are not recorded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n.core import LANGUAGES
from handlers.privacy.suppression import WITHHELD, SafeTable
from handlers.results.disclosure import (
    NOT_ANSWERED,
    ONE_ANSWER_KINDS,
    Dimension,
    ShownDimension,
    disclose,
    profile_columns,
    withheld_breakdowns,
)
from storage.assemblies import assembly_k
from storage.base import utcnow
from storage.errors import DomainError
from storage.models import Assembly, Poll, Question
from storage.published import (
    find_published,
    fix_figures,
    log_publication,
    poll_subject,
    record_published,
)
from storage.tallies import LANGUAGE, Tallies, tally_poll
from storage.vocabulary import PollStatus, QuestionKind

ROUNDING = 5
CACHE = "poll_figures"
LOGGED = "poll_figures_logged"


class ResultsError(DomainError):
    """Results cannot be given as asked."""


@dataclass(frozen=True)
class FigureRow:
    """One row of figures as shown: the total, and one figure per column of the breakdown."""

    total: str
    by_column: tuple[str, ...]


@dataclass(frozen=True)
class PollFigures:
    """Every figure a poll's outputs may show, by breakdown (language, then each profile key).

    ``rounding`` is 1 for exact figures, else the base shown counts are rounded to.
    ``answered`` holds, for one-answer questions some did not answer, those who did (the
    respondents less those who did not, exact only where both are); ``medians`` the median of
    each number question, "" where fewer than K answered or the counts are withheld.
    """

    k: int
    rounding: int
    dimensions: dict[str, ShownDimension]
    answered: dict[str, dict[int, FigureRow]]
    medians: dict[str, dict[int, FigureRow]]


def threshold(municipality_k: int, requested: int | None) -> int:
    """The K to use: the municipality's, or a higher one asked for; never a lower one."""
    if requested is None:
        return municipality_k
    if requested < municipality_k:
        raise ResultsError(
            f"K {requested} is below the municipality's K of {municipality_k}; K can only be raised"
        )
    return requested


async def municipality_k(session: AsyncSession, poll: Poll) -> int:
    """The suppression threshold of the municipality running the poll's assembly."""
    return await assembly_k(session, poll.assembly_id)


async def poll_figures(
    session: AsyncSession,
    poll: Poll,
    *,
    audience: str,
    k: int | None = None,
    first_k: int | None = None,
    now: datetime | None = None,
) -> PollFigures:
    """The poll's figures as every output shows them, their publication to ``audience`` logged
    (the caller commits). ``k`` may only raise the municipality's K, and only before the poll's
    figures are first published; after that, only their own K is accepted. ``first_k`` is the
    K to publish at if nothing was published yet, else the published K is used (a digest)."""
    now = now or utcnow()
    record = None
    if poll.status != PollStatus.DRAFT:
        record = await find_published(session, poll_subject(poll.id))
    if record is not None:
        if k is not None and k != record.k:
            raise ResultsError(
                f"the results of poll {poll.slug} were first published at K={record.k}; they are "
                f"shown at that K only, so that two thresholds cannot be compared"
            )
        used_k = record.k
    else:
        used_k = threshold(await municipality_k(session, poll), first_k if k is None else k)
        if poll.status != PollStatus.DRAFT:
            record = await record_published(
                session, poll_subject(poll.id), used_k, now, poll_id=poll.id
            )
            used_k = record.k
    if record is not None and record.figures is not None:
        figures = decode(record.figures)
    else:
        figures = await _computed(session, poll, used_k)
        if poll.status == PollStatus.CLOSED and record is not None:
            figures = decode(await fix_figures(session, record, encode(figures), now))
    if record is not None:
        logged = session.info.setdefault(LOGGED, set())
        if (record.id, audience) not in logged:
            logged.add((record.id, audience))
            await log_publication(session, record, audience, now)
    return figures


async def _computed(session: AsyncSession, poll: Poll, k: int) -> PollFigures:
    """The poll's figures counted now (once per session, poll, status and K)."""
    cache: dict[tuple[int, str, int], PollFigures] = session.info.setdefault(CACHE, {})
    key = (poll.id, poll.status, k)
    if key not in cache:
        assembly = await session.get(Assembly, poll.assembly_id)
        assert assembly is not None
        profile = list(assembly.profile or [])
        tallies = await tally_poll(session, poll, profile, languages=LANGUAGES)
        rounding = max(ROUNDING, k) if poll.status == PollStatus.OPEN else 1
        cache[key] = figures_of(poll.questions, dimensions_of(profile, tallies), k, rounding)
    return cache[key]


def dimensions_of(
    profile: Sequence[dict[str, Any]], tallies: dict[str, Tallies]
) -> list[Dimension]:
    """The poll's breakdowns: by language, then by each profile question of its assembly."""
    dimensions = [Dimension(LANGUAGE, LANGUAGES, tallies[LANGUAGE])]
    return dimensions + [
        Dimension(str(q["key"]), profile_columns(q), tallies[str(q["key"])]) for q in profile
    ]


def figures_of(
    questions: Sequence[Question], dimensions: Sequence[Dimension], k: int, rounding: int = 1
) -> PollFigures:
    """Every breakdown suppressed together (``handlers.results.disclosure``), with the derived
    answered rows and the medians; or, with ``rounding`` above 1 (an open poll), every count
    rounded from its true value and no median."""
    if rounding > 1:
        return _open_figures(questions, dimensions, k, rounding)
    shown = disclose(questions, dimensions, k)
    answered = {
        d.key: {q.id: row for q in questions if (row := _answered(q, shown[d.key])) is not None}
        for d in dimensions
    }
    medians = {
        d.key: {
            q.id: _medians(q, d, shown[d.key], k)
            for q in questions
            if q.kind == QuestionKind.NUMBER
        }
        for d in dimensions
    }
    return PollFigures(k, 1, shown, answered, medians)


def _open_figures(
    questions: Sequence[Question], dimensions: Sequence[Dimension], k: int, rounding: int
) -> PollFigures:
    """An open poll's figures: only how many answered overall, rounded (withheld while it reads
    0); every breakdown and every question withheld until the poll closes."""
    everyone = round_to(sum(dimensions[0].vector(dimensions[0].tallies.respondents)), rounding)
    total = str(everyone) if everyone else WITHHELD
    dimensions_shown = {}
    for key, hidden in withheld_breakdowns(questions, dimensions, k).items():
        respondents = replace(hidden.respondents, row_totals=(total,), withheld=not everyone)
        dimensions_shown[key] = replace(hidden, respondents=respondents)
    medians = {
        d.key: {
            q.id: FigureRow("", ("",) * len(d.columns))
            for q in questions
            if q.kind == QuestionKind.NUMBER
        }
        for d in dimensions
    }
    answered = {
        d.key: {
            q.id: FigureRow(WITHHELD, (WITHHELD,) * len(d.columns))
            for q in questions
            if q.kind in ONE_ANSWER_KINDS
        }
        for d in dimensions
    }
    return PollFigures(k, rounding, dimensions_shown, answered, medians)


def round_to(count: int, base: int) -> int:
    """A count rounded to the nearest multiple of ``base`` (halves up: 0-2 read 0, 3-7 read 5)."""
    return base * ((count + base // 2) // base)


def _answered(question: Question, shown: ShownDimension) -> FigureRow | None:
    """Those who answered a one-answer question some skipped: respondents less the skipped
    row, exact only where both are shown; None where there is no skipped row."""
    linked = shown.linked.get(question.id)
    if question.kind not in ONE_ANSWER_KINDS or linked is None:
        return None
    if linked.row_labels[-1] != NOT_ANSWERED:
        return None
    head = shown.respondents

    def less(whole: str, part: str) -> str:
        return str(int(whole) - int(part)) if whole.isdigit() and part.isdigit() else WITHHELD

    return FigureRow(
        less(head.row_totals[0], linked.row_totals[-1]),
        tuple(less(w, p) for w, p in zip(head.cells[0], linked.cells[-1], strict=True)),
    )


def _medians(question: Question, dimension: Dimension, shown: ShownDimension, k: int) -> FigureRow:
    """A number question's median per column and overall, only where its answered count is
    shown (not withheld) and at least K answered."""
    linked = shown.linked.get(question.id)
    table = linked if linked is not None else shown.respondents
    histograms: dict[str, dict[int, int]] = {c: defaultdict(int) for c in dimension.columns}
    for (question_id, value), counts in dimension.tallies.values.items():
        if question_id == question.id:
            for column, count in zip(dimension.columns, dimension.vector(counts), strict=True):
                histograms[column][value] += count
    overall: dict[int, int] = defaultdict(int)
    for histogram in histograms.values():
        for value, count in histogram.items():
            overall[value] += count
    return FigureRow(
        shown_median(overall, k, table.row_totals[0] == WITHHELD),
        tuple(
            shown_median(histograms[column], k, text == WITHHELD)
            for column, text in zip(dimension.columns, table.cells[0], strict=True)
        ),
    )


def shown_median(histogram: dict[int, int], k: int, withheld: bool) -> str:
    """The median of a histogram, or "" when fewer than K answered or the counts are withheld."""
    if withheld or sum(histogram.values()) < k:
        return ""
    return _format(median(histogram.items()))


def median(histogram: Iterable[tuple[int, int]]) -> float:
    """The median of values given as (value, how many) pairs."""
    pairs = sorted((value, count) for value, count in histogram if count > 0)
    size = sum(count for _value, count in pairs)
    if size == 0:
        raise ValueError("the median of nothing")
    return (_nth(pairs, (size - 1) // 2) + _nth(pairs, size // 2)) / 2


def _nth(pairs: Sequence[tuple[int, int]], index: int) -> int:
    """The value at a 0-based position of sorted (value, count) pairs."""
    seen = 0
    for value, count in pairs:
        seen += count
        if index < seen:
            return value
    raise IndexError(index)


def _format(number: float) -> str:
    """A median as shown: whole, or with one decimal."""
    return str(int(number)) if number.is_integer() else f"{number:.1f}"


def encode(figures: PollFigures) -> dict[str, Any]:
    """The figures as JSON-ready data (question ids as strings)."""
    return {
        "k": figures.k,
        "rounding": figures.rounding,
        "dimensions": {
            key: {
                "key": s.key,
                "columns": list(s.columns),
                "respondents": asdict(s.respondents),
                "linked": {str(q): asdict(t) for q, t in s.linked.items()},
                "options": {str(q): asdict(t) for q, t in s.options.items()},
            }
            for key, s in figures.dimensions.items()
        },
        "answered": _encode_rows(figures.answered),
        "medians": _encode_rows(figures.medians),
    }


def _encode_rows(rows: dict[str, dict[int, FigureRow]]) -> dict[str, dict[str, Any]]:
    """Rows of figures by breakdown and question, as JSON-ready data."""
    return {
        key: {str(q): [r.total, list(r.by_column)] for q, r in by_question.items()}
        for key, by_question in rows.items()
    }


def decode(data: dict[str, Any]) -> PollFigures:
    """Figures from the data ``encode`` made."""
    return PollFigures(
        int(data["k"]),
        int(data["rounding"]),
        {
            key: ShownDimension(
                str(s["key"]),
                tuple(s["columns"]),
                _table(s["respondents"]),
                {int(q): _table(t) for q, t in s["linked"].items()},
                {int(q): _table(t) for q, t in s["options"].items()},
            )
            for key, s in data["dimensions"].items()
        },
        _decode_rows(data["answered"]),
        _decode_rows(data["medians"]),
    )


def _decode_rows(data: dict[str, dict[str, Any]]) -> dict[str, dict[int, FigureRow]]:
    """Rows of figures from their JSON-ready data."""
    return {
        key: {int(q): FigureRow(str(total), tuple(by)) for q, (total, by) in rows.items()}
        for key, rows in data.items()
    }


def _table(data: dict[str, Any]) -> SafeTable:
    """A suppressed table from ``asdict`` data (lists back to tuples)."""
    totals = data["column_totals"]
    return SafeTable(
        tuple(data["row_labels"]),
        tuple(data["column_labels"]),
        tuple(tuple(row) for row in data["cells"]),
        tuple(data["row_totals"]),
        tuple(totals) if totals is not None else None,
        data["grand_total"],
        int(data["k"]),
        bool(data["withheld"]),
    )
