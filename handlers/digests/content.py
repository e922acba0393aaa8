"""A municipality's digest for a period, built from grouped counts and already suppressed.

Who joined (by community and language, beside the period before), every poll open at some
moment of the period (by language and by each profile question of its assembly, through
``handlers.results.by_language`` and ``handlers.results.by_profile``), what people wrote (scrubbed), and
the notices sent with their reach. Every figure goes through ``handlers.privacy.suppression`` with the
municipality's K, or a higher one asked for; labels are in the digest's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.digests.feedback import feedback_sections
from handlers.digests.members import members_section
from handlers.digests.notices import notices_section
from handlers.digests.report import MunicipalityDigest, Period, PollSection
from handlers.i18n.core import LANGUAGES, localized
from handlers.results.by_language import poll_results
from handlers.results.by_profile import results_by_profile
from handlers.results.figures import ResultsError, poll_figures, threshold
from storage import digest_queries as queries
from storage.assemblies import municipality_assemblies
from storage.digest_queries import Window
from storage.models import Assembly, Municipality, Poll


def window(period: Period) -> Window:
    """The period as the storage queries take it."""
    return Window(period.start, period.end)


async def poll_section(
    session: AsyncSession, poll: Poll, assembly: Assembly, language: str, k: int
) -> PollSection:
    """One poll's results by language and by every profile question of its assembly, from the
    poll's published figures (``handlers.results.figures``): at the K they were first published
    at, whatever the digest's own K."""
    figures = await poll_figures(session, poll, audience="digest", first_k=k)
    keys = [str(q["key"]) for q in assembly.profile or [] if str(q["key"]) in figures.dimensions]
    by_profile = tuple(
        [
            await results_by_profile(session, poll, key, language=language, figures=figures)
            for key in keys
        ]
    )
    return PollSection(
        assembly=localized(assembly.name, language),
        join_code=assembly.join_code,
        slug=poll.slug,
        title=localized(poll.title, language),
        status=poll.status,
        opened_at=poll.opened_at,
        closed_at=poll.closed_at,
        by_language=await poll_results(session, poll, language=language, figures=figures),
        by_profile=by_profile,
    )


async def poll_sections(
    session: AsyncSession, assemblies: Sequence[Assembly], period: Period, language: str, k: int
) -> tuple[PollSection, ...]:
    """Every poll of the assemblies open at some moment of the period."""
    by_id = {assembly.id: assembly for assembly in assemblies}
    polls = await queries.polls_open(session, list(by_id), window(period))
    return tuple(
        [await poll_section(session, poll, by_id[poll.assembly_id], language, k) for poll in polls]
    )


async def municipality_digest(
    session: AsyncSession,
    municipality: Municipality,
    period: Period,
    *,
    language: str,
    now: datetime,
    k: int | None = None,
) -> MunicipalityDigest:
    """The municipality's digest for the period, in ``language``; K only ever raised."""
    if language not in LANGUAGES:
        raise ResultsError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    used_k = threshold(municipality.suppression_k, k)
    assemblies = await municipality_assemblies(session, [municipality.id])
    ids = [assembly.id for assembly in assemblies]
    current, previous = window(period), window(period.previous)
    members, joined = members_section(
        assemblies,
        await queries.new_members(session, ids, current),
        await queries.new_members(session, ids, previous),
        (await queries.total_members(session, ids, period.end)).get(municipality.id, 0),
        language,
        used_k,
    )
    polls = await poll_sections(session, assemblies, period, language, used_k)
    feedback_rows = await queries.feedback_rows(session, ids, current)
    feedback = feedback_sections(
        assemblies,
        feedback_rows,
        await queries.feedback_counts(session, ids, previous),
        language,
        used_k,
    )
    notices = await queries.notices_reach(session, ids, current)
    return MunicipalityDigest(
        slug=municipality.slug,
        name=localized(municipality.name, language),
        period=period,
        language=language,
        k=used_k,
        generated_at=now,
        members=members,
        polls=polls,
        feedback=feedback,
        notices=notices_section(assemblies, notices, language, used_k),
        empty=not (joined or polls or feedback_rows or notices),
    )
