"""Notices sent in a period and how far they reached: one row per notice, suppressed.

A notice's reach counts its outbox rows as ``handlers.notices.reach`` does for /delivery and
``reslog notice list``: delivered, failed, blocked and waiting. Here the notices of the period
are one table, and its column totals are the period's totals.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.digests.report import NoticeLine, NoticesSection
from handlers.i18n.core import LANGUAGES, _, localized, use_language
from handlers.notices.reach import reach_table
from handlers.privacy.suppression import suppress
from storage.digest_queries import REACH, NoticeReach
from storage.models import Assembly

SUMMARY_LENGTH = 80
ELLIPSIS = "…"


def reach_labels(language: str) -> tuple[str, ...]:
    """The reach columns' names in the digest language, in the order of ``REACH``."""
    with use_language(language):
        names = {
            "delivered": _("delivered"),
            "failed": _("failed"),
            "blocked": _("blocked"),
            "waiting": _("waiting"),
        }
    return tuple(names[column] for column in REACH)


def summary(texts: dict[str, str], language: str) -> str:
    """A notice's first words in the digest language, else in the first language it has."""
    order = (language, *LANGUAGES, *texts)
    text = next((texts[code] for code in order if texts.get(code)), "")
    flat = " ".join(text.split())
    if len(flat) <= SUMMARY_LENGTH:
        return flat
    cut = flat[: SUMMARY_LENGTH - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > SUMMARY_LENGTH // 2 else cut).rstrip() + ELLIPSIS


def notices_section(
    assemblies: Sequence[Assembly], notices: Sequence[NoticeReach], language: str, k: int
) -> NoticesSection:
    """The notices of the period and their reach table (None when none was sent)."""
    names = {assembly.id: localized(assembly.name, language) for assembly in assemblies}
    lines = tuple(
        NoticeLine(
            assembly=names.get(notice.assembly_id, ""),
            kind=notice.kind,
            summary=summary(notice.text, language),
            queued_at=notice.queued_at,
        )
        for notice in notices
    )
    if not notices:
        return NoticesSection(lines, None)
    table = reach_table(
        [(line.summary, notice.reach) for line, notice in zip(lines, notices, strict=True)],
        reach_labels(language),
    )
    return NoticesSection(lines, suppress(table, k))
