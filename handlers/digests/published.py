"""A digest period's figures, fixed when first published: every later copy shows the same.

The first time a scheduled period's digest leaves the system (printed, written or sent), it is
built in every language at once and stored (``storage.published``); from then on, any copy of
that period, in any language and by any process, is the stored one. Nobody can then difference
two copies of one period: an erasure or a late join after the first copy changes nothing that
is shown. K is fixed with it: asking for the period at another K is refused.

What people wrote is not stored with the figures: each feedback item keeps only its row id,
when it came and its language, and every copy shows the text as stored now, scrubbed. So an
item erased since (with its writer, or for its age) is left out of every later copy, and one
staff redacted shows the mark; the counts beside them stay as they were published.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from cattrs.preconf.json import JsonConverter, make_converter
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.digests.feedback import shown_text
from handlers.digests.report import Digest, MunicipalityDigest, Period, RollupDigest
from handlers.i18n.core import LANGUAGES, use_language
from handlers.results.figures import ResultsError
from storage.digest_queries import feedback_texts
from storage.models import DigestSetting
from storage.published import (
    digest_subject,
    find_published,
    fix_figures,
    log_publication,
    record_published,
)

Build = Callable[[str, int | None], Awaitable[Digest]]


@functools.cache
def converter() -> JsonConverter:
    """The one converter between digests and JSON-ready data (made on first use)."""
    return make_converter()


def encode(digest: Digest) -> dict[str, Any]:
    """A digest as JSON-ready data, with its kind."""
    kind = "municipality" if isinstance(digest, MunicipalityDigest) else "union"
    return {"kind": kind, "digest": converter().unstructure(digest)}


def decode(data: dict[str, Any]) -> Digest:
    """The digest ``encode`` made the data of."""
    if data["kind"] == "municipality":
        return converter().structure(data["digest"], MunicipalityDigest)
    return converter().structure(data["digest"], RollupDigest)


async def published_digest(
    session: AsyncSession,
    setting: DigestSetting,
    period: Period,
    *,
    language: str,
    k: int | None,
    audience: str,
    now: datetime,
    build: Build,
) -> Digest:
    """The period's digest in ``language`` as first published, built (in every language)
    and fixed now if it never was; its publication to ``audience`` logged (the caller
    commits). ``build(language, k)`` builds one language."""
    subject = digest_subject(setting.id, period.start, period.end)
    record = await find_published(session, subject)
    if record is not None and k is not None and k != record.k:
        raise ResultsError(
            f"the digest of this period was first published at K={record.k}; it is shown at "
            "that K only, so that two thresholds cannot be compared"
        )
    if record is None or record.figures is None:
        first = await build(language, k)
        built = {language: first}
        for other in LANGUAGES:
            if other != language:
                built[other] = await build(other, first.k)
        record = await record_published(session, subject, first.k, now, setting_id=setting.id)
        if record.k != first.k:  # another process published it first, at another K
            raise ResultsError(f"the digest of this period was first published at K={record.k}")
        stored_copies = {lang: encode(_without_texts(d)) for lang, d in built.items()}
        await fix_figures(session, record, stored_copies, now)
    assert record.figures is not None
    await log_publication(session, record, audience, now)
    stored = record.figures.get(language)
    if stored is None:
        raise ResultsError(f"the digest of this period was not published in {language!r}")
    return await _with_current_texts(session, decode(stored), language)


def _without_texts(digest: Digest) -> Digest:
    """The digest as stored: each feedback item without its text (kept by its row id)."""
    if not isinstance(digest, MunicipalityDigest):
        return digest
    sections = tuple(
        replace(
            section,
            items=tuple(
                replace(item, text="") if item.feedback_id is not None else item
                for item in section.items
            ),
        )
        for section in digest.feedback
    )
    return replace(digest, feedback=sections)


async def _with_current_texts(session: AsyncSession, digest: Digest, language: str) -> Digest:
    """The digest with each feedback item's text as stored now (scrubbed, or the redaction
    mark), and without the items erased since it was fixed."""
    if not isinstance(digest, MunicipalityDigest):
        return digest
    ids = [i.feedback_id for s in digest.feedback for i in s.items if i.feedback_id is not None]
    texts = await feedback_texts(session, ids)
    with use_language(language):
        sections = tuple(
            replace(
                section,
                items=tuple(
                    item
                    if item.feedback_id is None
                    else replace(item, text=shown_text(texts[item.feedback_id]))
                    for item in section.items
                    if item.feedback_id is None or item.feedback_id in texts
                ),
            )
            for section in digest.feedback
        )
    return replace(digest, feedback=sections)
