"""Every chart of a digest: one per charted question of each poll, and one of its members.

A municipality's digest has a chart of new members by community; a union's, one of its
members' new members side by side. Charts are drawn by ``bot.digests.formats.chart`` from the figures
as shown, so they reveal nothing the tables do not.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.digests.formats.chart import bar_chart, question_chart
from handlers.digests.report import Digest, MunicipalityDigest, PollSection, RollupDigest
from handlers.digests.text_parts import label
from handlers.i18n.core import _, localize_digits, use_language
from storage.vocabulary import QuestionKind

CHARTED_KINDS = frozenset(
    {QuestionKind.SINGLE, QuestionKind.MULTI, QuestionKind.SCALE, QuestionKind.YESNO}
)


@dataclass(frozen=True)
class DigestChart:
    """One chart: a file-name-safe name, its title in the digest's language, and the PNG."""

    name: str
    title: str
    png: bytes


def digest_charts(digest: Digest) -> list[DigestChart]:
    """The digest's charts, members first; none for an empty digest."""
    if digest.empty:
        return []
    if isinstance(digest, RollupDigest):
        return [rollup_chart(digest)]
    charts = [members_chart(digest)]
    for number, poll in enumerate(digest.polls, start=1):
        charts += poll_charts(poll, number, digest.language)
    return charts


def members_chart(digest: MunicipalityDigest) -> DigestChart:
    """New members by community (or everyone, when no assembly asks the community question)."""
    joined = digest.members.joined
    with use_language(digest.language):
        title = _("New members by community")
        rows = [
            (label(row), total)
            for row, total in zip(joined.row_labels, joined.row_totals, strict=True)
        ]
    return DigestChart("members", title, bar_chart(rows, title, digest.language))


def rollup_chart(digest: RollupDigest) -> DigestChart:
    """Each member's new members, side by side."""
    joined = digest.joined
    totals = joined.column_totals or ("-",) * len(digest.members)
    with use_language(digest.language):
        title = _("New members by member")
    rows = list(zip(digest.members, totals, strict=True))
    return DigestChart("members", title, bar_chart(rows, title, digest.language))


def poll_charts(poll: PollSection, number: int, language: str) -> list[DigestChart]:
    """One chart per question that has options to draw, unless the poll shows nothing."""
    results = poll.by_language
    if not results.respondents.total.isdigit():
        return []
    with use_language(language):
        numbers = {q.number: localize_digits(str(q.number)) for q in results.questions}
    return [
        DigestChart(
            f"poll{number}-q{question.number}",
            f"{poll.title}: {question.text}",
            question_chart(question, f"{numbers[question.number]}. {question.text}", language),
        )
        for question in results.questions
        if question.kind in CHARTED_KINDS and not question.withheld
    ]
