"""What a digest says, as plain data: every count already suppressed, every text scrubbed.

A digest is built once (``handlers.digests.content`` for a municipality, ``handlers.digests.rollup.digest``
for a union) and then written in every format from this data alone: the Telegram message, the
e-mail, the workbook and the charts. Nothing here is a raw count: each figure is a display
string from ``handlers.privacy.suppression`` ("12", "<5", "x", "-"), so no format can leak more than
another. Labels are in the digest's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.privacy.suppression import SafeTable
from handlers.results.by_language import PollResults
from handlers.results.by_profile import ProfileResults
from storage.periods import Period as Period  # where the runs of a period are stored too


@dataclass(frozen=True)
class Change:
    """A figure this period beside the previous one; ``change`` only when both are shown exactly."""

    current: str
    previous: str
    change: int | None


@dataclass(frozen=True)
class MembersSection:
    """Who joined in the period: a community x language table, and the same for the period before.

    Rows of ``joined`` are the community options (with "prefer not to say" and "no answer"),
    columns the languages; its row totals are the communities, its column totals the languages,
    its grand total everyone who joined. ``community_question`` is None when no assembly of the
    subject asks the community question: then the table has the one row "everyone".
    ``total_members`` is rounded down to a multiple of ``total_base`` (K), so under K it reads ``<K``.
    """

    joined: SafeTable
    previous: SafeTable
    total_members: str
    total_base: int
    new_members: Change
    community_question: str | None


@dataclass(frozen=True)
class PollSection:
    """One poll open at some time in the period: its results by language and by each profile question."""

    assembly: str
    join_code: str
    slug: str
    title: str
    status: str
    opened_at: datetime | None
    closed_at: datetime | None
    by_language: PollResults
    by_profile: tuple[ProfileResults, ...]


@dataclass(frozen=True)
class FeedbackItem:
    """One piece of feedback, personal data scrubbed; ``language`` is the language it was sent
    in; ``feedback_id`` the stored row it came from (so an erased person's words leave a digest
    fixed before the erasure)."""

    received_at: datetime
    language: str
    text: str
    feedback_id: int | None = None


@dataclass(frozen=True)
class AssemblyFeedback:
    """What members of one assembly wrote in the period, oldest first."""

    assembly: str
    join_code: str
    items: tuple[FeedbackItem, ...]
    previous_count: str


@dataclass(frozen=True)
class NoticeLine:
    """A notice sent in the period: whose, what kind, and its first words in the digest's language."""

    assembly: str
    kind: str
    summary: str
    queued_at: datetime


@dataclass(frozen=True)
class NoticesSection:
    """Notices sent in the period and how far they reached.

    ``reach`` has one row per notice (in ``notices`` order) and the columns delivered, failed,
    blocked and waiting; its column totals are the period's totals.
    """

    notices: tuple[NoticeLine, ...]
    reach: SafeTable | None


@dataclass(frozen=True)
class MunicipalityDigest:
    """A municipality's digest for one period; ``empty`` when nothing at all happened in it."""

    slug: str
    name: str
    period: Period
    language: str
    k: int
    generated_at: datetime
    members: MembersSection
    polls: tuple[PollSection, ...]
    feedback: tuple[AssemblyFeedback, ...]
    notices: NoticesSection
    empty: bool


@dataclass(frozen=True)
class RollupDigest:
    """A union's digest for one period: its members' figures side by side, every cell suppressed.

    Every table has one column per member (``members``, municipalities and unions by name), and
    its row totals are the union's figures. ``joined`` rows are languages, ``communities`` rows
    the community options, ``participation`` rows polls run and responses, ``feedback`` one row,
    ``reach`` rows delivered, failed, blocked and waiting. ``empty`` when no member had
    anything in the period.
    """

    slug: str
    name: str
    level: str
    period: Period
    language: str
    k: int
    generated_at: datetime
    members: tuple[str, ...]
    joined: SafeTable
    previous_joined: SafeTable
    communities: SafeTable
    participation: SafeTable
    feedback: SafeTable
    reach: SafeTable
    empty: bool


Digest = MunicipalityDigest | RollupDigest
