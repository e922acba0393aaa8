"""Who joined a municipality in a period: a community x language table, suppressed.

Rows are the options of the ``community`` profile question (matched by key across the
municipality's assemblies, labelled from the first assembly that asks it), then "prefer not
to say" and "no answer"; columns are the languages. A member whose language is not one the
bot speaks is counted under the default language; a community answer that is no longer an
option counts as no answer, as in ``handlers.results.by_profile``.

The members in all, a running total every later digest repeats, is rounded down to a multiple
of K (``rounded_total``): two digests' exact totals would differ by the people who joined, a
count the digest may hide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from handlers.digests.report import Change, MembersSection
from handlers.i18n.core import DEFAULT_LANGUAGE, LANGUAGES, _, localized, use_language
from handlers.privacy.suppression import CountTable, SafeTable, small, suppress, suppress_counts
from storage.digest_queries import COMMUNITY, JoinedCount
from storage.models import Assembly

DECLINED = ""


@dataclass(frozen=True)
class CommunityRows:
    """The community rows of a members table: option keys and labels, in the digest language."""

    keys: tuple[str | None, ...]
    labels: tuple[str, ...]
    question: str | None

    def row_of(self, community: str | None) -> int:
        """The row a stored answer lands in (declined, an option, or no answer)."""
        if self.question is None:
            return 0
        if community == DECLINED:
            return len(self.keys) - 2
        if community is not None and community in self.keys[:-2]:
            return self.keys.index(community)
        return len(self.keys) - 1


def community_question(assemblies: Sequence[Assembly]) -> dict[str, Any] | None:
    """The first ``community`` profile question among the assemblies, if any asks it."""
    for assembly in assemblies:
        for question in assembly.profile or []:
            if question.get("key") == COMMUNITY:
                return question
    return None


def community_rows(assemblies: Sequence[Assembly], language: str) -> CommunityRows:
    """Every community option any assembly offers (by key, first label wins), then the specials."""
    first = community_question(assemblies)
    with use_language(language):
        if first is None:
            return CommunityRows((None,), (_("everyone"),), None)
        specials = (_("prefer not to say"), _("no answer"))
    keys: list[str] = []
    labels: list[str] = []
    for assembly in assemblies:
        for question in assembly.profile or []:
            if question.get("key") != COMMUNITY:
                continue
            for option in question.get("options", []):
                if option["key"] not in keys:
                    keys.append(option["key"])
                    labels.append(localized(option["text"], language))
    return CommunityRows(
        (*keys, DECLINED, None), (*labels, *specials), localized(first["text"], language)
    )


def language_column(language: str | None) -> int:
    """The column of a member's language."""
    return LANGUAGES.index(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def language_labels(language: str) -> tuple[str, ...]:
    """The languages' names in the digest language."""
    with use_language(language):
        names = {"tr": _("Turkish"), "ar": _("Arabic"), "en": _("English")}
    return tuple(names[code] for code in LANGUAGES)


def joined_table(
    counts: Sequence[JoinedCount], rows: CommunityRows, language: str, k: int
) -> tuple[SafeTable, int]:
    """The community x language table of who joined, suppressed; and the raw number of them."""
    grid = [[0] * len(LANGUAGES) for _row in rows.keys]
    for count in counts:
        grid[rows.row_of(count.community)][language_column(count.language)] += count.people
    table = CountTable(rows.labels, language_labels(language), tuple(tuple(row) for row in grid))
    return suppress(table, k), sum(map(sum, grid))


def single_figure(label: str, count: int, k: int) -> str:
    """One count on its own, suppressed."""
    return suppress_counts([(label, [count])], [label], k, column_totals=False).row_totals[0]


def rounded_total(count: int, k: int) -> str:
    """A running total of people as shown: rounded down to a multiple of K, so ``<K`` under K.

    Every figure then stands for K consecutive counts (30 for 30 to 34 at K=5), the first of
    them ``<K`` itself: two consecutive totals differ by 0 or K, which leaves a count under K
    that joined in between at least two possible values. (Rounded to the nearest 5 instead,
    "<5" and then "10" would leave 4 alone: from 4 members to 8.)
    """
    return small(k) if count < k else str(count // k * k)


def change(current: str, previous: str) -> Change:
    """The figure beside the previous one; the difference only where both are exact."""
    difference = int(current) - int(previous) if current.isdigit() and previous.isdigit() else None
    return Change(current, previous, difference)


def members_section(
    assemblies: Sequence[Assembly],
    current: Sequence[JoinedCount],
    previous: Sequence[JoinedCount],
    total: int,
    language: str,
    k: int,
) -> tuple[MembersSection, int]:
    """The members section; and how many joined in the period (raw, to tell an empty digest)."""
    rows = community_rows(assemblies, language)
    joined, joined_count = joined_table(current, rows, language, k)
    before, _before_count = joined_table(previous, rows, language, k)
    assert joined.grand_total is not None and before.grand_total is not None
    section = MembersSection(
        joined=joined,
        previous=before,
        total_members=rounded_total(total, k),
        total_base=k,
        new_members=change(joined.grand_total, before.grand_total),
        community_question=rows.question,
    )
    return section, joined_count
