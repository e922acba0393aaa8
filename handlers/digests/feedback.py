"""What people wrote in a period, by assembly: personal data scrubbed, marks in the digest language.

Each text is kept in the language it was written in (``FeedbackItem.language`` names it); only
phone numbers, e-mail addresses and identity numbers are replaced (``handlers.privacy.scrub``). Beside
each assembly's texts stands how many it received in the period before, suppressed.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.digests.members import single_figure
from handlers.digests.report import AssemblyFeedback, FeedbackItem
from handlers.i18n.core import _, localized, use_language
from handlers.privacy.scrub import scrub_personal_data
from storage.digest_queries import FeedbackRow
from storage.models import Assembly


def shown_text(stored: str | None) -> str:
    """A feedback text as a digest shows it (in the current language's marks): scrubbed, or
    the mark of a text staff removed (``stored`` None)."""
    if stored is None:
        return _("[removed by staff: it could identify someone]")
    return scrub_personal_data(stored)


def feedback_sections(
    assemblies: Sequence[Assembly],
    rows: Sequence[FeedbackRow],
    previous_counts: dict[int, int],
    language: str,
    k: int,
) -> tuple[AssemblyFeedback, ...]:
    """One section per assembly that received feedback in this period or the one before."""
    with use_language(language):
        items = {
            assembly.id: tuple(
                FeedbackItem(row.created_at, row.language, shown_text(row.text), row.id)
                for row in rows
                if row.assembly_id == assembly.id
            )
            for assembly in assemblies
        }
    return tuple(
        AssemblyFeedback(
            assembly=localized(assembly.name, language),
            join_code=assembly.join_code,
            items=items[assembly.id],
            previous_count=single_figure("feedback", previous_counts.get(assembly.id, 0), k),
        )
        for assembly in assemblies
        if items[assembly.id] or previous_counts.get(assembly.id)
    )
